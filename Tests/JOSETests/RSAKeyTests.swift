import Foundation
import XCTest
@testable import JOSE
import COpenSSL

final class RSAKeyTests: XCTestCase {
    private let message = Array("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9".utf8)

    func testLoadsPKCS8AndPKCS1AndTheyAgree() throws {
        let pkcs8 = try TestKeys.text("signing-1.key")
        XCTAssertTrue(pkcs8.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let pkcs1 = try OpenSSLCLI.text(["rsa", "-traditional", "-in", TestKeys.path("signing-1.key")])
        XCTAssertTrue(pkcs1.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        let a = try RSAPrivateKey(pem: pkcs8), b = try RSAPrivateKey(pem: pkcs1)
        XCTAssertEqual(a.publicKey.modulus, b.publicKey.modulus)
        XCTAssertEqual(a.publicKey.exponent, [0x01, 0x00, 0x01])
        XCTAssertEqual(a.publicKey.bitCount, 2048)
        XCTAssertEqual(try a.sign(message, algorithm: .rs256), try b.sign(message, algorithm: .rs256))
    }

    func testRS256IsByteIdenticalToOpenSSLCommandLine() throws {
        let ours = try TestKeys.signing1().sign(message, algorithm: .rs256)
        let theirs = try OpenSSLCLI.run(["dgst", "-sha256", "-sign", TestKeys.path("signing-1.key")], input: message)
        XCTAssertEqual(ours.count, 256)
        XCTAssertEqual(ours, theirs)
    }

    func testVerifiesPS256SignatureMadeByOpenSSL() throws {
        let signature = try OpenSSLCLI.run(["dgst", "-sha256", "-sign", TestKeys.path("signing-1.key"),
                                            "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"], input: message)
        let key = try TestKeys.signing1().publicKey
        XCTAssertTrue(key.verify(signature: signature, message: message, algorithm: .ps256))
        // The same bytes are not a valid PKCS#1 v1.5 signature, and a changed message fails.
        XCTAssertFalse(key.verify(signature: signature, message: message, algorithm: .rs256))
        XCTAssertFalse(key.verify(signature: signature, message: message + [0x20], algorithm: .ps256))
    }

    func testOurPS256VerifiesWithOpenSSLCommandLine() throws {
        let signature = try TestKeys.signing1().sign(message, algorithm: .ps256)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jose-ps256-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let signatureFile = directory.appendingPathComponent("sig").path
        try Data(signature).write(to: URL(fileURLWithPath: signatureFile))
        let publicKey = directory.appendingPathComponent("pub.pem").path
        try OpenSSLCLI.run(["pkey", "-pubout", "-in", TestKeys.path("signing-1.key"), "-out", publicKey])
        let verdict = try OpenSSLCLI.text(["dgst", "-sha256", "-verify", publicKey, "-signature", signatureFile,
                                           "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"], input: message)
        XCTAssertTrue(verdict.contains("Verified OK"), verdict)
    }

    func testPS256WithAnotherSaltLengthIsRefused() throws {
        // RFC 7518 fixes the salt at the digest length; a 20-byte salt is a different scheme.
        let signature = try OpenSSLCLI.run(["dgst", "-sha256", "-sign", TestKeys.path("signing-1.key"),
                                            "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:20"], input: message)
        XCTAssertFalse(try TestKeys.signing1().publicKey.verify(signature: signature, message: message, algorithm: .ps256))
    }

    func testPublicKeyFromPEMAndFromModulusAgree() throws {
        let pem = try OpenSSLCLI.text(["pkey", "-pubout", "-in", TestKeys.path("signing-1.key")])
        let fromPEM = try RSAPublicKey(pem: pem)
        let signer = try TestKeys.signing1()
        XCTAssertEqual(fromPEM.modulus, signer.publicKey.modulus)
        let rebuilt = try RSAPublicKey(modulus: [0, 0] + fromPEM.modulus, exponent: [0] + fromPEM.exponent)
        XCTAssertEqual(rebuilt.modulus, fromPEM.modulus)
        let signature = try signer.sign(message, algorithm: .rs256)
        XCTAssertTrue(rebuilt.verify(signature: signature, message: message, algorithm: .rs256))
        XCTAssertFalse(try TestKeys.signing2().publicKey.verify(signature: signature, message: message, algorithm: .rs256))
    }

    func testRefusesSmallNonRSAEncryptedAndGarbageKeys() throws {
        let small = try OpenSSLCLI.text(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"])
        XCTAssertThrowsError(try RSAPrivateKey(pem: small)) { XCTAssertEqual($0 as? JOSEError, .keyTooSmall(bits: 1024)) }

        let ec = try OpenSSLCLI.text(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        XCTAssertThrowsError(try RSAPrivateKey(pem: ec)) { XCTAssertEqual($0 as? JOSEError, .notRSA) }

        // An encrypted key must be refused, never answered with a terminal password prompt.
        let encrypted = try OpenSSLCLI.text(["pkcs8", "-topk8", "-in", TestKeys.path("signing-1.key"), "-passout", "pass:secret"])
        XCTAssertTrue(encrypted.contains("ENCRYPTED PRIVATE KEY"))
        XCTAssertThrowsError(try RSAPrivateKey(pem: encrypted)) {
            guard case .invalidPEM = $0 as? JOSEError else { return XCTFail("\($0)") }
        }

        for garbage in ["", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", try TestKeys.text("signing-1.pem")] {
            XCTAssertThrowsError(try RSAPrivateKey(pem: garbage))
            XCTAssertThrowsError(try RSAPublicKey(pem: garbage))
        }
    }

    func testRefusesUnsoundModulusAndExponent() throws {
        let good = try TestKeys.signing1().publicKey
        XCTAssertThrowsError(try RSAPublicKey(modulus: [], exponent: [1, 0, 1]))
        XCTAssertThrowsError(try RSAPublicKey(modulus: Array(good.modulus.prefix(128)), exponent: [1, 0, 1])) {
            XCTAssertEqual($0 as? JOSEError, .keyTooSmall(bits: 1024))
        }
        XCTAssertThrowsError(try RSAPublicKey(modulus: [0xFF] + [UInt8](repeating: 0xFF, count: 1100), exponent: [1, 0, 1])) {
            XCTAssertEqual($0 as? JOSEError, .keyTooLarge(bits: 8808))
        }
        XCTAssertThrowsError(try RSAPublicKey(modulus: good.modulus.dropLast() + [0x02], exponent: [1, 0, 1]))   // even
        XCTAssertThrowsError(try RSAPublicKey(modulus: good.modulus, exponent: [1]))       // e = 1: anyone could "sign"
        XCTAssertThrowsError(try RSAPublicKey(modulus: good.modulus, exponent: [0, 0, 1])) // e = 1 with leading zeros
        XCTAssertThrowsError(try RSAPublicKey(modulus: good.modulus, exponent: [1, 0, 0])) // even
        XCTAssertThrowsError(try RSAPublicKey(modulus: good.modulus, exponent: []))
    }

    func testVerifyRejectsWrongLengthSignaturesWithoutCrashing() throws {
        let key = try TestKeys.signing1().publicKey
        for length in [0, 1, 255, 257, 1024] {
            XCTAssertFalse(key.verify(signature: [UInt8](repeating: 0xAB, count: length), message: message, algorithm: .rs256))
        }
        XCTAssertFalse(key.verify(signature: [UInt8](repeating: 0xFF, count: 256), message: message, algorithm: .ps256))
    }

    /// A published key signs RS256 by the bare CRT (no blinding, no fault check): the bytes must be
    /// OpenSSL's own (PKCS#1 v1.5 is deterministic) for every message and key shape: 1024-bit primes
    /// (the AVX-512 pair path), 1280-bit primes (its fallback), three primes (signed through EVP);
    /// and the shared key must sign correctly from many threads at once.
    func testPublicKeyRS256IsByteIdenticalToOpenSSLAndThreadSafe() throws {
        let widerPrimes = try OpenSSLCLI.text(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2560"])
        let threePrimes = try OpenSSLCLI.text(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072",
                                               "-pkeyopt", "rsa_keygen_primes:3"])
        for pem in [try TestKeys.text("signing-1.key"), try TestKeys.text("signing-2.key"), widerPrimes, threePrimes] {
            let openSSL = try RSAPrivateKey(pem: pem)
            let published = try RSAPrivateKey(pem: pem, keyIsPublic: true)
            for index in 0..<40 {
                let input = Array("message \(index) ".utf8) + [UInt8](repeating: UInt8(index), count: index * 7)
                XCTAssertEqual(try published.sign(input, algorithm: .rs256), try openSSL.sign(input, algorithm: .rs256))
            }
            XCTAssertTrue(openSSL.publicKey.verify(signature: try published.sign(message, algorithm: .ps256), message: message,
                                                   algorithm: .ps256))
        }
        let published = try RSAPrivateKey(pem: TestKeys.text("signing-1.key"), keyIsPublic: true)
        XCTAssertEqual(try OpenSSLCLI.run(["dgst", "-sha256", "-sign", TestKeys.path("signing-1.key")], input: message),
                       try published.sign(message, algorithm: .rs256))
        try assertConcurrentSigning(with: published)
    }

    func testConcurrentSigningFromEightThreadsGivesValidSignatures() throws {
        try assertConcurrentSigning(with: try TestKeys.signing1())
    }

    private func assertConcurrentSigning(with key: RSAPrivateKey) throws {
        let message = self.message
        let expected = try key.sign(message, algorithm: .rs256)
        let failures = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for round in 0..<25 {
                let input = Array("thread \(thread) round \(round)".utf8)
                do {
                    let rs = try key.sign(input, algorithm: .rs256)
                    let ps = try key.sign(input, algorithm: .ps256)
                    let same = try key.sign(message, algorithm: .rs256)
                    if !key.publicKey.verify(signature: rs, message: input, algorithm: .rs256)
                        || !key.publicKey.verify(signature: ps, message: input, algorithm: .ps256)
                        || same != expected {
                        failures.increment()
                    }
                } catch {
                    failures.increment()
                }
            }
        }
        XCTAssertEqual(failures.value, 0)
    }
}

/// A thread-safe counter for the concurrency test.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}

final class PKeyContextPoolTests: XCTestCase {
    /// Verification contexts are pooled and a failed one is dropped: forged and genuine signatures
    /// checked at once from many threads must keep their verdicts, and a failure must leave
    /// nothing on the thread's OpenSSL error queue for a later, unrelated error message.
    func testForgedAndGenuineSignaturesInterleavedAcrossThreads() throws {
        let key = try TestKeys.signing1()
        let message = Array("header.payload".utf8)
        let rs256 = try key.sign(message, algorithm: .rs256)
        let ps256 = try key.sign(message, algorithm: .ps256)
        let forged = rs256.enumerated().map { $0.offset == 7 ? $0.element ^ 0x40 : $0.element }
        let wrongVerdicts = Counter()
        let leftErrors = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for round in 0..<50 {
                let genuine = round % 2 == 0 ? rs256 : ps256
                let algorithm: JWSAlgorithm = round % 2 == 0 ? .rs256 : .ps256
                if !key.publicKey.verify(signature: genuine, message: message, algorithm: algorithm) { wrongVerdicts.increment() }
                if key.publicKey.verify(signature: forged, message: message, algorithm: .rs256) { wrongVerdicts.increment() }
                if key.publicKey.verify(signature: rs256, message: message, algorithm: .ps256) { wrongVerdicts.increment() }
                if key.publicKey.verify(signature: genuine, message: message + [UInt8(thread)], algorithm: algorithm) { wrongVerdicts.increment() }
                if ERR_peek_error() != 0 { leftErrors.increment() }
            }
        }
        XCTAssertEqual(wrongVerdicts.value, 0)
        XCTAssertEqual(leftErrors.value, 0, "a failed verification left entries on the OpenSSL error queue")
        XCTAssertTrue(key.publicKey.verify(signature: rs256, message: message, algorithm: .rs256))
    }
}
