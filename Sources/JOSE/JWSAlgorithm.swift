/// The JWS algorithms MockEntra signs and verifies. Everything else (`none`, HMAC, EC, EdDSA)
/// is refused by design: Entra only issues and accepts RSA signatures.
public enum JWSAlgorithm: String, Sendable, CaseIterable {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    case rs256 = "RS256"
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (RFC 7518 §3.5).
    case ps256 = "PS256"
}
