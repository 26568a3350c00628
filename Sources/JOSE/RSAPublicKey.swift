import COpenSSL

/// An RSA public key for verifying RS256 and PS256 signatures.
///
/// Wraps one `EVP_PKEY` that is never mutated after init, so one instance may verify from many
/// threads at once (each call borrows a verification context no other thread holds meanwhile,
/// see PKeyContextPool). Freed in deinit.
public final class RSAPublicKey: @unchecked Sendable {
    let pkey: OpaquePointer
    /// Big-endian, no leading zero byte (the JWK `n` form).
    public let modulus: [UInt8]
    /// Big-endian, no leading zero byte (the JWK `e` form; usually 01 00 01).
    public let exponent: [UInt8]
    public let bitCount: Int
    private let rs256Contexts: PKeyContextPool
    private let ps256Contexts: PKeyContextPool

    /// Takes ownership of `pkey` (freed here on failure). Checks the key is RSA and of a sane size.
    init(adopting pkey: OpaquePointer) throws(JOSEError) {
        let components: (modulus: [UInt8], exponent: [UInt8])
        do throws(JOSEError) {
            components = try Self.components(of: pkey)
            try Self.validate(modulus: components.modulus, exponent: components.exponent)
        } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
        self.pkey = pkey
        self.modulus = components.modulus
        self.exponent = components.exponent
        self.bitCount = Int(EVP_PKEY_get_bits(pkey))
        // Verification contexts set up once per algorithm (see PKeyContextPool: ≈ 2.5 µs per verification).
        self.rs256Contexts = PKeyContextPool(pkey: pkey, operation: .verify, algorithm: .rs256)
        self.ps256Contexts = PKeyContextPool(pkey: pkey, operation: .verify, algorithm: .ps256)
    }

    /// Modulus and exponent of an RSA `EVP_PKEY` (public or private); `.notRSA` for other key types.
    static func components(of pkey: OpaquePointer) throws(JOSEError) -> (modulus: [UInt8], exponent: [UInt8]) {
        guard EVP_PKEY_is_a(pkey, "RSA") == 1 else { throw .notRSA }
        guard let n = OpenSSLSupport.bigNumberParameter(pkey, mockentra_param_rsa_n()),
              let e = OpenSSLSupport.bigNumberParameter(pkey, mockentra_param_rsa_e()) else {
            throw JOSEError.fromOpenSSL("reading the RSA modulus and exponent")
        }
        return (n, e)
    }

    deinit { EVP_PKEY_free(pkey) }

    /// A SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----").
    public convenience init(pem: String) throws(JOSEError) {
        let pkey: OpaquePointer = try OpenSSLSupport.withMemoryBIO(Array(pem.utf8)) { bio throws(JOSEError) in
            guard let key = PEM_read_bio_PUBKEY(bio, nil, { _, _, _, _ in -1 }, nil) else {
                ERR_clear_error()
                throw .invalidPEM("a PUBLIC KEY block (SubjectPublicKeyInfo)")
            }
            return key
        }
        try self.init(adopting: pkey)
    }

    /// A SubjectPublicKeyInfo in DER (as found inside certificates).
    convenience init(subjectPublicKeyInfo der: [UInt8]) throws(JOSEError) {
        let key: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let key else {
            ERR_clear_error()
            throw .invalidDER("SubjectPublicKeyInfo")
        }
        try self.init(adopting: key)
    }

    /// Builds a key from its big-endian modulus and exponent (a JWK's `n` and `e`).
    /// Leading zero bytes are ignored.
    public convenience init(modulus: [UInt8], exponent: [UInt8]) throws(JOSEError) {
        let n = Array(modulus.drop { $0 == 0 })
        let e = Array(exponent.drop { $0 == 0 })
        // Validate before OpenSSL sees the numbers: a hostile JWK must cost nothing.
        try Self.validate(modulus: n, exponent: e)
        try self.init(adopting: try Self.buildKey(modulus: n, exponent: e))
    }

    private static func buildKey(modulus n: [UInt8], exponent e: [UInt8]) throws(JOSEError) -> OpaquePointer {
        guard let bnN = BN_bin2bn(n, Int32(n.count), nil) else { throw JOSEError.fromOpenSSL("BN_bin2bn") }
        defer { BN_free(bnN) }
        guard let bnE = BN_bin2bn(e, Int32(e.count), nil) else { throw JOSEError.fromOpenSSL("BN_bin2bn") }
        defer { BN_free(bnE) }
        guard let builder = OSSL_PARAM_BLD_new() else { throw JOSEError.fromOpenSSL("OSSL_PARAM_BLD_new") }
        defer { OSSL_PARAM_BLD_free(builder) }
        // The parameter names must be static C strings: the builder keeps the pointers (swift-openssl.md).
        guard OSSL_PARAM_BLD_push_BN(builder, mockentra_param_rsa_n(), bnN) == 1,
              OSSL_PARAM_BLD_push_BN(builder, mockentra_param_rsa_e(), bnE) == 1,
              let params = OSSL_PARAM_BLD_to_param(builder) else {
            throw JOSEError.fromOpenSSL("building RSA parameters")
        }
        defer { OSSL_PARAM_free(params) }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else {
            throw JOSEError.fromOpenSSL("EVP_PKEY_CTX_new_from_name")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_fromdata_init(context) == 1,
              EVP_PKEY_fromdata(context, &pkey, mockentra_EVP_PKEY_PUBLIC_KEY, params) == 1,
              let pkey else {
            throw JOSEError.fromOpenSSL("EVP_PKEY_fromdata")
        }
        return pkey
    }

    /// Refuses keys no honest party uses: tiny or huge moduli, even moduli, and exponents that
    /// make forgery trivial (e = 1) or are absurdly large.
    static func validate(modulus n: [UInt8], exponent e: [UInt8]) throws(JOSEError) {
        guard let first = n.first, let last = n.last else { throw .invalidKeyParameters("empty modulus") }
        let bits = n.count * 8 - first.leadingZeroBitCount
        guard bits >= RSAKeyLimits.minimumBits else { throw .keyTooSmall(bits: bits) }
        guard bits <= RSAKeyLimits.maximumBits else { throw .keyTooLarge(bits: bits) }
        guard last & 1 == 1 else { throw .invalidKeyParameters("even modulus") }
        guard let lastE = e.last else { throw .invalidKeyParameters("empty exponent") }
        guard e.count <= 8 else { throw .invalidKeyParameters("exponent longer than 64 bits") }
        guard lastE & 1 == 1, e != [1] else { throw .invalidKeyParameters("exponent must be odd and greater than 1") }
    }

    /// Verifies `signature` over `message`. Returns false for any failure, never throws:
    /// a caller only needs to know whether the signature holds.
    ///
    /// PS256 uses MGF1-SHA-256 and requires a salt of exactly 32 bytes (the digest length), as
    /// RFC 7518 §3.5 specifies and as MSAL and azure-identity produce.
    public func verify(signature: [UInt8], message: some Collection<UInt8>, algorithm: JWSAlgorithm) -> Bool {
        // A signature is always exactly as long as the modulus; anything else is refused cheaply.
        guard signature.count == (bitCount + 7) / 8 else { return false }
        if let result = message.withContiguousStorageIfAvailable({ verify(signature: signature, buffer: $0, algorithm: algorithm) }) {
            return result
        }
        return Array(message).withUnsafeBufferPointer { verify(signature: signature, buffer: $0, algorithm: algorithm) }
    }

    private func verify(signature: [UInt8], buffer: UnsafeBufferPointer<UInt8>, algorithm: JWSAlgorithm) -> Bool {
        let digest = Digest.sha256(buffer)
        let pool = algorithm == .rs256 ? rs256Contexts : ps256Contexts
        let verified: Bool? = pool.withContext { context in
            EVP_PKEY_verify(context, signature, signature.count, digest, digest.count) == 1 ? true : nil
        }
        // A failed verification leaves entries on this thread's error queue; drop them so they
        // never show up in an unrelated error message later. The pool does not reuse that context.
        if verified == nil { ERR_clear_error() }
        return verified ?? false
    }
}

/// Padding settings shared by signing and verification.
enum RSAPadding {
    static func configure(_ pkeyContext: OpaquePointer?, for algorithm: JWSAlgorithm) -> Bool {
        switch algorithm {
        case .rs256:
            return EVP_PKEY_CTX_set_rsa_padding(pkeyContext, RSA_PKCS1_PADDING) == 1
        case .ps256:
            // MGF1 defaults to the signature digest (SHA-256); salt length = digest length.
            return EVP_PKEY_CTX_set_rsa_padding(pkeyContext, RSA_PKCS1_PSS_PADDING) == 1
                && EVP_PKEY_CTX_set_rsa_pss_saltlen(pkeyContext, RSA_PSS_SALTLEN_DIGEST) == 1
        }
    }
}
