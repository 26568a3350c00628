import Foundation
import XCTest
import HTTPServer
import JOSE
import MockEntra

/// Input built to break the server, over TLS: deeply nested JSON wherever the server reads JSON
/// (a `claims` request, a JWT, a control body) must be answered, never crash the process; control
/// POSTs without a JSON content type are refused. 150 levels of `claims` crashed the server before
/// server threads got a full-size stack and untrusted JSON went through the strict parser.
final class HostileInputTests: ShippedScenarioServerTestCase {
    let v2Path = "/\(Default.tenant)/oauth2/v2.0/token"

    func nested(_ depth: Int, object: Bool) -> String {
        object ? String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)
               : String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    func ropc(claims: String) -> [(String, String)] {
        [("grant_type", "password"), ("client_id", "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"), ("username", "alice@contoso.test"),
         ("password", "alice-password"), ("scope", "api://contoso-api/access_as_user"), ("claims", claims)]
    }

    func testDeeplyNestedClaimsAreAnsweredAndTheServerStaysUp() throws {
        for depth in [16, 33, 150, 511, 600, 3000] {
            for object in [true, false] {
                let claims = "{\"access_token\":{\"acrs\":" + nested(depth, object: object) + "}}"
                let response = try client.postForm(v2Path, ropc(claims: claims))
                // Unreadable claims are ignored (Entra's rejection of malformed claims is unknown).
                XCTAssertEqual(response.status, 200, "depth \(depth)")
            }
        }
        XCTAssertEqual(try client.get("/_mockentra/health").status, 200)
    }

    func testDeeplyNestedJWTPayloadIsMalformedNotACrash() throws {
        let payload = Base64URL.encode(Array(nested(400, object: true).utf8))
        let assertion = Base64URL.encode(Array(#"{"alg":"RS256","kid":"x"}"#.utf8)) + "." + payload + ".c2ln"
        let response = try client.postForm(v2Path, [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("requested_token_use", "on_behalf_of"),
            ("client_id", Default.api), ("client_secret", "contoso-api-secret"), ("assertion", assertion),
            ("scope", "https://graph.microsoft.com/User.Read")])
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.object()["error_codes"], .array([.number(50027)]))
    }

    func testDeeplyNestedControlBodyIsRefused() throws {
        for depth in [150, 511, 3000] {
            XCTAssertEqual(try client.postJSON("/_mockentra/clock", nested(depth, object: true)).status, 400, "depth \(depth)")
        }
        XCTAssertEqual(try client.get("/_mockentra/health").status, 200)
    }

    /// A clock moved beyond Int's range of seconds used to abort the process at the next token.
    func testAnOutOfRangeClockIsRefusedAndTheServerLives() throws {
        for body in [#"{"advanceSeconds": 1e300}"#, #"{"advanceSeconds": -1e300}"#, #"{"set": "9999-12-31T00:00:00Z"}"#] {
            let response = try client.postJSON("/_mockentra/clock", body)
            XCTAssertEqual(response.status, 400, body)
            XCTAssertTrue(response.object()["error"]?.stringValue?.contains("100 years") ?? false, response.text)
        }
        XCTAssertEqual(try client.get("/_mockentra/clock").object()["offsetSeconds"], .number(0))
        XCTAssertEqual(try client.get("/_mockentra/health").status, 200)
    }

    /// A query that does not parse must not read as "no filter" (every record).
    func testAMalformedExchangesQueryIsRefused() throws {
        XCTAssertEqual(try client.get("/_mockentra/exchanges?client_id=nobody%zz").status, 400)
        XCTAssertEqual(try client.get("/_mockentra/exchanges?client_id=nobody").object()["exchanges"], .array([]))
    }

    func testControlPOSTNeedsAJSONContentType() throws {
        let plain = try client.send(method: "POST", path: "/_mockentra/clock", headers: [("Content-Type", "text/plain")],
                                    body: Array(#"{"advanceSeconds": 3600}"#.utf8))
        XCTAssertEqual(plain.status, 415)
        let form = try client.send(method: "POST", path: "/_mockentra/users/alice@contoso.test/revoke-sessions",
                                   headers: [("Content-Type", "application/x-www-form-urlencoded")])
        XCTAssertEqual(form.status, 415)
        XCTAssertEqual(try client.postJSON("/_mockentra/clock", #"{"advanceSeconds": 0}"#).status, 200)
    }
}
