import Foundation
import XCTest
import HTTPServer
import MockEntra

/// The MFA step finishes only a sign-in of its own tenant: a step begun for tenant A's sign-in,
/// posted with tenant B's sign-in context, issues nothing for tenant B's application.
final class SecondFactorTenantTests: XCTestCase {
    static let tenantA = "1a1a1a1a-1a1a-4a1a-8a1a-1a1a1a1a1a1a"
    static let tenantB = "2b2b2b2b-2b2b-4b2b-8b2b-2b2b2b2b2b2b"

    static func tenant(_ id: String, _ letter: String) -> String {
        """
        { tenant: { id: "\(id)", defaultDomain: "\(letter).test" },
          applications: [
            { displayName: "App \(letter)", isFallbackPublicClient: true, publicClient: { redirectUris: [ "http://localhost" ] } },
            { displayName: "API \(letter)", identifierUris: [ "api://\(letter)" ], api: { oauth2PermissionScopes: [ { value: "x" } ] } } ],
          users: [ { userPrincipalName: "mallory@\(letter).test", password: "p", mfa: { registered: true } } ],
          oauth2PermissionGrants: [ { client: "App \(letter)", resource: "API \(letter)", scope: "x", consentType: "AllPrincipals" } ],
          conditionalAccessPolicies: [ { displayName: "MFA", state: "enabled",
            conditions: { users: { includeUsers: [ "All" ] }, applications: { includeApplications: [ "All" ] } },
            grantControls: { operator: "OR", builtInControls: [ "mfa" ] } } ] }
        """
    }

    var server: MockEntraServer!
    var client: HTTPClient!
    var file: URL!

    override func setUpWithError() throws {
        file = FileManager.default.temporaryDirectory.appendingPathComponent("two-tenants-\(UUID().uuidString).json")
        try "{ tenants: [ \(Self.tenant(Self.tenantA, "a")), \(Self.tenant(Self.tenantB, "b")) ] }".write(to: file, atomically: true, encoding: .utf8)
        var options = MockEntraOptions()
        options.ports = [0]
        server = try MockEntraServer.start(scenarioFile: file.path, options: options)
        client = try HTTPClient.tls(server.port)
    }

    override func tearDown() {
        client?.close()
        server?.stop()
        try? FileManager.default.removeItem(at: file)
    }

    func appId(_ tenant: String, _ letter: String) -> String {
        server.scenario.directory.tenants.first { $0.id == tenant }!.applications.first { $0.displayName == "App \(letter)" }!.appId
    }

    func testADeviceLoginStepOfAnotherTenantApprovesNothing() throws {
        func userCode(_ tenant: String, _ letter: String) throws -> String {
            let started = try client.postForm("/\(tenant)/oauth2/v2.0/devicecode", [("client_id", appId(tenant, letter)), ("scope", "api://\(letter)/x")])
            return try XCTUnwrap(started.object()["user_code"]?.stringValue)
        }
        let codeA = try userCode(Self.tenantA, "a")
        let mfaPage = try client.postForm("/devicelogin", [("otc", codeA), ("login", "mallory@a.test"), ("passwd", "p"), ("action", "approve")])
        XCTAssertTrue(mfaPage.text.contains("Enter code"), mfaPage.text)
        let crossed = try client.postForm("/devicelogin", [("otc", try userCode(Self.tenantB, "b")), ("mfa_step", try mfaPage.hiddenField("mfa_step")),
                                                          ("otc_code", try mfaPage.attribute(after: "<code id=\"one-time-code\">", endingAt: "<")),
                                                          ("action", "verify")])
        XCTAssertFalse(crossed.text.contains("id=\"approved\""), crossed.text)
    }

    func testAStepOfAnotherTenantIssuesNothing() throws {
        func signInPage(_ tenant: String, _ letter: String) throws -> HTTPClientResponse {
            let query = formBody([("client_id", appId(tenant, letter)), ("response_type", "code"), ("redirect_uri", "http://localhost"),
                                  ("scope", "api://\(letter)/x")])
            return try client.get("/\(tenant)/oauth2/v2.0/authorize?" + String(decoding: query, as: UTF8.self))
        }
        // Mallory signs in at tenant A and is asked for a code.
        let pageA = try signInPage(Self.tenantA, "a")
        let codePage = try client.postForm("/\(Self.tenantA)/login", [("ctx", try pageA.hiddenField("ctx")), ("login", "mallory@a.test"),
                                                                       ("passwd", "p"), ("action", "signin")])
        let code = try codePage.attribute(after: "<code id=\"one-time-code\">", endingAt: "<")
        // The step and code posted with tenant B's sign-in context.
        let pageB = try signInPage(Self.tenantB, "b")
        let crossed = try client.postForm("/\(Self.tenantB)/login", [
            ("ctx", try pageB.hiddenField("ctx")), ("method", try codePage.hiddenField("method")),
            ("mfa_step", try codePage.hiddenField("mfa_step")), ("otc_code", code), ("action", "verify")])
        XCTAssertEqual(crossed.status, 200, "a page, not a redirect with a code")
        XCTAssertNil(crossed.headers["Location"])
    }
}
