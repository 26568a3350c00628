import Foundation
import XCTest
@testable import JOSE

private struct Claims: Encodable {
    var iss = "https://login.example.test/tid/v2.0"
    var sub = "alice"
    var exp = 1_900_000_000
    var scp = "a/b c"
}

final class JWTTests: XCTestCase {
    private func signedToken(header: JWSHeader = JWSHeader(alg: .rs256, kid: "k1", x5t: "k1")) throws -> String {
        try JWTSigner(key: TestKeys.signing1()).sign(header: header, payload: Claims())
    }

    func testSignedTokenDecodesAndVerifies() throws {
        let token = try signedToken()
        let jwt = try JWT.decode(token)
        XCTAssertEqual(jwt.algorithm, "RS256")
        XCTAssertEqual(jwt.header["kid"], "k1")
        XCTAssertEqual(jwt.payload["sub"]?.stringValue, "alice")
        XCTAssertEqual(jwt.payload["exp"]?.doubleValue, 1_900_000_000)
        XCTAssertEqual(jwt.payload["scp"]?.stringValue, "a/b c")
        XCTAssertEqual(jwt.compact, token)
        XCTAssertEqual(jwt.signingInput, Array(token.utf8[..<token.utf8.lastIndex(of: UInt8(ascii: "."))!]))
        XCTAssertNoThrow(try jwt.verifySignature(with: TestKeys.signing1().publicKey, allowed: [.rs256]))
    }

    func testHeaderIsWrittenInEntraOrderAndSlashesAreNotEscaped() throws {
        let token = try signedToken()
        let parts = token.split(separator: ".")
        XCTAssertEqual(String(decoding: Base64URL.decode(parts[0])!, as: UTF8.self), #"{"typ":"JWT","alg":"RS256","x5t":"k1","kid":"k1"}"#)
        XCTAssertTrue(String(decoding: Base64URL.decode(parts[1])!, as: UTF8.self).contains(#""iss":"https://login.example.test/tid/v2.0""#))
        let minimal = JWSHeader(alg: .ps256, typ: nil, kid: "a\"b\\c\n")
        XCTAssertEqual(String(decoding: minimal.jsonBytes, as: UTF8.self), #"{"alg":"PS256","kid":"a\"b\\c\n"}"#)
        // Escaped as JSON: a standard parser reads back the same strings.
        let viaBytes = try JSONDecoder().decode([String: String].self, from: Data(minimal.jsonBytes))
        XCTAssertEqual(viaBytes, ["alg": "PS256", "kid": "a\"b\\c\n"])
    }

    func testPS256TokensVerifyOnlyWhenAllowed() throws {
        let jwt = try JWT.decode(signedToken(header: JWSHeader(alg: .ps256)))
        let key = try TestKeys.signing1().publicKey
        XCTAssertNoThrow(try jwt.verifySignature(with: key, allowed: [.ps256]))
        XCTAssertThrowsError(try jwt.verifySignature(with: key, allowed: [.rs256])) {
            XCTAssertEqual($0 as? JWTError, .unsupportedAlgorithm("PS256"))
        }
    }

    func testDecodeRejectsMalformedStructure() throws {
        let good = try signedToken()
        let parts = good.split(separator: ".").map(String.init)
        let cases: [(String, String)] = [
            ("two segments", parts[0] + "." + parts[1]),
            ("four segments", good + ".AAAA"),
            ("empty", ""),
            ("bad base64 header", "e+J." + parts[1] + "." + parts[2]),
            ("bad base64 signature", parts[0] + "." + parts[1] + ".a"),
            ("header array", TokenForge.segment("[1,2]") + "." + parts[1] + "." + parts[2]),
            ("header string", TokenForge.segment("\"RS256\"") + "." + parts[1] + "." + parts[2]),
            ("header not JSON", TokenForge.segment("{alg:RS256}") + "." + parts[1] + "." + parts[2]),
            ("payload number", parts[0] + "." + TokenForge.segment("42") + "." + parts[2]),
            ("payload not UTF-8", parts[0] + "." + Base64URL.encode([0xFF, 0xFE]) + "." + parts[2]),
            ("missing alg", TokenForge.unsigned(header: #"{"typ":"JWT"}"#) + "." + parts[2]),
            ("alg not a string", TokenForge.unsigned(header: #"{"alg":256}"#) + "." + parts[2]),
            ("huge", parts[0] + "." + String(repeating: "A", count: 70_000) + "." + parts[2]),
        ]
        for (name, token) in cases {
            XCTAssertThrowsError(try JWT.decode(token), name) { error in
                guard case .malformed = error as? JWTError else { return XCTFail("\(name): \(error)") }
            }
        }
    }

    func testRefusesAlgNoneEvenWithEmptySignature() throws {
        let jwt = try JWT.decode(TokenForge.unsigned(header: #"{"alg":"none","typ":"JWT"}"#) + ".")
        XCTAssertThrowsError(try jwt.verifySignature(with: TestKeys.signing1().publicKey, allowed: Set(JWSAlgorithm.allCases))) {
            XCTAssertEqual($0 as? JWTError, .unsupportedAlgorithm("none"))
        }
    }

    func testRefusesHS256KeyConfusionAttack() throws {
        // The classic attack: HMAC-SHA256 keyed with the server's *public* key PEM. A verifier that
        // let the token choose HMAC would accept it. We must refuse on the algorithm alone.
        let publicPEM = try OpenSSLCLI.text(["pkey", "-pubout", "-in", TestKeys.path("signing-1.key")])
        let signingInput = TokenForge.unsigned(header: #"{"alg":"HS256","typ":"JWT"}"#)
        let hmac = try OpenSSLCLI.run(["dgst", "-sha256", "-hmac", publicPEM, "-binary"], input: Array(signingInput.utf8))
        XCTAssertEqual(hmac.count, 32)
        let jwt = try JWT.decode(signingInput + "." + Base64URL.encode(hmac))
        XCTAssertThrowsError(try jwt.verifySignature(with: RSAPublicKey(pem: publicPEM), allowed: Set(JWSAlgorithm.allCases))) {
            XCTAssertEqual($0 as? JWTError, .unsupportedAlgorithm("HS256"))
        }
    }

    func testRefusesEveryNonRSAAlgorithmAndCaseVariants() throws {
        let key = try TestKeys.signing1().publicKey
        let signature = Base64URL.encode([UInt8](repeating: 1, count: 256))
        for alg in ["HS256", "HS384", "HS512", "ES256", "ES384", "EdDSA", "RS384", "RS512", "PS512", "rs256", "RS256 ", "None", ""] {
            let jwt = try JWT.decode(TokenForge.unsigned(header: #"{"alg":"\#(alg)"}"#) + "." + signature)
            XCTAssertThrowsError(try jwt.verifySignature(with: key, allowed: Set(JWSAlgorithm.allCases)), alg) {
                XCTAssertEqual($0 as? JWTError, .unsupportedAlgorithm(alg))
            }
        }
    }

    func testRefusesTamperedPayloadAndWrongKey() throws {
        let token = try signedToken()
        let parts = token.split(separator: ".").map(String.init)
        let forgedPayload = TokenForge.segment(#"{"iss":"https://login.example.test/tid/v2.0","sub":"mallory","exp":1900000000}"#)
        let tampered = try JWT.decode(parts[0] + "." + forgedPayload + "." + parts[2])
        XCTAssertThrowsError(try tampered.verifySignature(with: TestKeys.signing1().publicKey, allowed: [.rs256])) {
            XCTAssertEqual($0 as? JWTError, .invalidSignature)
        }
        let genuine = try JWT.decode(token)
        XCTAssertThrowsError(try genuine.verifySignature(with: TestKeys.signing2().publicKey, allowed: [.rs256])) {
            XCTAssertEqual($0 as? JWTError, .invalidSignature)
        }
        // Flipping one signature bit fails too.
        var signature = genuine.signature
        signature[100] ^= 0x01
        let flipped = try JWT.decode(parts[0] + "." + parts[1] + "." + Base64URL.encode(signature))
        XCTAssertThrowsError(try flipped.verifySignature(with: TestKeys.signing1().publicKey, allowed: [.rs256]))
    }

    func testRefusesEveryNonCanonicalSpellingEvenWhenSigned() throws {
        // RFC 7515 §2: segments are unpadded base64url. A padded segment, or one whose last
        // character carries non-zero spare bits, is another spelling of the same bytes; it is
        // refused even with a valid signature over exactly what was sent, so a token has one form.
        let header = TokenForge.segment(#"{"alg":"RS256"}"#)
        let payload = TokenForge.segment(#"{"ab":1}"#)
        // `{"ab":1}` is 8 bytes: 11 symbols, the last ("0") with two spare zero bits; "1" sets one.
        XCTAssertEqual(payload, "eyJhYiI6MX0")
        XCTAssertEqual(Base64URL.decode("eyJhYiI6MX1"), Base64URL.decode(payload), "the lenient decoder reads both alike")
        for variant in [payload + "=", String(payload.dropLast()) + "1"] {
            let signingInput = header + "." + variant
            let signature = try TestKeys.signing1().sign(Array(signingInput.utf8), algorithm: .rs256)
            XCTAssertThrowsError(try JWT.decode(signingInput + "." + Base64URL.encode(signature)), variant)
        }
        // The canonical spelling is accepted.
        let signingInput = header + "." + payload
        let signature = try TestKeys.signing1().sign(Array(signingInput.utf8), algorithm: .rs256)
        XCTAssertNoThrow(try JWT.decode(signingInput + "." + Base64URL.encode(signature))
            .verifySignature(with: TestKeys.signing1().publicKey, allowed: [.rs256]))
    }

    func testRefusesCriticalHeaderExtensions() throws {
        let signingInput = TokenForge.segment(#"{"alg":"RS256","crit":["b64"],"b64":false}"#) + "." + TokenForge.segment("{}")
        let signature = try TestKeys.signing1().sign(Array(signingInput.utf8), algorithm: .rs256)
        XCTAssertThrowsError(try JWT.decode(signingInput + "." + Base64URL.encode(signature)))
    }
}

/// The fuzz target's seed tokens must still verify with Keys/signing-1 (the key FuzzJWT has
/// built in): after a key regeneration they would silently stop reaching the success path.
final class FuzzSeedTests: XCTestCase {
    func testSignedSeedTokensVerifyWithTheCommittedSigningKey() throws {
        let corpus = TestKeys.directory.deletingLastPathComponent().appendingPathComponent("Fuzz/corpus/JWT")
        let key = try TestKeys.signing1().publicKey
        for (seed, algorithm) in [("rs256-valid", JWSAlgorithm.rs256), ("ps256-valid", .ps256)] {
            let text = try String(contentsOf: corpus.appendingPathComponent(seed), encoding: .utf8)
            let jwt = try JWT.decode(text.trimmingCharacters(in: .whitespacesAndNewlines))
            XCTAssertNoThrow(try jwt.verifySignature(with: key, allowed: [algorithm]),
                             "\(seed) no longer verifies: regenerate the JWT seeds and FuzzKey in Fuzz/JWT/FuzzJWT.swift")
        }
    }

    /// The key built into the fuzz target (its `n`, written in FuzzJWT.swift) is Keys/signing-1's:
    /// seeds and key drift apart silently otherwise (the fuzz target is not part of the test build).
    func testTheFuzzTargetsKeyIsTheCommittedSigningKey() throws {
        let source = TestKeys.directory.deletingLastPathComponent().appendingPathComponent("Fuzz/JWT/FuzzJWT.swift")
        let text = try String(contentsOf: source, encoding: .utf8)
        let marker = "let n = \""
        let start = try XCTUnwrap(text.range(of: marker)).upperBound
        let end = try XCTUnwrap(text[start...].firstIndex(of: "\""))
        XCTAssertEqual(String(text[start..<end]), Base64URL.encode(try TestKeys.signing1().publicKey.modulus),
                       "regenerate FuzzKey in Fuzz/JWT/FuzzJWT.swift from Keys/signing-1")
    }
}
