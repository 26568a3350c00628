import Foundation
import EntraDirectory
import JOSE

/// The user token a middle tier presents in On-Behalf-Of, once it has passed Entra's checks.
struct ValidatedUserAssertion: Sendable {
    let tokenId: String
    let authentication: Authentication
}

/// Validates an OBO `assertion` as Entra does (OBO doc; entra-wire §2.2): a JWT signed RS256 by a
/// key this service publishes, issued for this tenant (v1 or v2 issuer), within its validity
/// (five minutes of skew), whose audience is the calling client (appId or an identifier URI), and
/// issued to a user — an app-only token cannot be exchanged on behalf of anyone.
struct UserAssertionValidator: Sendable {
    let keys: KeyRing
    let tenant: Tenant
    let client: Application
    let now: Date
    let index: IssuedTokenIndex

    func validate(_ compact: String) throws(EntraError) -> ValidatedUserAssertion {
        let jwt = try IssuedTokenCheck.assertion(compact, keys: keys, tenant: tenant)
        let claims = jwt.payload
        try Self.checkTimes(claims, now: now)
        try checkAudience(claims["aud"]?.stringValue ?? "")
        // A user token carries delegated scopes; an app token carries roles; an ID token neither,
        // and names no client (`azp`/`appid`), as access tokens all do.
        if IssuedTokenCheck.isAppToken(claims) { throw .applicationOnBehalfOf(appId: client.appId) }
        guard claims["scp"]?.stringValue != nil else {
            if claims["azp"] == nil && claims["appid"] == nil { throw .idTokenAsAssertion() }
            throw .assertionWithoutScopes()
        }
        guard let userId = claims["oid"]?.stringValue else { throw .assertionWithoutScopes() }
        let tokenId = claims["uti"]?.stringValue ?? ""
        let authentication = index.authentication(tokenId: tokenId) ?? Authentication(
            tenantId: tenant.id, userId: userId,
            authTime: NumericDate.issued(claims["iat"]) ?? now,
            methods: claims["amr"]?.arrayValue?.compactMap(\.stringValue) ?? ["pwd"],
            sessionId: claims["sid"]?.stringValue ?? Identifiers.randomGUID())
        return ValidatedUserAssertion(tokenId: tokenId, authentication: authentication)
    }

    static func checkTimes(_ claims: [String: JSONValue], now: Date) throws(EntraError) {
        guard let expiry = NumericDate.issued(claims["exp"]) else {
            throw .malformedAssertion("The token has no valid expiry.")
        }
        if claims["nbf"] != nil, NumericDate.issued(claims["nbf"]) == nil {
            throw .malformedAssertion("The token's 'nbf' is not a valid date.")
        }
        let notBefore = NumericDate.issued(claims["nbf"])
        let skew = IssuedTokenCheck.allowedSkew
        if expiry.addingTimeInterval(skew) <= now || (notBefore.map { $0.addingTimeInterval(-skew) > now } ?? false) {
            throw .assertionOutsideValidity(now: now, expiry: expiry)
        }
    }

    /// The audience must name the calling client: its appId, or one of its identifier URIs.
    /// The middle tier's own appId or identifier URI; for an agent identity, its blueprint's appId
    /// (the user token was issued to the blueprint: entra-wire §7.4).
    private func checkAudience(_ audience: String) throws(EntraError) {
        if let blueprint = client.agentIdentity?.blueprintAppId {
            // An agent acts for users who signed in to its blueprint, and only those (50013: [SKILL]).
            guard audience.lowercased() == blueprint else { throw .assertionNotForBlueprint(audience: audience, blueprint: blueprint) }
            return
        }
        if audience.lowercased() == client.appId.lowercased() || client.identifierUris.contains(audience) { return }
        throw .assertionAudienceNotClient(audience: audience, client: client)
    }
}

extension IssuedTokenCheck {
    /// A token presented as an assertion (OBO's user token, an agent user's exchange token),
    /// decoded, signed by a key this service publishes, and issued in `tenant`.
    static func assertion(_ compact: String, keys: KeyRing, tenant: Tenant) throws(EntraError) -> JWT {
        let jwt: JWT
        do {
            jwt = try JWT.decode(compact)
        } catch {
            throw .malformedAssertion(String(describing: error))
        }
        do {
            try verifySignature(jwt, keys: keys)
        } catch {
            switch error {
            case .algorithm(let algorithm):
                throw .malformedAssertion("The signature algorithm '\(algorithm)' is not supported for user assertions.")
            case .unknownKey(let keyId):
                throw .assertionSignatureInvalid(reason: "The key was not found.", keyId: keyId)
            case .mismatch(let keyId):
                throw .assertionSignatureInvalid(reason: "The provided signature value did not match the expected signature value.", keyId: keyId)
            }
        }
        let issuer = jwt.payload["iss"]?.stringValue ?? ""
        guard jwt.payload["tid"]?.stringValue == tenant.id, isIssuer(issuer, ofTenant: tenant.id) else {
            throw .assertionFromAnotherTenant(issuer: issuer, tenant: tenant.id)
        }
        return jwt
    }
}

extension EntraError {
    /// 50027 for an assertion that is not a usable JWT.
    static func malformedAssertion(_ reason: String) -> EntraError {
        EntraError(error: "invalid_request", code: 50027, message: "JWT token is invalid or malformed. \(reason)")
    }

    /// 50013: the signature does not verify with a key this service publishes.
    static func assertionSignatureInvalid(reason: String, keyId: String) -> EntraError {
        EntraError(error: "invalid_grant", code: 50013,
                   message: "Assertion failed signature validation. [Reason - \(reason), Thumbprint of key used by client: '\(keyId)']")
    }

    /// 50013 (inferred): a token issued for another tenant.
    static func assertionFromAnotherTenant(issuer: String, tenant: String) -> EntraError {
        assertionFailed(reason: "The issuer '\(issuer)' is not valid for tenant '\(tenant)'.")
    }

    /// 50013 with Entra's framing of an assertion refused for `reason`.
    static func assertionFailed(reason: String) -> EntraError {
        EntraError(error: "invalid_grant", code: 50013, message: "Assertion failed validation. [Reason - \(reason)]")
    }

    /// 500133.
    static func assertionOutsideValidity(now: Date, expiry: Date) -> EntraError {
        EntraError(error: "invalid_grant", code: 500133,
                   message: "Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token. Current time: \(EntraTimestamp.iso(now)), expiry time of assertion \(EntraTimestamp.iso(expiry)).")
    }

    /// 500131.
    static func assertionAudienceNotClient(audience: String, client: Application) -> EntraError {
        EntraError(error: "invalid_grant", code: 500131,
                   message: "Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '\(audience)' and the expected audience is '\(client.appId)' or one of the Application Uris of this application with App ID '\(client.appId)'(\(client.displayName)). The downstream client must request a token for the expected audience (the application that made the OBO request) and this application should use that token as the assertion.")
    }

    /// 50013 (our wording): an agent identity's user assertion was issued to someone other than
    /// its blueprint (entra-wire §7.4).
    static func assertionNotForBlueprint(audience: String, blueprint: String) -> EntraError {
        assertionFailed(reason: "The assertion's audience '\(audience)' is not the agent identity's blueprint '\(blueprint)'.")
    }

    /// 82001 (our choice of code and wording): an agent identity gets tokens only through client
    /// credentials and On-Behalf-Of, with its blueprint's exchange token (entra-wire §7).
    static func agentIdentityFlowNotAllowed(grantType: String) -> EntraError {
        EntraError(error: "unauthorized_client", code: 82001,
                   message: "Agent identities cannot use the '\(grantType)' grant: use client credentials or On-Behalf-Of with the blueprint's exchange token as client_assertion.")
    }

    /// 7000114: an app-only token presented as the user assertion. Entra's text as public reports
    /// quote it (AzureAD/microsoft-authentication-library-for-dotnet#2130, microsoft/mcp#2192) and
    /// the error-code reference lists it; that `{appid}` is the middle tier calling is inferred.
    static func applicationOnBehalfOf(appId: String) -> EntraError {
        EntraError(error: "unauthorized_client", code: 7000114,
                   message: "Application '\(appId)' is not allowed to make application on-behalf-of calls.")
    }

    /// 240002: an ID token presented as the assertion (reference-error-codes "RequiredClaimIsMissing";
    /// the response as quoted in microsoft/azure-spring-boot#333).
    static func idTokenAsAssertion() -> EntraError {
        EntraError(error: "invalid_request", code: 240002,
                   message: "Input id_token cannot be used as 'urn:ietf:params:oauth:grant-type:jwt-bearer' grant.")
    }

    /// 50013 (inferred wording): a user-shaped token with no delegated scopes or no user.
    static func assertionWithoutScopes() -> EntraError {
        assertionFailed(reason: "The assertion carries no delegated scopes (scp) or no user (oid).")
    }
}
