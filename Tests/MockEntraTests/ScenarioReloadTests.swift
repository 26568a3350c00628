import Foundation
import XCTest
import EntraDirectory
import HTTPServer
import JOSE
import MockEntra

/// `POST /_mockentra/scenario/reload`: the file is read again and served from the next request
/// on; a broken file changes nothing.
final class ScenarioReloadTests: XCTestCase {
    private let appId = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    private var folder: URL!
    private var file: URL { folder.appendingPathComponent("reload.json") }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mockentra-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    private func write(secret: String, extraUser: Bool = false) throws {
        let user = extraUser ? #", { "userPrincipalName": "new@reload.test", "password": "p" }"# : ""
        try """
        { "tenant": { "defaultDomain": "reload.test" },
          "applications": [ { "displayName": "Reload Daemon", "appId": "\(appId)", "passwordCredentials": [ { "secretText": "\(secret)" } ] } ],
          "users": [ { "userPrincipalName": "ann@reload.test", "password": "p" }\(user) ] }
        """.write(to: file, atomically: true, encoding: .utf8)
    }

    private func token(_ client: HTTPClient, _ server: MockEntraServer, secret: String) throws -> HTTPClientResponse {
        try client.postForm("/\(server.tenantId)/oauth2/v2.0/token", [
            ("grant_type", "client_credentials"), ("client_id", appId), ("client_secret", secret),
            ("scope", "https://graph.microsoft.com/.default")])
    }

    func testAReloadServesTheChangedFileAndABrokenFileChangesNothing() throws {
        try write(secret: "first-secret")
        let server = try MockEntraServer.start(scenarioFile: file.path)
        defer { server.stop() }
        let client = try HTTPClient.tls(server.port)
        defer { client.close() }
        XCTAssertEqual(try token(client, server, secret: "first-secret").status, 200)

        try write(secret: "second-secret", extraUser: true)
        XCTAssertEqual(try token(client, server, secret: "second-secret").status, 401, "nothing changes before the reload")
        let reloaded = try client.postJSON("/_mockentra/scenario/reload", "{}")
        XCTAssertEqual(reloaded.status, 200, reloaded.text)
        XCTAssertEqual(reloaded.object()["tenants"], .array(["reload.test"]))
        XCTAssertEqual(reloaded.object()["users"], .number(2))
        XCTAssertEqual(try token(client, server, secret: "second-secret").status, 200)
        XCTAssertEqual(try token(client, server, secret: "first-secret").object()["error_codes"], .array([.number(7000215)]))

        try "{ \"tenant\": { } }".write(to: file, atomically: true, encoding: .utf8)
        let refused = try client.postJSON("/_mockentra/scenario/reload", "{}")
        XCTAssertEqual(refused.status, 400)
        let problems = refused.object()["problems"]?.arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertTrue(problems.contains { $0.contains("tenant.defaultDomain") && $0.contains("required property is missing") }, "\(problems)")
        XCTAssertEqual(try token(client, server, secret: "second-secret").status, 200, "the previous scenario is still served")
        XCTAssertEqual(try client.get("/_mockentra/exchanges").object()["exchanges"]?.arrayValue?.count, 5, "records are kept")
    }

    func testTokensNamingWhatTheReloadRemovedGetEntrasErrorAndTheTenantFollowsTheFile() throws {
        let desktop = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
        func scenario(domain: String, withAnn: Bool) -> String {
            """
            { "tenant": { "defaultDomain": "\(domain)" },
              "applications": [ { "displayName": "Reload Desktop", "appId": "\(desktop)", "isFallbackPublicClient": true,
                                  "publicClient": { "redirectUris": [ "http://localhost" ] } },
                                { "displayName": "Reload Daemon", "appId": "\(appId)", "passwordCredentials": [ { "secretText": "s" } ] } ],
              "users": [ \(withAnn ? #"{ "userPrincipalName": "ann@\#(domain)", "password": "p" }, "# : "")
                         { "userPrincipalName": "bob@\(domain)", "password": "p" } ],
              "oauth2PermissionGrants": [ { "client": "Reload Desktop", "resource": "Microsoft Graph", "scope": "User.Read", "consentType": "AllPrincipals" } ] }
            """
        }
        try scenario(domain: "reload.test", withAnn: true).write(to: file, atomically: true, encoding: .utf8)
        let server = try MockEntraServer.start(scenarioFile: file.path)
        defer { server.stop() }
        let client = try HTTPClient.tls(server.port)
        defer { client.close() }
        let signedIn = try client.postForm("/\(server.tenantId)/oauth2/v2.0/token", [
            ("grant_type", "password"), ("client_id", desktop), ("username", "ann@reload.test"), ("password", "p"),
            ("scope", "https://graph.microsoft.com/User.Read offline_access")])
        XCTAssertEqual(signedIn.status, 200, signedIn.text)
        let refreshToken = try XCTUnwrap(signedIn.object()["refresh_token"]?.stringValue)
        let firstTenant = server.tenantId

        try scenario(domain: "reload.test", withAnn: false).write(to: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try client.postJSON("/_mockentra/scenario/reload", "{}").status, 200)
        let refreshed = try client.postForm("/\(firstTenant)/oauth2/v2.0/token", [
            ("grant_type", "refresh_token"), ("client_id", desktop), ("refresh_token", refreshToken),
            ("scope", "https://graph.microsoft.com/User.Read")])
        XCTAssertEqual(refreshed.status, 400, "the user is gone: " + refreshed.text)
        XCTAssertEqual(refreshed.object()["error"], .string("invalid_grant"))

        try scenario(domain: "renamed.test", withAnn: false).write(to: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try client.postJSON("/_mockentra/scenario/reload", "{}").status, 200)
        XCTAssertNotEqual(server.tenantId, firstTenant, "the fixture's tenant follows the reload")
        XCTAssertEqual(try client.get("/common/userrealm/x@renamed.test").object()["account_type"], .string("Managed"),
                       "the user-realm document follows the reload")
        XCTAssertEqual(try token(client, server, secret: "s").status, 200)
        XCTAssertEqual(try client.get("/\(firstTenant)/v2.0/.well-known/openid-configuration").status, 400, "the old tenant is gone")
    }

    func testAServerStartedFromMemoryHasNothingToReload() throws {
        try write(secret: "s")
        let loaded = try ScenarioLoader.load(bytes: Array(try Data(contentsOf: file)), fileName: "memory", baseDirectory: folder.path)
        let server = try MockEntraServer.start(scenario: loaded)
        defer { server.stop() }
        let client = try HTTPClient.tls(server.port)
        defer { client.close() }
        XCTAssertEqual(try client.postJSON("/_mockentra/scenario/reload", "{}").status, 409)
    }
}
