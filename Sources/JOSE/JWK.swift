/// An RSA JSON Web Key (RFC 7517) in the shape Entra publishes:
/// `{"kty":"RSA","use":"sig","kid":…,"x5t":…,"n":…,"e":…,"x5c":[…],"issuer":…}`.
public struct JWK: Codable, Sendable, Equatable {
    public var kty: String
    public var use: String?
    public var kid: String?
    public var x5t: String?
    public var n: String
    public var e: String
    public var x5c: [String]?
    public var issuer: String?
    public var cloud_instance_name: String?

    public init(kty: String = "RSA", use: String? = "sig", kid: String? = nil, x5t: String? = nil, n: String, e: String,
                x5c: [String]? = nil, issuer: String? = nil, cloud_instance_name: String? = nil) {
        self.kty = kty
        self.use = use
        self.kid = kid
        self.x5t = x5t
        self.n = n
        self.e = e
        self.x5c = x5c
        self.issuer = issuer
        self.cloud_instance_name = cloud_instance_name
    }

    /// The JWK for a signing certificate, as Entra publishes it: `kid` and `x5t` are both the
    /// certificate's SHA-1 thumbprint, `x5c` holds the certificate itself.
    public init(certificate: X509Certificate, issuer: String?) throws(JOSEError) {
        let key = try certificate.publicKey
        self.init(kid: certificate.x5t, x5t: certificate.x5t,
                  n: Base64URL.encode(key.modulus), e: Base64URL.encode(key.exponent),
                  x5c: [certificate.x5cEntry], issuer: issuer)
    }

    public func publicKey() throws(JOSEError) -> RSAPublicKey {
        guard kty == "RSA" else { throw .notRSA }
        guard let modulus = Base64URL.decode(n) else { throw .invalidJWK("\"n\" is not base64url") }
        guard let exponent = Base64URL.decode(e) else { throw .invalidJWK("\"e\" is not base64url") }
        return try RSAPublicKey(modulus: modulus, exponent: exponent)
    }
}

/// A JWK Set document (`{"keys":[…]}`), as served at a `jwks_uri`.
public struct JWKSet: Codable, Sendable, Equatable {
    public var keys: [JWK]
    public init(keys: [JWK]) { self.keys = keys }
}
