import Foundation
import XCTest
import HTTPServer
import JOSE
import MockEntra
import TokenService

/// Continuous access evaluation over TLS: `claims` with cp1 on the token endpoint, then
/// `POST /_mockentra/cae/evaluate` before and after `revoke-sessions`.
final class ContinuousAccessHTTPTests: ShippedScenarioServerTestCase {
    static let cp1 = #"{"access_token":{"xms_cc":{"values":["CP1"]}}}"#
    static let desktop = "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"
    let tokenPath = "/\(Default.tenant)/oauth2/v2.0/token"

    func ropc(claims: String? = cp1) throws -> [String: JSONValue] {
        var form = [("grant_type", "password"), ("client_id", Self.desktop), ("username", "alice@contoso.test"),
                    ("password", "alice-password"), ("scope", "api://contoso-api/access_as_user offline_access")]
        if let claims { form.append(("claims", claims)) }
        let response = try client.postForm(tokenPath, form)
        XCTAssertEqual(response.status, 200, response.text)
        return response.object()
    }

    func evaluate(_ token: String) throws -> HTTPClientResponse {
        try client.postJSON("/_mockentra/cae/evaluate", #"{"accessToken":"\#(token)"}"#)
    }

    func testDaemonWithCP1GetsADayLongTokenWithXmsCC() throws {
        let response = try client.postForm(tokenPath, Forms.daemon() + [("claims", Self.cp1)])
        let body = response.object()
        XCTAssertEqual(body["expires_in"], .number(86399))
        XCTAssertEqual(body["ext_expires_in"], .number(86399))
        let jwt = try JWT.decode(try XCTUnwrap(body["access_token"]?.stringValue))
        XCTAssertEqual(jwt.payload["xms_cc"], .array(["CP1"]))
        let record = try XCTUnwrap(client.get("/_mockentra/exchanges").object()["exchanges"]?.arrayValue?.last)
        XCTAssertEqual(record["clientCapabilities"], .array(["CP1"]))
    }

    func testRevocationTurnsTheCheckIntoAnInsufficientClaimsChallenge() throws {
        let tokens = try ropc()
        let token = try XCTUnwrap(tokens["access_token"]?.stringValue)
        let expiresIn = try XCTUnwrap(tokens["expires_in"]?.doubleValue)
        XCTAssertTrue((72_000...100_799).contains(Int(expiresIn)), "\(expiresIn)")

        let before = try evaluate(token)
        XCTAssertEqual(before.status, 200, before.text)
        XCTAssertEqual(before.object()["valid"], .bool(true))
        XCTAssertEqual(before.object()["clientIsCAECapable"], .bool(true))

        Thread.sleep(forTimeInterval: 0.01)
        XCTAssertEqual(try client.postJSON("/_mockentra/users/alice@contoso.test/revoke-sessions", "{}").status, 200)
        let after = try evaluate(token)
        XCTAssertEqual(after.status, 200, after.text)
        let verdict = after.object()
        XCTAssertEqual(verdict["valid"], .bool(false))
        XCTAssertEqual(verdict["reason"], .string("sessionsRevoked"))
        let claims = try XCTUnwrap(verdict["claims"]?.stringValue)
        let nbf = try XCTUnwrap(JSONValue.parse(Array(claims.utf8))["access_token"]?["nbf"])
        XCTAssertEqual(nbf["essential"], .bool(true))
        let header = try XCTUnwrap(verdict["wwwAuthenticate"]?.stringValue)
        XCTAssertEqual(header, #"Bearer realm="", authorization_uri="\#(base)/common/oauth2/authorize", error="insufficient_claims", claims="\#(Data(claims.utf8).base64EncodedString())""#)

        // msal would now redeem its refresh token with the challenge: refused, the user must sign in again.
        let refresh = try client.postForm(tokenPath, [("grant_type", "refresh_token"), ("client_id", Self.desktop),
                                                      ("refresh_token", try XCTUnwrap(tokens["refresh_token"]?.stringValue)),
                                                      ("claims", claims)])
        XCTAssertEqual(refresh.status, 400)
        XCTAssertEqual(refresh.object()["error_codes"], .array([50173]))
        // A new sign-in gives a token the check accepts.
        Thread.sleep(forTimeInterval: 0.01)
        XCTAssertEqual(try evaluate(try XCTUnwrap(ropc()["access_token"]?.stringValue)).object()["valid"], .bool(true))
    }

    func testTheCheckAnswersOnlyForCurrentTokensOfThisServer() throws {
        let token = try XCTUnwrap(try ropc(claims: nil)["access_token"]?.stringValue)
        let parts = token.split(separator: ".")
        let forged = "\(parts[0]).\(parts[1]).\(String(parts[2].reversed()))"
        let refused = try evaluate(forged)
        XCTAssertEqual(refused.status, 400)
        XCTAssertNil(refused.object()["valid"])
        XCTAssertEqual(try client.postJSON("/_mockentra/cae/evaluate", #"{"token":"x"}"#).status, 400)
        XCTAssertEqual(try client.postJSON("/_mockentra/cae/evaluate", "[[[[").status, 400)
        let plain = try client.send(method: "POST", path: "/_mockentra/cae/evaluate", headers: [("Content-Type", "text/plain")],
                                    body: Array(#"{"accessToken":"\#(token)"}"#.utf8))
        XCTAssertEqual(plain.status, 415)
        // A client without capabilities is still reported, and says so.
        let verdict = try evaluate(token).object()
        XCTAssertEqual(verdict["valid"], .bool(true))
        XCTAssertEqual(verdict["clientIsCAECapable"], .bool(false))
    }

    /// Microsoft's documented CAE challenge, byte for byte (its base64 is the documented one), and
    /// Graph's `client_id`.
    func testChallengeHeaderIsEntrasDocumentedForm() {
        let claims = ClaimsChallenge.notBeforeClaims(Date(timeIntervalSince1970: 1604106651.7))
        XCTAssertEqual(ClaimsChallenge.wwwAuthenticate(claims: claims, baseURL: "https://localhost:8443"),
                       #"Bearer realm="", authorization_uri="https://localhost:8443/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0=""#)
        XCTAssertTrue(ClaimsChallenge.wwwAuthenticate(claims: "{}", baseURL: "https://h", clientId: "00000003-0000-0000-c000-000000000000")
            .hasSuffix(#", client_id="00000003-0000-0000-c000-000000000000""#))
    }
}
