import Foundation
import XCTest
import EntraDirectory
import HTTPServer
import JOSE
import MockEntra
import TokenService

/// The socket-less handler the README shows: the same routes and token service as the server.
final class InProcessHandlerTests: XCTestCase {
    private func handler() throws -> InProcessHandler {
        let service = TokenService(scenario: try ScenarioLoader.load(file: Repo.scenario("default.json")),
                                   keys: try KeyRing.load(directory: Repo.keys), log: try ExchangeLog())
        return InProcessHandler(service: service)
    }

    func testServesDiscoveryForTheHostItWasCalledOn() throws {
        let entra = try handler()
        let tenant = entra.tokenService.directory.tenants[0].id
        let response = entra.handle(HTTPRequest(method: "GET", target: "/\(tenant)/v2.0/.well-known/openid-configuration",
                                                headers: HTTPHeaders([("Host", "localhost:8443")]), isTLS: true))
        XCTAssertEqual(response.status, 200)
        let document = try JSONValue.parse(response.body)
        XCTAssertEqual(document["issuer"]?.stringValue, "https://localhost:8443/\(tenant)/v2.0")
    }

    /// The control API answers no CORS preflight, so no web page can POST JSON to it (move the
    /// clock, sign users in, revoke sessions); Entra's endpoints answer theirs.
    func testControlAPIAnswersNoPreflight() throws {
        let entra = try handler()
        for path in ["/_mockentra/signin", "/_mockentra/clock", "/_mockentra/users/alice@contoso.test/revoke-sessions"] {
            let preflight = entra.handle(HTTPRequest(method: "OPTIONS", target: path, headers: HTTPHeaders([
                ("Host", "localhost:8443"), ("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "content-type")]), isTLS: true))
            XCTAssertNil(preflight.headers["Access-Control-Allow-Origin"], path)
            XCTAssertNil(preflight.headers["Access-Control-Allow-Headers"], path)
            XCTAssertNotEqual(preflight.status / 100, 2, path)
        }
        let token = entra.handle(HTTPRequest(method: "OPTIONS", target: "/\(Default.tenant)/oauth2/v2.0/token", headers: HTTPHeaders([
            ("Host", "localhost:8443"), ("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")]), isTLS: true))
        XCTAssertEqual(token.status, 204)
    }

    func testIssuesATokenAndRecordsTheExchange() throws {
        let entra = try handler()
        let form = "client_id=\(Default.daemon)&client_secret=\(Default.daemonSecret)&grant_type=client_credentials"
            + "&scope=api%3A%2F%2Fcontoso-api%2F.default"
        let response = entra.handle(HTTPRequest(
            method: "POST", target: "/\(Default.tenant)/oauth2/v2.0/token",
            headers: HTTPHeaders([("Host", "localhost:8443"), ("Content-Type", "application/x-www-form-urlencoded")]),
            body: Array(form.utf8), isTLS: true))
        XCTAssertEqual(response.status, 200, String(decoding: response.body, as: UTF8.self))
        XCTAssertNotNil(try JSONValue.parse(response.body)["access_token"]?.stringValue)
        XCTAssertEqual(entra.tokenService.log.records().map(\.outcome), ["issued"])
    }
}
