import XCTest
import HTTPServer
import JOSE
import EntraDirectory
import MockEntra

/// `/_mockentra/faults` over TLS: a rule makes the next token request fail with its status,
/// `Retry-After` and Entra's error JSON; the rules can be listed and removed.
final class FaultRouteTests: ShippedScenarioServerTestCase {
    private var tokenPath: String { "/\(Default.tenant)/oauth2/v2.0/token" }

    func testAnInjectedFaultIsAnsweredWithItsStatusRetryAfterAndEntraError() throws {
        let added = try client.postJSON("/_mockentra/faults", #"{"clientId": "\#(Default.daemon)", "status": 503, "retryAfter": 2}"#)
        XCTAssertEqual(added.status, 201, added.text)
        XCTAssertEqual(added.object()["id"], .number(1))

        let failed = try client.postForm(tokenPath, Forms.daemon())
        XCTAssertEqual(failed.status, 503)
        XCTAssertEqual(failed.headers["Retry-After"], "2")
        XCTAssertNotNil(failed.headers["x-ms-request-id"])
        let body = failed.object()
        XCTAssertEqual(body["error"]?.stringValue, "temporarily_unavailable")
        XCTAssertEqual(body["error_codes"], .array([.number(90006)]))
        XCTAssertTrue(body["error_description"]?.stringValue?.hasPrefix("AADSTS90006: The service is temporarily unavailable.\r\nTrace ID: ") ?? false)

        let next = try client.postForm(tokenPath, Forms.daemon())
        XCTAssertEqual(next.status, 200, "one time by default")
        XCTAssertNil(next.headers["Retry-After"])

        let records = try client.get("/_mockentra/exchanges?client_id=\(Default.daemon)").object()["exchanges"]?.arrayValue ?? []
        XCTAssertEqual(records.map { $0["outcome"]?.stringValue }, ["error", "issued"])
        XCTAssertEqual(records.first?["failure"]?["injected"], .bool(true))
    }

    func testRulesAreListedAndCleared() throws {
        XCTAssertEqual(try client.postJSON("/_mockentra/faults", #"{"grantType": "password", "times": 3, "status": 429}"#).status, 201)
        let listed = try client.get("/_mockentra/faults").object()["faults"]?.arrayValue ?? []
        XCTAssertEqual(listed.count, 1)
        XCTAssertEqual(listed.first?["rule"]?["remaining"], .number(3))
        XCTAssertEqual(listed.first?["rule"]?["grantType"], .string("password"))
        XCTAssertEqual(try client.postForm(tokenPath, Forms.daemon()).status, 200, "another grant is not affected")

        XCTAssertEqual(try client.send(method: "DELETE", path: "/_mockentra/faults").status, 204)
        XCTAssertEqual(try client.get("/_mockentra/faults").object()["faults"], .array([]))
    }

    func testABadRuleIsRefused() throws {
        for body in [#"{"status": 200}"#, #"{"times": 0}"#, #"{"retryAfter": 99999}"#, #"{"status": "503"}"#, "[]", #"{"error": "a b"}"#,
                     #"{"client_id": "x"}"#, #"{"grantType": "device_code"}"#] {
            let response = try client.postJSON("/_mockentra/faults", body)
            XCTAssertEqual(response.status, 400, body)
            XCTAssertNotNil(response.object()["error"]?.stringValue, body)
        }
        XCTAssertEqual(try client.get("/_mockentra/faults").object()["faults"], .array([]))
        let misspelt = try client.postJSON("/_mockentra/faults", #"{"client_id": "x"}"#)
        XCTAssertEqual(misspelt.object()["error"]?.stringValue, "$: unknown property 'client_id' (did you mean 'clientId'?)", misspelt.text)
    }
}

/// A scenario's `faults` are in force from the served emulator's first request.
final class ScenarioFaultTests: XCTestCase {
    func testAServerStartsWithItsScenariosFaults() throws {
        let scenario = try Repo.defaultScenario(
            adding: #""faults": [ { "clientId": "\#(Default.daemon)", "status": 429, "retryAfter": 1 } ]"#, fileName: "faults.json")
        let server = try MockEntraServer.start(scenario: scenario)
        defer { server.stop() }
        let client = try HTTPClient.tls(server.port)
        defer { client.close() }
        let first = try client.postForm("/\(Default.tenant)/oauth2/v2.0/token", Forms.daemon())
        XCTAssertEqual(first.status, 429)
        XCTAssertEqual(first.headers["Retry-After"], "1")
        XCTAssertEqual(try client.postForm("/\(Default.tenant)/oauth2/v2.0/token", Forms.daemon()).status, 200)
    }
}
