import Foundation
import EntraDirectory

/// What every user grant (password, authorization code, refresh, device code) hands over once it
/// has established the user and the client.
struct UserTokenRequest: Sendable {
    let client: AuthenticatedClient
    let user: User
    let authentication: Authentication
    let tenant: Tenant
    let scope: String
    let nonce: String?
    let issuedToSPA: Bool
    /// Which grant this is: Conditional Access derives the error shape of a step-up from it.
    let flow: UserTokenFlow
    /// The `claims` request (token form, or the /authorize request behind a code): asks for `acrs`,
    /// and declares client capabilities (`xms_cc`) for continuous access evaluation.
    let claims: String?
    /// A refresh of a `spa` refresh token: the expiry the first one had, which the new one keeps
    /// (refresh-tokens doc: tokens obtained from it "carry over that expiration time").
    var inheritedExpiry: Date? = nil
    /// A code sent to a web redirect URI, or a refresh of its refresh tokens: the client is
    /// confidential there, so each refresh token it gets must be redeemed with its credential.
    var confidentialFlow = false
}

/// The shared second half of the user grants: resolve the delegated scopes, mint the access
/// token, an ID token when `openid` was asked for, a refresh token when `offline_access` was (or
/// the grant is a refresh), and `client_info` when the client sent `client_info=1` — and record
/// all of it.
extension GrantContext {
    func issueUserTokens(_ request: UserTokenRequest, record: inout ExchangeRecord) throws(EntraError) -> (IssuedTokens, refreshToken: String?) {
        let parsed = try ScopeParser.parse(request.scope)
        let user = request.user
        let app = request.client.application
        try AccountTypes.check(app, authority: self.request.tenant)
        record.subject = .init(kind: "user", id: user.id, name: user.userPrincipalName)
        let grant = try DelegatedPermissions.resolve(parsed, client: app, user: user, tenant: request.tenant)
        let format = AccessTokenFormat(requestedVersion: grant.resource.requestedAccessTokenVersion)
        record.resource = .init(appId: grant.resource.appId, displayName: grant.resource.displayName,
                                requestedAs: grant.requestedAs, tokenVersion: format.version)
        record.grantedScopes = grant.scopes

        // Conditional Access: the resource is known, nothing is minted yet. The subject is the user;
        // the client (an OBO middle tier included) is never one.
        let facts = SignInFacts(user: user, tenant: request.tenant, resourceAppId: grant.resource.appId,
                                requestedContexts: ClaimsRequest.authenticationContexts(request.claims),
                                clientAppType: .of(confidentialClient: request.client.method != .none,
                                                   singlePageApp: request.issuedToSPA),
                                remoteAddress: self.request.remoteAddress, authentication: request.authentication,
                                checksSignInFrequency: request.flow == .refreshToken, now: now)
        let decision = ConditionalAccessEvaluator.evaluate(facts, flow: request.flow)
        record.conditionalAccess = decision.evaluations
        record.claimsRequest = request.claims
        record.authenticationMethods = request.authentication.methods
        if let failure = decision.failure {
            record.claimsChallenge = failure.claims
            throw failure
        }

        let continuousAccess = ContinuousAccess(claims: request.claims, resource: grant.resource)
        record.clientCapabilities = continuousAccess.clientCapabilities.isEmpty ? nil : continuousAccess.clientCapabilities
        let openID = Set(parsed.openIDScopes.map { $0.lowercased() })
        let access = try minter.userAccessToken(client: request.client, user: user, authentication: request.authentication,
                                                grant: grant, tenant: request.tenant, baseURL: self.request.baseURL,
                                                remoteAddress: self.request.remoteAddress, now: now,
                                                profile: openID.contains("profile"),
                                                authenticationContexts: decision.satisfiedContexts,
                                                continuousAccess: continuousAccess)
        record.issuedTokens = [.init(type: "access_token", uti: access.tokenId, expiresAt: access.expiresAt)]
        record.sessionId = request.authentication.sessionId
        stores.issuedTokens.remember(tokenId: access.tokenId, authentication: request.authentication)

        var idToken: String?
        if openID.contains("openid") {
            let minted = try minter.idToken(client: app, user: user, authentication: request.authentication,
                                            tenant: request.tenant, openIDScopes: parsed.openIDScopes, nonce: request.nonce,
                                            endpoint: self.request.version, baseURL: self.request.baseURL, now: now)
            idToken = minted.compact
            record.issuedTokens.append(.init(type: "id_token", uti: minted.tokenId, expiresAt: minted.expiresAt))
        }
        var refreshToken: String?
        // A refresh always returns a new refresh token (auth-code flow doc), `offline_access` or not:
        // the grant it redeems had it.
        if openID.contains("offline_access") || request.flow == .refreshToken {
            let fixedExpiry = request.issuedToSPA ? (request.inheritedExpiry ?? now.addingTimeInterval(24 * 3600)) : nil
            refreshToken = stores.refreshTokens.issue(StoredRefreshToken(
                clientId: app.appId, tenantId: request.tenant.id, authentication: request.authentication,
                originalScope: request.scope, issuedAt: now, fixedExpiry: fixedExpiry,
                issuedToPublicClient: request.client.method == .none,
                // A client that authenticated to get it (On-Behalf-Of, user_fic, a confidential
                // client's code or ROPC) must authenticate to refresh it, even if it also allows
                // public client flows; so must a web redirect URI's code (confidentialFlow).
                requiresClientCredential: request.confidentialFlow || request.client.method != .none))
            // Refresh tokens are opaque; the record names them by a digest so tests can follow them.
            record.issuedTokens.append(.init(type: "refresh_token", uti: Identifiers.grantId(refreshToken: refreshToken ?? ""),
                                             expiresAt: fixedExpiry ?? now.addingTimeInterval(RefreshTokenStore.maximumInactivity)))
        }
        let clientInfo = parameters["client_info"] == "1"
            ? TokenMinter.clientInfo(userId: user.id, tenantId: request.tenant.id) : nil
        let scope = (grant.responseScopes + parsed.openIDScopes).joined(separator: " ")
        let tokens = IssuedTokens(endpoint: self.request.version, accessToken: access.compact,
                                  expiresIn: access.lifetime, extExpiresIn: access.lifetime,
                                  expiresOn: Int(access.expiresAt.timeIntervalSince1970),
                                  notBefore: Int(access.notBefore.timeIntervalSince1970),
                                  scope: self.request.version == .v2 ? scope : nil,
                                  resource: self.request.version == .v1 ? grant.requestedAs : nil,
                                  refreshToken: refreshToken, idToken: idToken, clientInfo: clientInfo)
        return (tokens, refreshToken)
    }
}
