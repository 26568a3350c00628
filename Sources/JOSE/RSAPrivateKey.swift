import COpenSSL

/// An RSA private key that signs RS256 and PS256.
///
/// The `EVP_PKEY` is never mutated after init and every `sign` call borrows a signing context no
/// other thread holds meanwhile (PKeyContextPool), so one instance can sign from many threads at
/// once (swift-openssl.md: OpenSSL allows this). An unblinded RS256 key (`signsWithoutBlinding`)
/// is shared by all threads: `RSA_sign` only reads it (its Montgomery caches fill under a lock).
public final class RSAPrivateKey: @unchecked Sendable {
    private let pkey: OpaquePointer
    public let publicKey: RSAPublicKey
    private let signatureLength: Int

    /// PKCS#8 ("PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY") PEM. Encrypted keys, non-RSA keys
    /// and keys under 2048 bits are refused.
    ///
    /// `signsWithoutBlinding`: sign RS256 without RSA blinding, the countermeasure that hides a
    /// private key from timing measurements. Only for a key that is public anyway (a test
    /// identity provider's committed keys), where it protects nothing and costs ~5% per signature.
    public init(pem: String, signsWithoutBlinding: Bool = false) throws(JOSEError) {
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
        var unblinded: OpaquePointer?
        if signsWithoutBlinding {
            guard let legacy = mockentra_rsa_unblinded(key) else {
                EVP_PKEY_free(key)
                throw JOSEError.fromOpenSSL("EVP_PKEY_get1_RSA")
            }
            unblinded = legacy
        }
        self.pkey = key
        self.unblindedRS256Key = unblinded
        self.signatureLength = Int(EVP_PKEY_get_size(key))
        // Each context holds its own reference to the key, so freeing order does not matter.
        self.rs256Contexts = PKeyContextPool(pkey: key, operation: .sign, algorithm: .rs256)
        self.ps256Contexts = PKeyContextPool(pkey: key, operation: .sign, algorithm: .ps256)
    }

    deinit {
        if let unblindedRS256Key { mockentra_rsa_free(unblindedRS256Key) }
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

    /// With `signsWithoutBlinding`, RS256 signs with the key's legacy RSA copy, blinding off.
    /// `RSA_sign` keeps no per-call state in the key, so threads share it.
    private let unblindedRS256Key: OpaquePointer?
    /// Otherwise, and for PS256: signing contexts set up once (see PKeyContextPool: ≈ 3 µs per
    /// signature), blinded as OpenSSL's default.
    private let rs256Contexts: PKeyContextPool
    private let ps256Contexts: PKeyContextPool

    private func sign(buffer: UnsafeBufferPointer<UInt8>, algorithm: JWSAlgorithm) -> Result<[UInt8], JOSEError> {
        let digest = Digest.sha256(buffer)
        if algorithm == .rs256, let unblindedRS256Key { return signUnblindedRS256(digest: digest, key: unblindedRS256Key) }
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

    private func signUnblindedRS256(digest: [UInt8], key: OpaquePointer) -> Result<[UInt8], JOSEError> {
        var signature = [UInt8](repeating: 0, count: signatureLength)
        var length: UInt32 = 0
        let ok = signature.withUnsafeMutableBufferPointer { output in
            mockentra_rsa_sign_sha256(key, digest, output.baseAddress, &length)
        } == 1
        guard ok, Int(length) == signatureLength else { return .failure(JOSEError.fromOpenSSL("RSA_sign")) }
        return .success(signature)
    }
}
