import Foundation
import XCTest
import EntraDirectory
import JOSE
@testable import TokenService

/// `private_key_jwt`: what real MSAL libraries send is accepted, everything else is Entra's error.
final class ClientAssertionTests: XCTestCase {
    var fixture: Fixture!

    override func setUpWithError() throws {
        fixture = try Fixture()
    }

    private func assertAccepted(_ assertion: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let tokens = try fixture.issue(Form.assertion(assertion), file: file, line: line)
        let payload = try JWT.decode(tokens.accessToken).payload
        XCTAssertEqual(payload["azpacr"]?.stringValue, "2", file: file, line: line)
        XCTAssertEqual(payload["azp"]?.stringValue, IDs.daemon, file: file, line: line)
        XCTAssertEqual(fixture.log.records().last?.client?.authenticationMethod, .privateKeyJWT, file: file, line: line)
    }

    // MARK: Accepted shapes

    func testRS256WithX5tFromJWTSigner() throws {
        try assertAccepted(try Assertion.signedBySigner(payload: Assertion.claims()))
    }

    func testPS256WithX5tS256() throws {
        let header: [String: JSONValue] = ["alg": "PS256", "typ": "JWT", "x5t#S256": .string(try Assertion.clientCertificate().x5tS256)]
        try assertAccepted(try Assertion.make(header: header, payload: Assertion.claims()))
    }

    func testPaddedThumbprintsAreAccepted() throws {
        let certificate = try Assertion.clientCertificate()
        // SHA-1: 20 bytes → 27 symbols + "="; SHA-256: 32 bytes → 43 symbols + "=".
        let sha1 = certificate.x5t + "="
        let sha256 = certificate.x5tS256 + "="
        XCTAssertEqual(sha1.count % 4, 0)
        XCTAssertEqual(sha256.count % 4, 0)
        try assertAccepted(try Assertion.make(header: ["alg": "RS256", "x5t": .string(sha1)], payload: Assertion.claims()))
        try assertAccepted(try Assertion.make(header: ["alg": "PS256", "x5t#S256": .string(sha256)], payload: Assertion.claims()))
    }

    func testFloatTimesAreAccepted() throws {
        var claims = Assertion.claims()
        let now = Date().timeIntervalSince1970
        claims["nbf"] = .number(now - 0.25)
        claims["iat"] = .number(now - 0.25)
        claims["exp"] = .number(now + 600.5)
        try assertAccepted(try Assertion.rs256(claims))
    }

    func testStringTimesAreAccepted() throws {
        var claims = Assertion.claims()
        let now = Int(Date().timeIntervalSince1970)
        claims["nbf"] = .string(String(now))
        claims["iat"] = .string(String(now))
        claims["exp"] = .string(String(now + 600))
        try assertAccepted(try Assertion.rs256(claims))
    }

    func testAudienceAsV1EndpointDomainOrArrayIsAccepted() throws {
        try assertAccepted(try Assertion.rs256(Assertion.claims(audience: "\(IDs.baseURL)/\(IDs.tenant)/oauth2/token")))
        try assertAccepted(try Assertion.rs256(Assertion.claims(audience: "\(IDs.baseURL)/contoso.test/oauth2/v2.0/token")))
        var claims = Assertion.claims()
        claims["aud"] = .array([.string(IDs.tokenAudience)])
        try assertAccepted(try Assertion.rs256(claims))
    }

    func testWithinFiveMinutesOfSkewIsAccepted() throws {
        let now = Date()
        var expired = Assertion.claims(now: now.addingTimeInterval(-840))  // exp = now - 240 s
        expired["exp"] = .number(now.timeIntervalSince1970.rounded(.down) - 240)
        try assertAccepted(try Assertion.rs256(expired))
        var early = Assertion.claims(now: now)
        early["nbf"] = .number(now.timeIntervalSince1970.rounded(.down) + 240)
        try assertAccepted(try Assertion.rs256(early))
    }

    // MARK: Key and signature

    func testRogueCertificateIsKeyNotFound700027() throws {
        let rogue = try Assertion.rogueCertificate()
        let assertion = try Assertion.make(header: ["alg": "RS256", "x5t": .string(rogue.x5t)], payload: Assertion.claims(),
                                           key: try Assertion.rogueKey())
        fixture.reject(Form.assertion(assertion), error: "invalid_client", code: 700027, status: 401,
                       messageContains: "The key was not found.")
        fixture.reject(Form.assertion(try Assertion.make(header: ["alg": "PS256", "x5t#S256": .string(rogue.x5tS256)],
                                                         payload: Assertion.claims(), key: try Assertion.rogueKey())),
                       error: "invalid_client", code: 700027, messageContains: "The key was not found.")
    }

    func testMissingThumbprintIs700027() throws {
        let assertion = try Assertion.make(header: ["alg": "RS256", "typ": "JWT"], payload: Assertion.claims())
        fixture.reject(Form.assertion(assertion), error: "invalid_client", code: 700027, messageContains: "The key was not found.")
    }

    func testRegisteredThumbprintSignedByRogueKeyIs700027() throws {
        let assertion = try Assertion.make(header: ["alg": "RS256", "x5t": .string(try Assertion.clientCertificate().x5t)],
                                           payload: Assertion.claims(), key: try Assertion.rogueKey())
        fixture.reject(Form.assertion(assertion), error: "invalid_client", code: 700027, status: 401,
                       messageContains: "did not match the expected signature value")
    }

    func testTamperedPayloadIs700027() throws {
        let good = try Assertion.rs256(Assertion.claims())
        var parts = good.split(separator: ".").map(String.init)
        var claims = Assertion.claims()
        claims["jti"] = "tampered"
        parts[1] = try Assertion.encode(claims)
        fixture.reject(Form.assertion(parts.joined(separator: ".")), error: "invalid_client", code: 700027,
                       messageContains: "did not match the expected signature value")
    }

    func testExpiredCertificateCredentialIs700027() throws {
        // The credential's endDateTime (2021) is in the past, although the certificate itself is valid.
        let assertion = try Assertion.rs256(Assertion.claims(client: IDs.expiredCertApp,
                                                             audience: IDs.tokenAudience))
        fixture.reject(Form.assertion(assertion, client: IDs.expiredCertApp), error: "invalid_client", code: 700027,
                       messageContains: "The key used is expired.")
    }

    // MARK: Claims

    func testExpiredAssertionIs700024() throws {
        var claims = Assertion.claims(now: Date().addingTimeInterval(-1200))
        claims["exp"] = .number(Date().timeIntervalSince1970.rounded(.down) - 600)
        fixture.reject(Form.assertion(try Assertion.rs256(claims)), error: "invalid_client", code: 700024, status: 401,
                       messageContains: "not within its valid time range")
    }

    func testNotYetValidAssertionIs700024() throws {
        var claims = Assertion.claims()
        claims["nbf"] = .number(Date().timeIntervalSince1970.rounded(.down) + 600)
        fixture.reject(Form.assertion(try Assertion.rs256(claims)), error: "invalid_client", code: 700024)
    }

    func testAssertionWithoutExpIs700024() throws {
        var claims = Assertion.claims()
        claims["exp"] = nil
        fixture.reject(Form.assertion(try Assertion.rs256(claims)), error: "invalid_client", code: 700024)
    }

    func testWrongAudienceIs700023() throws {
        for audience in ["https://login.microsoftonline.com/\(IDs.tenant)/oauth2/v2.0/token",
                         "\(IDs.baseURL)/11111111-2222-4333-8444-555555555555/oauth2/v2.0/token", IDs.daemon] {
            fixture.reject(Form.assertion(try Assertion.rs256(Assertion.claims(audience: audience))),
                           error: "invalid_client", code: 700023, status: 401)
        }
    }

    func testIssuerNotTheClientIs700021() throws {
        var claims = Assertion.claims()
        claims["iss"] = .string(IDs.api)
        claims["sub"] = .string(IDs.api)
        fixture.reject(Form.assertion(try Assertion.rs256(claims)), error: "invalid_client", code: 700021)
    }

    /// `sub` must equal `iss` (AADSTS50048), missing or naming someone else alike.
    func testSubjectNotTheIssuerIs50048() throws {
        var claims = Assertion.claims()
        claims["sub"] = .string(IDs.api)
        fixture.reject(Form.assertion(try Assertion.rs256(claims)), error: "invalid_client", code: 50048,
                       messageContains: "Subject must match the issuer claim in the client assertion.")
        claims["sub"] = nil
        fixture.reject(Form.assertion(try Assertion.rs256(claims)), error: "invalid_client", code: 50048)
        claims = Assertion.claims()
        claims["iss"] = .string(IDs.api)
        fixture.reject(Form.assertion(try Assertion.rs256(claims)), error: "invalid_client", code: 50048)
    }

    func testGarbageAssertionIs50027() {
        for garbage in ["abc", "a.b.c", "..", "eyJhbGciOiJSUzI1NiJ9.e30"] {
            fixture.reject(Form.assertion(garbage), error: "invalid_request", code: 50027)
        }
    }

    func testNonNumericExpIs50027() throws {
        var claims = Assertion.claims()
        claims["exp"] = "tomorrow"
        fixture.reject(Form.assertion(try Assertion.rs256(claims)), error: "invalid_request", code: 50027)
    }

    /// Dates outside years 1–9999, and strings a client would not write (hex, exponents, `inf`),
    /// are malformed. An `exp` of 1e19 once trapped the server while its 700024 text was written.
    func testOutOfRangeAndNonDecimalTimesAre50027() throws {
        let values: [JSONValue] = [.number(1e19), .number(-1e19), .number(253_402_300_800), .string("1e19"), .string("-1e19"),
                                   .string("0x6a3f0000"), .string("inf"), .string("nan"), .string("1.5e9"), .string(""),
                                   .string("-"), .string("1."), .string(".5"), .string("+1800000000")]
        for value in values {
            for claim in ["exp", "nbf"] {
                var claims = Assertion.claims()
                claims[claim] = value
                fixture.reject(Form.assertion(try Assertion.rs256(claims)), error: "invalid_request", code: 50027,
                               messageContains: "The '\(claim)' claim is not a valid number.")
            }
        }
        var claims = Assertion.claims()
        claims["exp"] = .string("-1")   // a decimal date, long past: a date, refused for its time
        fixture.reject(Form.assertion(try Assertion.rs256(claims)), error: "invalid_client", code: 700024)
    }

    func testAlgNoneIsRejected() throws {
        let x5t = JSONValue.string(try Assertion.clientCertificate().x5t)
        let unsigned = try Assertion.make(header: ["alg": "none", "x5t": x5t], payload: Assertion.claims(), signature: [])
        let stamped = fixture.reject(Form.assertion(unsigned), error: "invalid_request", code: 50027)
        XCTAssertTrue(stamped?.error.message.contains("'none'") ?? false)
        XCTAssertTrue(fixture.log.records(matching: .init(outcome: "issued")).isEmpty)
    }

    func testHS256WithThePublicKeyAsSecretIsRejected() throws {
        let certificate = try Assertion.clientCertificate()
        let header: [String: JSONValue] = ["alg": "HS256", "x5t": .string(certificate.x5t)]
        // Any signature bytes: the algorithm must be refused before any key is used.
        let forged = try Assertion.make(header: header, payload: Assertion.claims(), signature: Digest.sha256(certificate.der))
        let outcome = fixture.token(Form.assertion(forged))
        guard case .failure(let stamped) = outcome.result else { return XCTFail("HS256 assertion accepted") }
        XCTAssertEqual(stamped.error.code, 50027)
        XCTAssertTrue(fixture.log.records(matching: .init(outcome: "issued")).isEmpty)
    }

    func testUnknownAssertionTypeIsRejected() throws {
        let assertion = try Assertion.rs256(Assertion.claims())
        fixture.reject(Form.assertion(assertion, type: "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"),
                       error: "invalid_request", code: 700026)
        // No type at all: the missing parameter.
        let form = Form.assertion(assertion).filter { $0.0 != "client_assertion_type" }
        fixture.reject(form, error: "invalid_request", code: 900144, messageContains: "'client_assertion_type'")
    }

    func testAssertionForAnotherClientIdIsRejected() throws {
        // The daemon's assertion presented under the API's client id: the API has no certificate.
        let assertion = try Assertion.rs256(Assertion.claims())
        fixture.reject(Form.assertion(assertion, client: IDs.api), error: "invalid_client", code: 700027)
    }
}
