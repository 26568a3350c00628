import COpenSSL

/// An RSA private key that signs RS256 and PS256.
///
/// The `EVP_PKEY` is never mutated after init and every `sign` call borrows a signing context no
/// other thread holds meanwhile (PKeyContextPool), so one instance can sign from many threads at
/// once (swift-openssl.md: OpenSSL allows this). A public key's RS256 material (`keyIsPublic`) is
/// read-only after init, so all threads share it too.
public final class RSAPrivateKey: @unchecked Sendable {
    private let pkey: OpaquePointer
    public let publicKey: RSAPublicKey
    private let signatureLength: Int

    /// PKCS#8 ("PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY") PEM. Encrypted keys, non-RSA keys
    /// and keys under 2048 bits are refused.
    ///
    /// `keyIsPublic`: the key is published (a test identity provider's committed keys), so RS256
    /// skips the defenses that only keep a private key secret, RSA blinding and the CRT fault
    /// check, which cost ~8% of every signature (COpenSSL's shim.h says how). PS256, and RS256 with
    /// a key of more than two primes, sign as without it.
    public init(pem: String, keyIsPublic: Bool = false) throws(JOSEError) {
        let key: OpaquePointer = try OpenSSLSupport.withMemoryBIO(Array(pem.utf8)) { bio throws(JOSEError) in
            // The password callback refuses: OpenSSL's default would prompt on the terminal.
            guard let key = PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in -1 }, nil) else {
                ERR_clear_error()
                throw .invalidPEM("an unencrypted PRIVATE KEY or RSA PRIVATE KEY block")
            }
            return key
        }
        // The public half as its own public-only key, built from n and e (also validates the size).
        do throws(JOSEError) {
            let components = try RSAPublicKey.components(of: key)
            self.publicKey = try RSAPublicKey(modulus: components.modulus, exponent: components.exponent)
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
        // nil for a multi-prime key: it signs through EVP like any other.
        self.publicRS256 = keyIsPublic ? mockentra_rs256_key_new(key) : nil
        self.pkey = key
        self.signatureLength = Int(EVP_PKEY_get_size(key))
        // Each context holds its own reference to the key, so freeing order does not matter.
        self.rs256Contexts = PKeyContextPool(pkey: key, operation: .sign, algorithm: .rs256)
        self.ps256Contexts = PKeyContextPool(pkey: key, operation: .sign, algorithm: .ps256)
    }

    deinit {
        mockentra_rs256_key_free(publicRS256)
        EVP_PKEY_free(pkey)
    }

    /// Signs `message` with SHA-256. RS256 output is deterministic and byte-identical to
    /// `openssl dgst -sha256 -sign`; PS256 uses a random 32-byte salt.
    public func sign(_ message: some Collection<UInt8>, algorithm: JWSAlgorithm) throws(JOSEError) -> [UInt8] {
        let result: Result<[UInt8], JOSEError>
        if let contiguous = message.withContiguousStorageIfAvailable({ sign(buffer: $0, algorithm: algorithm) }) {
            result = contiguous
        } else {
            result = Array(message).withUnsafeBufferPointer { sign(buffer: $0, algorithm: algorithm) }
        }
        return try result.get()
    }

    /// With `keyIsPublic` (two primes), RS256 signs with the bare CRT over these primes and exponents.
    private let publicRS256: UnsafeMutablePointer<mockentra_rs256_key>?
    /// Otherwise, and for PS256: signing contexts set up once (see PKeyContextPool: ≈ 3 µs per
    /// signature), blinded as OpenSSL's default.
    private let rs256Contexts: PKeyContextPool
    private let ps256Contexts: PKeyContextPool

    private func sign(buffer: UnsafeBufferPointer<UInt8>, algorithm: JWSAlgorithm) -> Result<[UInt8], JOSEError> {
        let digest = Digest.sha256(buffer)
        if algorithm == .rs256, let publicRS256 { return signPublicRS256(digest: digest, key: publicRS256) }
        let pool = algorithm == .rs256 ? rs256Contexts : ps256Contexts
        let signed: [UInt8]? = pool.withContext { context in
            var signature = [UInt8](repeating: 0, count: signatureLength)
            var length = signatureLength
            let ok = signature.withUnsafeMutableBufferPointer { output in
                EVP_PKEY_sign(context, output.baseAddress, &length, digest, digest.count)
            } == 1
            guard ok else { return nil }
            if length != signature.count { signature.removeSubrange(length...) }
            return signature
        }
        // fromOpenSSL drains this thread's error queue into the message.
        guard let signature = signed else { return .failure(JOSEError.fromOpenSSL("EVP_PKEY_sign")) }
        return .success(signature)
    }

    private func signPublicRS256(digest: [UInt8], key: UnsafeMutablePointer<mockentra_rs256_key>) -> Result<[UInt8], JOSEError> {
        var signature = [UInt8](repeating: 0, count: signatureLength)
        let ok = signature.withUnsafeMutableBufferPointer { output in
            mockentra_rs256_sign(key, digest, output.baseAddress)
        } == 1
        guard ok else { return .failure(JOSEError.fromOpenSSL("RSA-CRT signature")) }
        return .success(signature)
    }
}
