import XCTest
@testable import TokenService

/// The scope reading every user grant goes through: its ASCII fast paths must read exactly what
/// the Character-based reading reads.
final class ScopeParserTests: XCTestCase {
    func testResourceIsEverythingBeforeTheLastSlash() {
        XCTAssertEqual(ScopeParser.resourceAndName("api://contoso-api/access_as_user").resource, "api://contoso-api")
        XCTAssertEqual(ScopeParser.resourceAndName("api://contoso-api/access_as_user").name, "access_as_user")
        XCTAssertEqual(ScopeParser.resourceAndName("https://management.azure.com//.default").resource, "https://management.azure.com/")
        XCTAssertEqual(ScopeParser.resourceAndName("User.Read").resource, ScopeParser.graphIdentifier)
        XCTAssertEqual(ScopeParser.resourceAndName("User.Read").name, "User.Read")
    }

    func testNonASCIIScopesAreSplitByCharacterNotByByte() {
        // "/" followed by a combining accent is one Character "/́", not a slash: the resource ends
        // at the slash before it, as the Character search has always read it.
        let item = "api://x/\u{301}read"
        XCTAssertEqual(ScopeParser.resourceAndName(item).resource, "api:/")
        XCTAssertEqual(ScopeParser.resourceAndName(item).name, "x/\u{301}read")
        XCTAssertEqual(ScopeParser.resourceAndName("api://café/lire").resource, "api://café")
    }

    func testOpenIDScopesInAnyCaseAndNothingElse() {
        for scope in ["openid", "OpenID", "PROFILE", "email", "Offline_Access"] {
            XCTAssertTrue(ScopeParser.isOpenIDScope(scope), scope)
        }
        for scope in ["openid2", "open", "offline-access", "ema\u{131}l", "openİd", "", "User.Read"] {
            XCTAssertFalse(ScopeParser.isOpenIDScope(scope), scope)
        }
    }

    func testResourcesCompareWithoutCaseAsciiOrNot() {
        XCTAssertTrue(ScopeParser.sameResource("API://Contoso-Api", "api://contoso-api"))
        XCTAssertFalse(ScopeParser.sameResource("api://contoso-api", "api://contoso-ap"))
        XCTAssertFalse(ScopeParser.sameResource("api://a[", "api://a{"))  // 0x5B and 0x7B are not letters
        XCTAssertTrue(ScopeParser.sameResource("api://CAFÉ", "api://café"))
        XCTAssertFalse(ScopeParser.sameResource("api://café", "api://cafe"))
    }

    func testParseRefusesTwoResourcesAndAcceptsOneInMixedCase() throws {
        let parsed = try ScopeParser.parse("openid API://contoso-api/a api://CONTOSO-API/b OFFLINE_ACCESS")
        XCTAssertEqual(parsed.resource?.identifier, "API://contoso-api")
        XCTAssertEqual(parsed.resource?.names, ["a", "b"])
        XCTAssertEqual(parsed.openIDScopes, ["openid", "OFFLINE_ACCESS"])
        XCTAssertThrowsError(try ScopeParser.parse("api://a/x api://b/y"))
        // One resource's `.default` twice is one `.default`, as /authorize accepts it; mixed with a name, still 70011.
        XCTAssertEqual(try ScopeParser.parse("api://a/.default API://A/.default").resource?.names, [".default"])
        XCTAssertThrowsError(try ScopeParser.parse("api://a/.default api://a/x"))
    }

    func testRefreshKeepsTheFirstResourceAndTheOpenIDScopes() {
        XCTAssertEqual(ScopeParser.firstResourceOnly("openid api://a/x User.Read API://A/y offline_access"),
                       "openid api://a/x API://A/y offline_access")
        XCTAssertEqual(ScopeParser.firstResourceOnly("  User.Read\tapi://a/x  Mail.Read "), "User.Read Mail.Read")
    }
}
