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
        let bytes = compact.utf8
        guard bytes.count <= maximumLength else { throw .malformed("longer than \(maximumLength) bytes") }
        // The two dots by one scan (no array of segments): this runs for every presented token.
        var dots = 0
        var firstDot = bytes.endIndex, secondDot = bytes.endIndex
        for index in bytes.indices where bytes[index] == UInt8(ascii: ".") {
            if dots == 0 { firstDot = index } else if dots == 1 { secondDot = index }
            dots += 1
        }
        guard dots == 2 else {
            throw .malformed("expected 3 dot-separated segments, found \(dots + 1)")
        }
        let headerText = compact[bytes.startIndex..<firstDot]
        let payloadText = compact[bytes.index(after: firstDot)..<secondDot]
        let signatureText = compact[bytes.index(after: secondDot)...]
        guard let headerBytes = Base64URL.decodeCanonical(headerText) else { throw .malformed("header is not canonical base64url") }
        guard let payloadBytes = Base64URL.decodeCanonical(payloadText) else { throw .malformed("payload is not canonical base64url") }
        guard let signature = Base64URL.decodeCanonical(signatureText) else { throw .malformed("signature is not canonical base64url") }
        let header = try jsonObject(headerBytes, part: "header")
        let payload = try jsonObject(payloadBytes, part: "payload")
        guard header["alg"]?.stringValue != nil else { throw .malformed("header has no string \"alg\"") }
        // RFC 7515 §4.1.11: extensions listed in "crit" must be understood, and none are here.
        guard header["crit"] == nil else { throw .malformed("header lists critical extensions (\"crit\") that are not supported") }
        return JWT(
            header: header,
            payload: payload,
            signingInput: Array(bytes[bytes.startIndex..<secondDot]),
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
