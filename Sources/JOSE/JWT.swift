/// A decoded compact JWS (`header.payload.signature`).
///
/// `decode` checks structure only; trust comes from `verifySignature`, and claims checks
/// (issuer, audience, times) belong to the caller.
public struct JWT: Sendable {
    public let header: [String: JSONValue]
    public let payload: [String: JSONValue]
    /// ASCII bytes of "<header>.<payload>", exactly as received: what the signature covers.
    public let signingInput: [UInt8]
    public let signature: [UInt8]
    public let compact: String

    /// Larger inputs are refused before any parsing: real tokens are a few KiB, and the limit
    /// bounds the work a hostile request can cause.
    public static let maximumLength = 64 * 1024

    /// The header's `alg`, as given.
    public var algorithm: String { header["alg"]?.stringValue ?? "" }

    public static func decode(_ compact: String) throws(JWTError) -> JWT {
        guard compact.utf8.count <= maximumLength else { throw .malformed("longer than \(maximumLength) bytes") }
        // Everything below works on the token's contiguous UTF-8 (no segment arrays, no
        // element-by-element copies): this runs for every presented token.
        var text = compact
        let parts: Result<(header: [UInt8], payload: [UInt8], signature: [UInt8], signingInput: [UInt8]), JWTError> =
            text.withUTF8 { bytes in
                var dots = 0
                var firstDot = bytes.count, secondDot = bytes.count
                for index in 0..<bytes.count where bytes[index] == UInt8(ascii: ".") {
                    if dots == 0 { firstDot = index } else if dots == 1 { secondDot = index }
                    dots += 1
                }
                guard dots == 2 else {
                    return .failure(.malformed("expected 3 dot-separated segments, found \(dots + 1)"))
                }
                func segment(_ range: Range<Int>) -> [UInt8]? {
                    Base64URL.decodeCanonical(buffer: UnsafeBufferPointer(rebasing: bytes[range]))
                }
                guard let header = segment(0..<firstDot) else { return .failure(.malformed("header is not canonical base64url")) }
                guard let payload = segment((firstDot + 1)..<secondDot) else { return .failure(.malformed("payload is not canonical base64url")) }
                guard let signature = segment((secondDot + 1)..<bytes.count) else { return .failure(.malformed("signature is not canonical base64url")) }
                return .success((header, payload, signature, Array(bytes[0..<secondDot])))
            }
        let (headerBytes, payloadBytes, signature, signingInput) = try parts.get()
        let header = try jsonObject(headerBytes, part: "header")
        let payload = try jsonObject(payloadBytes, part: "payload")
        guard header["alg"]?.stringValue != nil else { throw .malformed("header has no string \"alg\"") }
        // RFC 7515 §4.1.11: extensions listed in "crit" must be understood, and none are here.
        guard header["crit"] == nil else { throw .malformed("header lists critical extensions (\"crit\") that are not supported") }
        return JWT(
            header: header,
            payload: payload,
            signingInput: signingInput,
            signature: signature,
            compact: compact
        )
    }

    /// Checks the signature with `key`, refusing first — before the key is touched — any `alg`
    /// outside `allowed`. `none`, `HS*`, `ES*` and `EdDSA` can never be allowed: accepting HMAC
    /// here would let anyone sign with the (public) RSA key as the secret.
    public func verifySignature(with key: RSAPublicKey, allowed: Set<JWSAlgorithm>) throws(JWTError) {
        guard let algorithm = JWSAlgorithm(rawValue: self.algorithm), allowed.contains(algorithm) else {
            throw .unsupportedAlgorithm(self.algorithm)
        }
        guard key.verify(signature: signature, message: signingInput, algorithm: algorithm) else {
            throw .invalidSignature
        }
    }

    /// Strict parsing: duplicate member names are refused (RFC 7515 §5.2), so no two readers
    /// of one token can disagree about its `alg` or claims.
    private static func jsonObject(_ bytes: [UInt8], part: String) throws(JWTError) -> [String: JSONValue] {
        let value: JSONValue
        do { value = try JSONValue.parseStrict(bytes) } catch { throw .malformed("\(part): \(error)") }
        guard let object = value.objectValue else { throw .malformed("\(part) is not a JSON object") }
        return object
    }
}
