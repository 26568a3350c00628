import Foundation
import JOSE
import TokenService

/// The JWKS Entra serves: every published signing key, `kid` = `x5t`, with `x5c`, and the
/// `cloud_instance_name` real documents carry. The keys are converted once; only the issuer
/// (which depends on host and tenant) is filled in per request.
enum KeySetDocument {
    static func publishedKeys(_ ring: KeyRing) -> [JWK] {
        ring.published.compactMap { signingKey in
            guard var key = try? JWK(certificate: signingKey.certificate, issuer: nil) else { return nil }
            key.cloud_instance_name = "microsoftonline.com"
            return key
        }
    }

    static func keySet(_ keys: [JWK], issuer: String?) -> JWKSet {
        JWKSet(keys: keys.map { key in
            var key = key
            key.issuer = issuer
            return key
        })
    }
}
