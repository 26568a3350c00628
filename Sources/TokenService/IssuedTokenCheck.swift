import Foundation
import JOSE

/// What every check of a token this service issued shares (an OBO assertion, the CAE check): an
/// RS256 signature by a key we publish, and an issuer of the tenant the token names.
enum IssuedTokenCheck {
    /// Five minutes of clock skew on `exp`/`nbf` of any presented token or client assertion, the
    /// usual allowance (our choice; Entra tolerates some skew but does not document how much).
    static let allowedSkew: TimeInterval = 300

    enum SignatureFailure: Error {
        case algorithm(String)
        case unknownKey(keyId: String)
        case mismatch(keyId: String)
    }

    /// Throws unless the RS256 signature verifies with the published key the token names (`kid`, else `x5t`).
    static func verifySignature(_ jwt: JWT, keys: KeyRing) throws(SignatureFailure) {
        guard jwt.algorithm == JWSAlgorithm.rs256.rawValue else { throw .algorithm(jwt.algorithm) }
        let keyId = jwt.header["kid"]?.stringValue ?? jwt.header["x5t"]?.stringValue ?? ""
        guard let key = keys.key(id: keyId) else { throw .unknownKey(keyId: keyId) }
        do {
            try jwt.verifySignature(with: key.certificate.publicKey, allowed: [.rs256])
        } catch {
            throw .mismatch(keyId: keyId)
        }
    }

    /// An app-only token: `idtyp: app` when the resource asked for it, else what always holds for
    /// one (no `scp`, and the subject is the service principal itself: `oid` = `sub`, where user
    /// and ID tokens carry a pairwise `sub`).
    static func isAppToken(_ claims: [String: JSONValue]) -> Bool {
        if claims["idtyp"]?.stringValue == "app" { return true }
        guard claims["scp"] == nil, let oid = claims["oid"]?.stringValue else { return false }
        return claims["sub"]?.stringValue == oid
    }

    /// v1 `https://sts.windows.net/{tid}/`, or v2 `…/{tid}/v2.0` on any host we were called on,
    /// plain-HTTP listeners included: the signature, not the host, proves the token ours.
    static func isIssuer(_ issuer: String, ofTenant tenantId: String) -> Bool {
        issuer == AccessTokenFormat.v1.issuer(tenantId: tenantId, baseURL: "")
            || ((issuer.hasPrefix("https://") || issuer.hasPrefix("http://")) && issuer.hasSuffix("/\(tenantId)/v2.0"))
    }
}
