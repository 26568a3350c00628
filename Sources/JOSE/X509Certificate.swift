import COpenSSL
import Foundation

/// An X.509 certificate, kept as its DER bytes, with the facts JOSE needs read once at init.
public struct X509Certificate: Sendable, Equatable {
    public let der: [UInt8]
    public let notBefore: Date
    public let notAfter: Date
    /// One line in RFC 2253 order, e.g. "CN=MockEntra signing key 1".
    public let subjectDescription: String
    public let sha1Thumbprint: [UInt8]
    public let sha256Thumbprint: [UInt8]
    /// Built once here: building an RSA key from the certificate costs ≈ 100 µs (it is validated),
    /// and token requests verify with it on every client assertion and OBO assertion.
    private let parsedPublicKey: Result<RSAPublicKey, JOSEError>

    /// Parses a DER certificate; trailing bytes after the certificate are refused.
    public init(der: [UInt8]) throws(JOSEError) {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let certificate = d2i_X509(nil, &cursor, buffer.count) else { return nil }
            guard let cursor, let base = buffer.baseAddress, cursor - base == buffer.count else {
                X509_free(certificate)
                return nil
            }
            return certificate
        }
        guard let certificate = parsed else {
            ERR_clear_error()
            throw .invalidDER("X.509 certificate")
        }
        defer { X509_free(certificate) }
        guard let notBefore = Self.date(X509_get0_notBefore(certificate)),
              let notAfter = Self.date(X509_get0_notAfter(certificate)) else {
            throw .invalidDER("certificate validity dates")
        }
        guard let spki = OpenSSLSupport.der({ i2d_PUBKEY(X509_get0_pubkey(certificate), $0) }) else {
            ERR_clear_error()
            throw .invalidDER("certificate public key")
        }
        self.der = der
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.subjectDescription = OpenSSLSupport.text { bio in
            X509_NAME_print_ex(bio, X509_get_subject_name(certificate), 0, mockentra_XN_FLAG_RFC2253_UTF8)
        } ?? ""
        self.sha1Thumbprint = Digest.sha1(der)
        self.sha256Thumbprint = Digest.sha256(der)
        do throws(JOSEError) {
            self.parsedPublicKey = .success(try RSAPublicKey(subjectPublicKeyInfo: spki))
        } catch {
            self.parsedPublicKey = .failure(error)
        }
    }

    /// Every CERTIFICATE block of `pem`, in order (other blocks, such as keys, are skipped).
    /// Throws when there is none or when a certificate block does not parse.
    public static func parsePEM(_ pem: String) throws(JOSEError) -> [X509Certificate] {
        let ders: [[UInt8]] = try OpenSSLSupport.withMemoryBIO(Array(pem.utf8)) { bio throws(JOSEError) in
            var result: [[UInt8]] = []
            while true {
                guard let certificate = PEM_read_bio_X509(bio, nil, { _, _, _, _ in -1 }, nil) else { break }
                defer { X509_free(certificate) }
                guard let der = OpenSSLSupport.der({ i2d_X509(certificate, $0) }) else {
                    throw JOSEError.fromOpenSSL("encoding a certificate")
                }
                result.append(der)
            }
            // The loop ends with "no start line" at the end of input, or with a real parse error.
            let lastError = ERR_peek_last_error()
            ERR_clear_error()
            if ERR_GET_REASON(lastError) != PEM_R_NO_START_LINE && lastError != 0 {
                throw .invalidPEM("well-formed CERTIFICATE blocks")
            }
            return result
        }
        guard !ders.isEmpty else { throw .invalidPEM("at least one CERTIFICATE block") }
        var certificates: [X509Certificate] = []
        for der in ders { certificates.append(try X509Certificate(der: der)) }
        return certificates
    }

    /// The certificate's RSA public key (throws `.notRSA` for other key types).
    public var publicKey: RSAPublicKey {
        get throws(JOSEError) { try parsedPublicKey.get() }
    }

    /// base64url(SHA-1(DER)), unpadded: the JWS `x5t` header and Entra's `kid`.
    public var x5t: String { Base64URL.encode(sha1Thumbprint) }
    /// base64url(SHA-256(DER)), unpadded: the JWS `x5t#S256` header.
    public var x5tS256: String { Base64URL.encode(sha256Thumbprint) }
    /// Standard base64 (not base64url) of the DER, as JWK `x5c` entries require (RFC 7517 §4.7).
    public var x5cEntry: String { Data(der).base64EncodedString() }

    public static func == (lhs: X509Certificate, rhs: X509Certificate) -> Bool { lhs.der == rhs.der }

    private static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}
