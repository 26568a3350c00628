import Foundation
import XCTest
import HTTPServer
import JOSE
import MockEntra

/// Conditional Access over TLS on the shipped `Scenarios/conditional-access.json`: the OBO hop's
/// error body as Entra sends it (`claims` a JSON string), the headless sign-in's `"mfa": true`, the
/// OBO retry, and the evaluations in the exchange records.
final class ConditionalAccessHTTPTests: ShippedScenarioServerTestCase {
    override class var scenarioName: String { "conditional-access.json" }

    static let tenant = "7c1d3e5f-2a4b-4c6d-8e0f-1a3b5c7d9e2f"
    static let assistant = "a1b2c3d4-3333-4c3c-8c3c-0a1b2c3d4e03"
    static let webAPI = "a1b2c3d4-2222-4b2b-8b2b-0a1b2c3d4e02"
    static let redirect = "http://localhost"
    static let verifier = "ca-verifier-0123456789-0123456789-0123456789"

    var tokenPath: String { "/\(Self.tenant)/oauth2/v2.0/token" }

    /// A headless sign-in (optionally with MFA) and the Web API token it yields, or the sign-in's error.
    func signIn(_ user: String = "alice@woodgrove.test", mfa: Bool) throws -> (HTTPClientResponse, String?) {
        let scope = "api://woodgrove-web-api/access_as_user openid offline_access"
        let query = [("client_id", Self.assistant), ("response_type", "code"), ("redirect_uri", Self.redirect), ("scope", scope),
                     ("code_challenge", Base64URL.encode(Digest.sha256(Array(Self.verifier.utf8)))), ("code_challenge_method", "S256")]
        let url = "https://localhost:\(server.port)/\(Self.tenant)/oauth2/v2.0/authorize?" + String(decoding: formBody(query), as: UTF8.self)
        let signedIn = try client.postJSON("/_mockentra/signin", "{\"authorizeUrl\": \"\(url)\", \"username\": \"\(user)\", \"mfa\": \(mfa)}")
        guard signedIn.status == 200, let code = signedIn.object()["code"]?.stringValue else { return (signedIn, nil) }
        let tokens = try client.postForm(tokenPath, [
            ("grant_type", "authorization_code"), ("client_id", Self.assistant), ("code", code), ("redirect_uri", Self.redirect),
            ("code_verifier", Self.verifier), ("scope", scope)])
        XCTAssertEqual(tokens.status, 200, tokens.text)
        return (tokens, tokens.object()["access_token"]?.stringValue)
    }

    func obo(_ assertion: String) throws -> HTTPClientResponse {
        try client.postForm(tokenPath, [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("client_id", Self.webAPI),
            ("client_secret", "woodgrove-web-api-secret"), ("assertion", assertion),
            ("scope", "https://database.windows.net//.default"), ("requested_token_use", "on_behalf_of")])
    }

    func testOBOChallengeStepUpAndRetry() throws {
        let first = try XCTUnwrap(try signIn(mfa: false).1)
        let refused = try obo(first)
        XCTAssertEqual(refused.status, 400)
        let body = refused.object()
        XCTAssertEqual(body["error"]?.stringValue, "interaction_required")
        XCTAssertEqual(body["error_codes"], .array([50076]))
        XCTAssertNil(body["suberror"])
        XCTAssertEqual(body["claims"]?.stringValue,
                       #"{"access_token":{"capolids":{"essential":true,"values":["4c3f9a2e-5b1d-4e8f-9a7c-2d6e8f0a1b3c"]}}}"#)
        XCTAssertTrue(body["error_description"]?.stringValue?.hasPrefix("AADSTS50076: ") ?? false)

        let steppedUp = try XCTUnwrap(try signIn(mfa: true).1)
        let retried = try obo(steppedUp)
        XCTAssertEqual(retried.status, 200, retried.text)
        let token = try XCTUnwrap(retried.object()["access_token"]?.stringValue)
        XCTAssertEqual(try JWT.decode(token).payload["amr"], .array(["pwd", "mfa"]))

        // The records show each evaluation and the challenge.
        let records = (try client.get("/_mockentra/exchanges").object()["exchanges"]?.arrayValue ?? []).compactMap(\.objectValue)
        let oboRecords = records.filter { $0["grantType"]?.stringValue == "urn:ietf:params:oauth:grant-type:jwt-bearer" }
        XCTAssertEqual(oboRecords.count, 2)
        XCTAssertEqual(oboRecords.first?["claimsChallenge"], body["claims"])
        let evaluation = oboRecords.first?["conditionalAccess"]?.arrayValue?.first?.objectValue
        XCTAssertEqual(evaluation?["policyId"]?.stringValue, "4c3f9a2e-5b1d-4e8f-9a7c-2d6e8f0a1b3c")
        XCTAssertEqual(evaluation?["result"]?.stringValue, "failure")
        XCTAssertEqual(evaluation?["unmetControls"], .array(["mfa"]))
        XCTAssertEqual(oboRecords.last?["conditionalAccess"]?.arrayValue?.first?.objectValue?["result"]?.stringValue, "success")
    }

    /// A user without MFA enrolment cannot obtain an MFA sign-in, even headless.
    func testHeadlessMFAIsRefusedForAnUnregisteredUser() throws {
        let (response, token) = try signIn("bob@woodgrove.test", mfa: true)
        XCTAssertNil(token)
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.object()["error_codes"], .array([50079]))
    }
}
