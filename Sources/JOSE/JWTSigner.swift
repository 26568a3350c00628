import Foundation

/// Produces compact JWS tokens. Token issuance is the hot path, where one RSA signature should
/// dominate the cost: it uses `sign(header:payloadJSON:)` with payload bytes written by
/// `JSONObjectWriter`; `sign(header:payload:)` encodes an `Encodable` with JSONEncoder, for tests
/// and other callers off that path.
public struct JWTSigner: Sendable {
    public let key: RSAPrivateKey

    public init(key: RSAPrivateKey) { self.key = key }

    /// `base64url(header) "." base64url(payload) "." base64url(signature)`, signed with `header.alg`.
    public func sign(header: JWSHeader, payload: some Encodable) throws -> String {
        // A fresh encoder per call: cheap, and nothing is shared between threads.
        let encoder = JSONEncoder()
        // Sorted keys: JSONEncoder's member order otherwise changes from process to process, and
        // tokens should be byte-stable from run to run apart from times and ids.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try sign(header: header, payloadJSON: Array(try encoder.encode(payload)))
    }

    /// Signs a payload that is already JSON (written with `JSONObjectWriter` on hot paths).
    public func sign(header: JWSHeader, payloadJSON: [UInt8]) throws -> String {
        try sign(encodedHeader: header.encoded, algorithm: header.alg, payloadJSON: payloadJSON)
    }

    /// Signs with a header already encoded (`JWSHeader.encoded`) whose `alg` is `algorithm`.
    public func sign(encodedHeader: [UInt8], algorithm: JWSAlgorithm, payloadJSON: [UInt8]) throws -> String {
        // One buffer, sized for the whole token up front: the signing input is its prefix, so
        // nothing is re-copied or re-grown between encoding, signing and appending the signature.
        var token: [UInt8] = []
        token.reserveCapacity(encodedHeader.count + (payloadJSON.count + 512) * 4 / 3 + 8)
        token.append(contentsOf: encodedHeader)
        token.append(UInt8(ascii: "."))
        Base64URL.append(payloadJSON, to: &token)
        let signature = try key.sign(token, algorithm: algorithm)
        token.append(UInt8(ascii: "."))
        Base64URL.append(signature, to: &token)
        return String(decoding: token, as: UTF8.self)
    }
}
