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
        XCTAssertEqual(try client.get("/common/userrealm/new@reload.test").object()["account_type"], .string("Managed"),
                       "discovery documents follow the reload too")

        try "{ \"tenant\": { } }".write(to: file, atomically: true, encoding: .utf8)
        let refused = try client.postJSON("/_mockentra/scenario/reload", "{}")
        XCTAssertEqual(refused.status, 400)
        let problems = refused.object()["problems"]?.arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertTrue(problems.contains { $0.contains("tenant.defaultDomain") && $0.contains("required property is missing") }, "\(problems)")
        XCTAssertEqual(try token(client, server, secret: "second-secret").status, 200, "the previous scenario is still served")
        XCTAssertEqual(try client.get("/_mockentra/exchanges").object()["exchanges"]?.arrayValue?.count, 5, "records are kept")
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
