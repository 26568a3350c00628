import Foundation

/// Produces compact JWS tokens. This is the token-issuance hot path: one RSA signature should
/// dominate its cost, so the header is written by hand and the payload goes through one
/// `JSONEncoder` pass (never `JSONSerialization`).
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
        var token = Base64URL.encode(header.jsonBytes)
        token.append(".")
        token.append(Base64URL.encode(payloadJSON))
        let signature = try key.sign(Array(token.utf8), algorithm: header.alg)
        token.append(".")
        token.append(Base64URL.encode(signature))
        return token
    }
}
