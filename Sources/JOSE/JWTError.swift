/// Why a compact JWS was refused.
public enum JWTError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not a well-formed compact JWS; the string says what is wrong.
    case malformed(String)
    /// `alg` is not one the caller allows (always the case for `none`, HMAC, EC and EdDSA).
    case unsupportedAlgorithm(String)
    /// The signature does not verify with the given key.
    case invalidSignature

    public var description: String {
        switch self {
        case .malformed(let why): return "malformed JWT: \(why)"
        case .unsupportedAlgorithm(let alg): return "unsupported JWT signing algorithm \"\(alg)\""
        case .invalidSignature: return "JWT signature is invalid"
        }
    }
}
