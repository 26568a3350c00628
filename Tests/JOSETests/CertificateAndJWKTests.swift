import Foundation
import XCTest
@testable import JOSE

final class CertificateAndJWKTests: XCTestCase {
    private func signingCertificate() throws -> X509Certificate {
        let certificates = try X509Certificate.parsePEM(TestKeys.text("signing-1.pem"))
        XCTAssertEqual(certificates.count, 1)
        return certificates[0]
    }

    /// "SHA1 Fingerprint=AB:CD:…" → bytes.
    private func fingerprint(_ digest: String, of file: String) throws -> [UInt8] {
        let line = try OpenSSLCLI.text(["x509", "-in", TestKeys.path(file), "-noout", "-fingerprint", "-\(digest)"])
        let hex = line.split(separator: "=").last!.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":")
        return hex.map { UInt8($0, radix: 16)! }
    }

    func testThumbprintsMatchOpenSSL() throws {
        let certificate = try signingCertificate()
        let sha1 = try fingerprint("sha1", of: "signing-1.pem")
        XCTAssertEqual(certificate.sha1Thumbprint, sha1)
        XCTAssertEqual(certificate.x5t, Base64URL.encode(sha1))
        XCTAssertEqual(certificate.x5t.count, 27)
        let sha256 = try fingerprint("sha256", of: "signing-1.pem")
        XCTAssertEqual(certificate.x5tS256, Base64URL.encode(sha256))
    }

    func testDERAndX5CMatchOpenSSL() throws {
        let certificate = try signingCertificate()
        let der = try OpenSSLCLI.run(["x509", "-in", TestKeys.path("signing-1.pem"), "-outform", "DER"])
        XCTAssertEqual(certificate.der, der)
        XCTAssertEqual(certificate.x5cEntry, Data(der).base64EncodedString())
        XCTAssertEqual(try X509Certificate(der: der), certificate)
    }

    func testSubjectAndValidity() throws {
        let certificate = try signingCertificate()
        XCTAssertEqual(certificate.subjectDescription, "CN=MockEntra signing key 1")
        let years = certificate.notAfter.timeIntervalSince(certificate.notBefore) / (365.25 * 86_400)
        XCTAssertEqual(years, 20, accuracy: 0.01)
        let endDate = try OpenSSLCLI.text(["x509", "-in", TestKeys.path("signing-1.pem"), "-noout", "-enddate"])
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy zzz"
        let text = endDate.replacingOccurrences(of: "notAfter=", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        XCTAssertEqual(formatter.date(from: text), certificate.notAfter, text)
    }

    func testParsesChainInOrderAndSkipsOtherBlocks() throws {
        let chain = try X509Certificate.parsePEM(TestKeys.text("localhost.pem"))
        XCTAssertEqual(chain.count, 2)
        XCTAssertEqual(chain[0].subjectDescription, "CN=localhost")
        XCTAssertEqual(chain[1], try X509Certificate.parsePEM(TestKeys.text("ca.pem"))[0])
        let mixed = try TestKeys.text("signing-1.key") + TestKeys.text("signing-2.pem")
        XCTAssertEqual(try X509Certificate.parsePEM(mixed).map(\.subjectDescription), ["CN=MockEntra signing key 2"])
    }

    func testRefusesPEMWithoutCertificatesAndBrokenDER() throws {
        for text in ["", "hello", try TestKeys.text("signing-1.key"),
                     "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"] {
            XCTAssertThrowsError(try X509Certificate.parsePEM(text)) {
                guard case .invalidPEM = $0 as? JOSEError else { return XCTFail("\($0)") }
            }
        }
        let der = try signingCertificate().der
        XCTAssertThrowsError(try X509Certificate(der: Array(der.dropLast())))
        XCTAssertThrowsError(try X509Certificate(der: der + [0]))   // trailing garbage
        XCTAssertThrowsError(try X509Certificate(der: []))
    }

    func testCertificatePublicKeyMatchesPrivateKey() throws {
        let key = try signingCertificate().publicKey
        XCTAssertEqual(key.modulus, try TestKeys.signing1().publicKey.modulus)
    }

    func testJWKFromCertificateRoundTripsAndVerifiesTokens() throws {
        let certificate = try signingCertificate()
        let jwk = try JWK(certificate: certificate, issuer: "https://issuer.test/{tenantid}/v2.0")
        XCTAssertEqual(jwk.kty, "RSA")
        XCTAssertEqual(jwk.use, "sig")
        XCTAssertEqual(jwk.kid, certificate.x5t)
        XCTAssertEqual(jwk.x5t, certificate.x5t)
        XCTAssertEqual(jwk.e, "AQAB")
        XCTAssertEqual(Base64URL.decode(jwk.n)?.count, 256)   // no leading zero byte
        XCTAssertEqual(jwk.x5c, [certificate.x5cEntry])

        let set = JWKSet(keys: [jwk])
        let json = try JSONEncoder().encode(set)
        XCTAssertFalse(String(decoding: json, as: UTF8.self).contains("cloud_instance_name"))   // nil omitted
        let decoded = try JSONDecoder().decode(JWKSet.self, from: json)
        XCTAssertEqual(decoded, set)

        let token = try JWTSigner(key: TestKeys.signing1()).sign(header: JWSHeader(alg: .rs256, kid: jwk.kid), payload: ["sub": "bob"])
        XCTAssertNoThrow(try JWT.decode(token).verifySignature(with: decoded.keys[0].publicKey(), allowed: [.rs256]))
    }

    func testJWKRefusesNonRSAAndBadNumbers() throws {
        let jwk = try JWK(certificate: signingCertificate(), issuer: nil)
        var ec = jwk
        ec.kty = "EC"
        XCTAssertThrowsError(try ec.publicKey()) { XCTAssertEqual($0 as? JOSEError, .notRSA) }
        var badN = jwk
        badN.n = "not+base64"
        XCTAssertThrowsError(try badN.publicKey())
        var oneE = jwk
        oneE.e = "AQ"   // e = 1
        XCTAssertThrowsError(try oneE.publicKey())
    }
}
