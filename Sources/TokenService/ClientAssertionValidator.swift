import Foundation
import EntraDirectory
import JOSE

/// Validates a `private_key_jwt` client assertion the way Entra does (certificate-credentials doc):
/// RS256 or PS256; the certificate named by `x5t#S256` or `x5t` (base64url, padded or not) must be
/// registered on the application and current; `iss` = `sub` = client id; `aud` = this tenant's token
/// endpoint; `exp`/`nbf` as numbers, floats or numeric strings (MSAL.NET sends strings).
struct ClientAssertionValidator: Sendable {
    let application: Application
    let allowedAudiences: Set<String>
    let now: Date

    func validate(_ jwt: JWT) throws(EntraError) {
        guard let algorithm = JWSAlgorithm(rawValue: jwt.algorithm) else {
            throw .malformedJWT("The signature algorithm '\(jwt.algorithm)' is not supported; use RS256 or PS256.")
        }

        let (key, thumbprintText) = try registeredKey(for: jwt)
        if key.endDateTime <= now || key.startDateTime > now {
            throw .invalidAssertionSignature(reason: "The key used is expired.", thumbprint: thumbprintText, appId: application.appId)
        }
        do {
            try jwt.verifySignature(with: try key.certificate.publicKey, allowed: [algorithm])
        } catch {
            throw .invalidAssertionSignature(
                reason: "The provided signature value did not match the expected signature value.",
                thumbprint: thumbprintText, appId: application.appId)
        }

        try Self.checkTimes(jwt.payload, now: now)
        // `sub` must equal `iss` (50048, SubjectMismatchesIssuer), and `iss` name the client
        // (700021). Which Entra checks first is not documented: this order is our choice.
        let issuer = jwt.payload["iss"]?.stringValue
        guard jwt.payload["sub"]?.stringValue?.lowercased() == issuer?.lowercased() else { throw .subjectMismatchesIssuer() }
        guard issuer?.lowercased() == application.appId.lowercased() else { throw .assertionSubjectMismatch() }
        guard audienceMatches(jwt.payload["aud"]) else { throw .assertionAudienceMismatch() }
    }

    /// The registered certificate whose thumbprint the header names. Entra requires the header.
    private func registeredKey(for jwt: JWT) throws(EntraError) -> (KeyCredential, String) {
        let sha256 = jwt.header["x5t#S256"]?.stringValue
        let sha1 = jwt.header["x5t"]?.stringValue
        let text = sha256 ?? sha1 ?? ""
        guard let thumbprint = Base64URL.decode(text), !thumbprint.isEmpty else {
            throw .invalidAssertionSignature(reason: "The key was not found.", thumbprint: text, appId: application.appId)
        }
        let found = application.keyCredentials.first { credential in
            sha256 != nil ? credential.certificate.sha256Thumbprint == thumbprint
                          : credential.certificate.sha1Thumbprint == thumbprint
        }
        guard let found else {
            throw .invalidAssertionSignature(reason: "The key was not found.", thumbprint: text, appId: application.appId)
        }
        return (found, text)
    }

    /// `exp` required, `nbf` optional, both with Entra's five minutes of skew.
    static func checkTimes(_ payload: [String: JSONValue], now: Date) throws(EntraError) {
        let expiry = try NumericDate.read(payload["exp"], claim: "exp")
        let notBefore = try NumericDate.read(payload["nbf"], claim: "nbf")
        guard let expiry else {
            throw .assertionOutsideValidity(now: now, notBefore: notBefore, expiry: nil)
        }
        let expired = expiry.addingTimeInterval(IssuedTokenCheck.allowedSkew) <= now
        let early = notBefore.map { $0.addingTimeInterval(-IssuedTokenCheck.allowedSkew) > now } ?? false
        if expired || early {
            throw .assertionOutsideValidity(now: now, notBefore: notBefore, expiry: expiry)
        }
    }

    /// `aud` may be a string or an array holding one of the accepted token endpoint URLs.
    private func audienceMatches(_ audience: JSONValue?) -> Bool {
        Self.audiences(audience).contains { allowedAudiences.contains($0.lowercased()) }
    }

    /// The values of an `aud` claim, a string or an array of strings (JWT allows both).
    static func audiences(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let text)?: return [text]
        case .array(let items)?: return items.compactMap(\.stringValue)
        default: return []
        }
    }
}

extension EntraError {
    /// 50048 (reference-error-codes "SubjectMismatchesIssuer"; the text as quoted in
    /// AzureAD/microsoft-authentication-library-for-java#430). `invalid_client` is inferred.
    static func subjectMismatchesIssuer() -> EntraError {
        EntraError(error: "invalid_client", code: 50048,
                   message: "Subject must match the issuer claim in the client assertion.")
    }
}
