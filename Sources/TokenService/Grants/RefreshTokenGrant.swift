import Foundation
import EntraDirectory

/// `grant_type=refresh_token`: a new access token (and a new refresh token) from the sign-in the
/// refresh token stands for. The old refresh token stays valid, as in Entra. Without `scope`, the
/// original request's scopes are used; a `scope` spanning several resources gets a token for the
/// first one (auth-code flow doc).
struct RefreshTokenGrant: GrantHandler {
    func handle(_ context: GrantContext, record: inout ExchangeRecord) throws(EntraError) -> IssuedTokens {
        let parameters = context.parameters
        let token = try parameters.required("refresh_token")
        record.redeemedGrantId = Identifiers.grantId(refreshToken: token)
        let grant = try context.stores.refreshTokens.redeem(token, now: context.now)
        guard let tenant = context.directory.tenants.first(where: { $0.id == grant.tenantId }) else { throw .malformedGrant() }
        if case .tenant(let named) = context.tenantSelection, named.id != tenant.id { throw .malformedGrant() }
        record.tenantId = tenant.id

        let client = try ClientAuthenticator.authenticate(
            parameters, basic: context.request.basicCredentials, tenant: tenant,
            allowedAudiences: context.assertionAudiences(for: tenant), federation: context.federation, now: context.now,
            requireCredential: grant.requiresClientCredential, publicFlow: grant.issuedToPublicClient)
        record.identify(client)
        guard client.application.appId == grant.clientId else { throw .grantIssuedToAnotherClient() }
        try context.checkOrigin(spaRedemption: grant.fixedExpiry != nil)
        if parameters.optional("scope") == nil {
            try ResourceIndicator.check(parameters.optional("resource"), scope: ScopeParser.firstResourceOnly(grant.originalScope))
        }
        let user = try context.stores.activeUser(of: grant.authentication, in: tenant, grantIssuedAt: grant.issuedAt)

        return try context.issueUserTokens(UserTokenRequest(
            client: client, user: user, authentication: grant.authentication, tenant: tenant,
            scope: parameters.optional("scope").map(ScopeParser.firstResourceOnly) ?? grant.originalScope, nonce: nil,
            issuedToSPA: grant.fixedExpiry != nil, flow: .refreshToken,
            claims: parameters.optional("claims"), inheritedExpiry: grant.fixedExpiry,
            confidentialFlow: grant.requiresClientCredential), record: &record).0
    }
}
