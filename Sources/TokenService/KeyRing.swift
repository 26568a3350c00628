import Foundation
import JOSE

/// A token-signing key and the self-signed certificate Entra publishes for it.
public struct SigningKey: Sendable {
    public let privateKey: RSAPrivateKey
    public let certificate: X509Certificate
    /// Entra's `kid` equals `x5t`, the base64url SHA-1 thumbprint of the certificate.
    public var keyId: String { certificate.x5t }

    public init(privateKey: RSAPrivateKey, certificate: X509Certificate) {
        self.privateKey = privateKey
        self.certificate = certificate
    }
}

/// The keys this emulator signs with and publishes. Only `active` signs; every key in `published`
/// appears in the JWKS (the second is the rotation key) and can verify tokens this emulator issued.
public struct KeyRing: Sendable {
    public let active: SigningKey
    public let published: [SigningKey]
    let signer: JWTSigner

    public init(active: SigningKey, rotation: [SigningKey] = []) {
        self.active = active
        self.published = [active] + rotation
        self.signer = JWTSigner(key: active.privateKey)
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
