import Foundation
import EntraDirectory
import JOSE

/// What a federated client assertion is checked against besides the app: the server's own keys,
/// for tokens MockEntra issued itself (a managed identity's token for `api://AzureADTokenExchange`,
/// presented by an app that trusts it).
struct FederationTrust: Sendable {
    let keys: KeyRing
}

/// Workload identity federation (workload-identity-federation doc): a client assertion whose `iss`
/// is not the client itself is a token from another issuer, accepted when a federated identity
/// credential of the app names its `iss` and `sub` exactly (case-sensitive, as Entra matches since
/// 2025) and one of its audiences is in `aud`, and its signature checks out with that issuer's key.
/// Entra's codes: 700211 issuer, 700213 subject, 700212 audience (checked in that order, inferred).
struct FederatedAssertionValidator: Sendable {
    let application: Application
    let trust: FederationTrust
    let now: Date

    func validate(_ jwt: JWT) throws(EntraError) {
        guard let algorithm = JWSAlgorithm(rawValue: jwt.algorithm) else {
            throw .malformedJWT("The signature algorithm '\(jwt.algorithm)' is not supported; use RS256 or PS256.")
        }
        try ClientAssertionValidator.checkTimes(jwt.payload, now: now)
        let issuer = jwt.payload["iss"]?.stringValue ?? ""
        let subject = jwt.payload["sub"]?.stringValue ?? ""
        let audiences = ClientAssertionValidator.audiences(jwt.payload["aud"])

        let byIssuer = application.federatedIdentityCredentials.filter { issuerMatches($0, issuer) }
        guard !byIssuer.isEmpty else { throw .noFederatedCredential(for: "issuer", issuer) }
        let bySubject = byIssuer.filter { $0.subject == subject }
        guard !bySubject.isEmpty else {
            if byIssuer.contains(where: { $0.subject.lowercased() == subject.lowercased() }) {
                throw .federatedSubjectDiffersInCase(subject)
            }
            throw .noFederatedCredential(for: "subject", subject)
        }
        guard let credential = bySubject.first(where: { credential in
            audiences.contains { audience in credential.audiences.contains { Self.sameAudience($0, audience, of: credential) } }
        }) else {
            throw .noFederatedCredential(for: "audience", audiences.first ?? "")
        }
        try verifySignature(jwt, algorithm: algorithm, credential: credential)
    }

    /// The credential's issuer as written, or for Entra's own issuer of a scenario tenant, that
    /// tenant's v2 issuer on any of MockEntra's listeners (the signature, checked next, proves the
    /// token is MockEntra's; the host it was fetched from does not).
    private func issuerMatches(_ credential: FederatedIdentityCredential, _ issuer: String) -> Bool {
        if credential.issuer == issuer { return true }
        guard let tenantId = credential.entraTenantId else { return false }
        return issuer.hasSuffix("/v2.0") && IssuedTokenCheck.isIssuer(issuer, ofTenant: tenantId)
    }

    /// With the issuer's certificate for an external issuer; for Entra's own issuer, as any token
    /// this server issued is checked (`IssuedTokenCheck`: RS256 by a key it publishes).
    private func verifySignature(_ jwt: JWT, algorithm: JWSAlgorithm, credential: FederatedIdentityCredential) throws(EntraError) {
        let keyId = jwt.header["kid"]?.stringValue ?? ""
        let verified: Bool
        if let certificate = credential.certificate {
            verified = (try? jwt.verifySignature(with: certificate.publicKey, allowed: [algorithm])) != nil
        } else {
            verified = (try? IssuedTokenCheck.verifySignature(jwt, keys: trust.keys)) != nil
        }
        guard verified else {
            throw .invalidAssertionSignature(
                reason: "The provided signature value did not match the expected signature value.",
                thumbprint: keyId, appId: application.appId)
        }
    }

    /// Audiences compare exactly, as Entra matches them. The one exception is for MockEntra's own
    /// tokens: `api://AzureADTokenExchange` is what a credential names, its appId what the token carries.
    static func sameAudience(_ configured: String, _ presented: String, of credential: FederatedIdentityCredential) -> Bool {
        if configured == presented { return true }
        return credential.certificate == nil && credential.entraTenantId != nil
            && configured == TokenExchange.audience && presented.lowercased() == TokenExchange.appId
    }
}

extension EntraError {
    /// 7002138: the subject matches a credential's only when case is ignored (Entra's text as
    /// quoted in Azure/login#515 and Azure/accelerator-bootstrap-modules#139).
    static func federatedSubjectDiffersInCase(_ subject: String) -> EntraError {
        EntraError(error: "invalid_client", code: 7002138,
                   message: "No matching federated identity record found for presented assertion subject '\(subject)'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation")
    }

    /// 700211 / 700213 / 700212: no federated identity credential of the app matches the assertion's
    /// issuer, then subject, then audience (wording from 2025 responses quoted in public issues).
    static func noFederatedCredential(for claim: String, _ value: String) -> EntraError {
        let code = claim == "issuer" ? 700211 : claim == "subject" ? 700213 : 700212
        return EntraError(error: "invalid_client", code: code,
                          message: "No matching federated identity record found for presented assertion \(claim) '\(value)'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation")
    }
}
