import Foundation
import XCTest
@testable import EntraDirectory

/// `applications[].optionalClaims`, in Microsoft Graph's shape: read in full, and every mistake
/// reported at its path.
final class OptionalClaimsTests: XCTestCase {
    func testGraphShapedOptionalClaimsLoad() throws {
        let loaded = try loadScenario(scenario(applications: """
            { "displayName": "API", "optionalClaims": {
                "accessToken": [ { "name": "xms_cc", "source": null, "essential": false, "additionalProperties": [] },
                                 { "name": "ipaddr" } ],
                "idToken": [ { "name": "upn", "essential": true, "additionalProperties": [ "include_externally_authenticated_upn" ] } ],
                "saml2Token": [] } },
            { "displayName": "Plain", "optionalClaims": null }
            """))
        let tenant = loaded.directory.tenants[0]
        let api = try XCTUnwrap(tenant.applications.first { $0.displayName == "API" })
        XCTAssertEqual(api.optionalClaims.accessToken, [OptionalClaim(name: "xms_cc"), OptionalClaim(name: "ipaddr")])
        XCTAssertEqual(api.optionalClaims.idToken,
                       [OptionalClaim(name: "upn", essential: true, additionalProperties: ["include_externally_authenticated_upn"])])
        XCTAssertTrue(api.optionalClaims.accessTokenRequests("xms_cc"))
        XCTAssertFalse(api.optionalClaims.idToken.isEmpty)
        let plain = try XCTUnwrap(tenant.applications.first { $0.displayName == "Plain" })
        XCTAssertEqual(plain.optionalClaims, .none)
        XCTAssertFalse(plain.optionalClaims.accessTokenRequests("xms_cc"))
    }

    func testMistakesAreReportedAtTheirPath() {
        let cases: [(String, String, String)] = [
            (#"{ "acessToken": [] }"#, "applications[0].optionalClaims", "unknown property 'acessToken' (did you mean 'accessToken'?)"),
            (#"{ "accessToken": [ { "name": 7 } ] }"#, "applications[0].optionalClaims.accessToken[0].name", "expected a string, found a number"),
            (#"{ "accessToken": [ { "source": "user" } ] }"#, "applications[0].optionalClaims.accessToken[0].name", "required property is missing"),
            (#"{ "accessToken": [ { "name": "" } ] }"#, "applications[0].optionalClaims.accessToken[0].name", "must not be empty"),
            (#"{ "accessToken": [ { "name": "xms cc" } ] }"#, "applications[0].optionalClaims.accessToken[0].name", "must not contain spaces"),
            (#"{ "accessToken": [ { "name": "xms_cc", "essentail": true } ] }"#, "applications[0].optionalClaims.accessToken[0]", "unknown property 'essentail'"),
            (#"{ "accessToken": [ { "name": "xms_cc", "essential": "yes" } ] }"#, "applications[0].optionalClaims.accessToken[0].essential", "expected a boolean"),
            (#"{ "idToken": [ { "name": "upn", "additionalProperties": [ 1 ] } ] }"#, "applications[0].optionalClaims.idToken[0].additionalProperties[0]", "expected a string"),
            (#"{ "saml2Token": { "name": "upn" } }"#, "applications[0].optionalClaims.saml2Token", "expected an array, found an object"),
            (#"{ "accessToken": [ "xms_cc" ] }"#, "applications[0].optionalClaims.accessToken[0]", "expected an object, found a string"),
            (#"[ "xms_cc" ]"#, "applications[0].optionalClaims", "expected an object, found an array"),
            (#"{ "idToken": [ { "name": "extension_abc_dept", "source": "group" } ] }"#, "applications[0].optionalClaims.idToken[0].source", "must be \"user\" or null"),
        ]
        for (claims, path, reason) in cases {
            assertSingleProblem(scenario(applications: #"{ "displayName": "A", "optionalClaims": \#(claims) }"#), path: path, reason: reason)
        }
    }
}
