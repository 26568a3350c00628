import Foundation
import JOSE

/// A token-signing key and the self-signed certificate Entra publishes for it.
public struct SigningKey: Sendable {
    public let privateKey: RSAPrivateKey
    public let certificate: X509Certificate
    /// Entra's `kid` equals `x5t`, the base64url SHA-1 thumbprint of the certificate.
    public let keyId: String

    public init(privateKey: RSAPrivateKey, certificate: X509Certificate) {
        self.privateKey = privateKey
        self.certificate = certificate
        keyId = certificate.x5t
    }
}

/// The keys this emulator signs with and publishes. Only `active` signs; every key in `published`
/// appears in the JWKS (the second is the rotation key) and can verify tokens this emulator issued.
/// A class: every grant holds it, and copying a struct of keys retained each of its fields.
public final class KeyRing: Sendable {
    public let active: SigningKey
    public let published: [SigningKey]
    let signer: JWTSigner  // the in-process benchmark times bare signatures with it
    /// The protected headers of the tokens `active` signs, encoded once: Entra's v1 tokens carry
    /// `x5t` beside `kid`, v2 tokens `kid` only.
    private let headerWithThumbprint: [UInt8]
    private let headerWithoutThumbprint: [UInt8]

    public init(active: SigningKey, rotation: [SigningKey] = []) {
        self.active = active
        self.published = [active] + rotation
        self.signer = JWTSigner(key: active.privateKey)
        headerWithThumbprint = JWSHeader(alg: .rs256, typ: "JWT", kid: active.keyId, x5t: active.keyId).encoded
        headerWithoutThumbprint = JWSHeader(alg: .rs256, typ: "JWT", kid: active.keyId).encoded
    }

    /// An RS256 token over `json` with the active key's header (with `x5t` or without).
    func signToken(json: [UInt8], withThumbprint: Bool) throws -> String {
        try signer.sign(encodedHeader: withThumbprint ? headerWithThumbprint : headerWithoutThumbprint,
                        algorithm: .rs256, payloadJSON: json)
    }

    /// Loads `signing-1` (active) and `signing-2` (rotation) PEM pairs from a folder such as `Keys/`.
    public static func load(directory: String) throws -> KeyRing {
        func key(_ name: String) throws -> SigningKey {
            let keyPEM = try String(contentsOfFile: "\(directory)/\(name).key", encoding: .utf8)
            let certificatePEM = try String(contentsOfFile: "\(directory)/\(name).pem", encoding: .utf8)
            guard let certificate = try X509Certificate.parsePEM(certificatePEM).first else {
                throw JOSEError.invalidPEM("\(directory)/\(name).pem holds no certificate")
            }
            // A test identity provider's signing keys are public (Keys/README.md): RS256 skips the
            // defenses that keep a private key secret.
            return SigningKey(privateKey: try RSAPrivateKey(pem: keyPEM, keyIsPublic: true), certificate: certificate)
        }
        return KeyRing(active: try key("signing-1"), rotation: [try key("signing-2")])
    }

    /// The published key with this `kid`, if any.
    public func key(id: String) -> SigningKey? {
        published.first { $0.keyId == id }
    }
}
