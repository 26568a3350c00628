import COpenSSL

/// Errors from key, certificate and signature handling. Messages name the problem in plain words.
public enum JOSEError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text holds no usable PEM block of the expected kind; the string says what was expected.
    case invalidPEM(String)
    /// DER bytes that do not parse as the expected structure.
    case invalidDER(String)
    /// The key is not an RSA key (EC, Ed25519, …).
    case notRSA
    /// RSA modulus shorter than 2048 bits (Entra refuses such keys too).
    case keyTooSmall(bits: Int)
    /// RSA modulus longer than we accept; bounds the CPU a hostile key can cost.
    case keyTooLarge(bits: Int)
    /// Modulus or exponent that cannot form a sound RSA key (empty, even, exponent 1, …).
    case invalidKeyParameters(String)
    /// A JWK field that is missing or not valid base64url.
    case invalidJWK(String)
    /// OpenSSL refused an operation; the string carries its error queue.
    case openSSL(String)

    public var description: String {
        switch self {
        case .invalidPEM(let expected): return "invalid PEM: expected \(expected)"
        case .invalidDER(let what): return "invalid DER: \(what)"
        case .notRSA: return "the key is not an RSA key"
        case .keyTooSmall(let bits): return "RSA key too small: \(bits) bits (at least \(RSAKeyLimits.minimumBits) required)"
        case .keyTooLarge(let bits): return "RSA key too large: \(bits) bits (at most \(RSAKeyLimits.maximumBits) accepted)"
        case .invalidKeyParameters(let why): return "invalid RSA key parameters: \(why)"
        case .invalidJWK(let why): return "invalid JWK: \(why)"
        case .openSSL(let message): return "OpenSSL error: \(message)"
        }
    }

    /// Drains this thread's OpenSSL error queue into one error, so a later failure does not
    /// report a stale message.
    static func fromOpenSSL(_ context: String) -> JOSEError {
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return .openSSL(messages.isEmpty ? context : "\(context): \(messages.joined(separator: "; "))")
    }
}

/// Bounds on RSA key sizes for every key we load or build.
enum RSAKeyLimits {
    static let minimumBits = 2048
    static let maximumBits = 8192
}
