import Foundation
import EntraDirectory
import JOSE

/// `grant_type=authorization_code`: redeems a code from /authorize, once. The client authenticates
/// first (a wrong secret must not burn the code); then the code is taken atomically, and the
/// authority, redirect URI and PKCE verifier must match what /authorize saw.
struct AuthorizationCodeGrant: GrantHandler {
    func handle(_ context: GrantContext, record: inout ExchangeRecord) throws(EntraError) -> IssuedTokens {
        let parameters = context.parameters
        let code = try parameters.required("code")
        record.redeemedGrantId = Identifiers.grantId(authorizationCode: code)
        let redirectURI = try parameters.required("redirect_uri")
        let clientId = try ClientAuthenticator.clientId(parameters, basic: context.request.basicCredentials)
        let tenant = try codeTenant(context, clientId: clientId)
        record.tenantId = tenant.id

        let application = try ClientAuthenticator.application(clientId, in: tenant)
        // A single-page app's code must carry a PKCE challenge. /authorize issues it anyway; the
        // redemption fails (9002325), before the client's credential or `Origin` is looked at:
        // server-side redemptions with a secret get this error too (stevenmaguire/oauth2-microsoft#26,
        // thobach/MMM-MicrosoftToDo#27). Peeked, not taken: no verifier could ever redeem it anyway.
        if let pending = context.stores.authorizationCodes.pending(code, now: context.now),
           pending.issuedToSPA, pending.codeChallenge == nil {
            throw .pkceRequired()
        }
        // The platform of the redirect URI decides: `spa` and mobile/desktop make the client public;
        // `web` makes it confidential even for an app that allows public client flows
        // (`isFallbackPublicClient`), which Entra applies only to flows without a redirect URI
        // (Azure/azure-sdk-for-go#22386: an app with only a web redirect URI must authenticate).
        let redirectKind = RedirectURIs.kind(of: redirectURI, registeredOn: application)
        let client = try ClientAuthenticator.authenticate(
            parameters, basic: context.request.basicCredentials, tenant: tenant,
            allowedAudiences: context.assertionAudiences(for: tenant), federation: context.federation, now: context.now,
            requireCredential: redirectKind == .web, publicFlow: redirectKind.map { $0 != .web } ?? false)
        record.identify(client)

        let stores = context.stores
        let grant = try stores.authorizationCodes.redeem(code, now: context.now) { stores.refreshTokens.revoke($0) }
        guard grant.clientId == application.appId else { throw .grantIssuedToAnotherClient() }
        guard grant.tenantId == tenant.id, grant.authority == CodeAuthority(context.tenantSelection) else {
            throw .codeForAnotherTenant()
        }
        guard grant.redirectURI == redirectURI else { throw .redirectURIMismatch(requested: redirectURI, issuedFor: grant.redirectURI) }
        try context.checkOrigin(spaRedemption: grant.issuedToSPA)
        try Self.verifyPKCE(challenge: grant.codeChallenge, method: grant.codeChallengeMethod,
                            verifier: parameters.optional("code_verifier"))
        // A code's scope may name several resources (/authorize allows it); without `scope` the token
        // is for the first, as for a refresh token.
        let codeScope = ScopeParser.firstResourceOnly(grant.scope)
        if parameters.optional("scope") == nil { try ResourceIndicator.check(parameters.optional("resource"), scope: codeScope) }
        let user = try stores.activeUser(of: grant.authentication, in: tenant)

        let (tokens, refreshToken) = try context.issueUserTokens(UserTokenRequest(
            client: client, user: user, authentication: grant.authentication, tenant: tenant,
            scope: parameters.optional("scope") ?? codeScope, nonce: grant.nonce,
            issuedToSPA: grant.issuedToSPA, flow: .authorizationCode,
            claims: parameters.optional("claims") ?? grant.claims, confidentialFlow: redirectKind == .web), record: &record)
        if let refreshToken { stores.authorizationCodes.recordRefreshToken(refreshToken, for: code) }
        return tokens
    }

    /// The tenant of the path, or for `/common` and `/organizations` the one tenant registering the client.
    private func codeTenant(_ context: GrantContext, clientId: String) throws(EntraError) -> Tenant {
        switch context.tenantSelection {
        case .tenant(let tenant):
            return tenant
        case .tenantless:
            return try TenantSelection.homeTenant(of: clientId, in: context.directory, segment: context.request.tenant)
        }
    }

    /// RFC 7636: S256 compares base64url(SHA-256(verifier)); `plain` (or no method) compares as is.
    static func verifyPKCE(challenge: String?, method: String?, verifier: String?) throws(EntraError) {
        guard let challenge else { return }
        guard let verifier else { throw .pkceMismatch() }
        let computed = (method ?? "plain") == "S256" ? Base64URL.encode(Digest.sha256(Array(verifier.utf8))) : verifier
        guard ClientAuthenticator.constantTimeEqual(computed.utf8, challenge.utf8) else { throw .pkceMismatch() }
    }
}

extension EntraError {
    /// 9002325: a code sent to a single-page app's redirect URI without a PKCE challenge, refused
    /// when it is redeemed (the text is about redemption, and public reports show it there).
    static func pkceRequired() -> EntraError {
        EntraError(error: "invalid_request", code: 9002325, message: "Proof Key for Code Exchange is required for cross-origin authorization code redemption.")
    }
}
