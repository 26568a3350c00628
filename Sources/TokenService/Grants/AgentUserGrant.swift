import Foundation
import EntraDirectory
import JOSE

/// `grant_type=user_fic` (Agent ID, the agent's user account; entra-wire §7.5, msal's
/// `acquire_token_by_user_federated_identity_credential`): an agent identity, authenticated with its
/// blueprint's exchange token (T1) as `client_assertion`, presents its own exchange token (T2: its
/// app token for `api://AzureADTokenExchange`) as `user_federated_identity_credential` and names its
/// agent user by `username` or `user_id`. The answer is that user's token set, as for any user grant.
/// The agent user signs in with nothing else: it has no password and no second factor.
struct AgentUserGrant: GrantHandler {
    static let grantType = "user_fic"

    func handle(_ context: GrantContext, record: inout ExchangeRecord) throws(EntraError) -> IssuedTokens {
        let parameters = context.parameters
        // The docs' request has requested_token_use=on_behalf_of; msal sends none. Either is fine.
        if let use = parameters.optional("requested_token_use"), use != "on_behalf_of" { throw .unsupportedRequestedTokenUse(use) }
        let credential = try parameters.required("user_federated_identity_credential")
        let scope = try parameters.required("scope")
        // msal sends exactly one of them; with both, `username` is read (our choice).
        guard let userName = parameters.optional("username") ?? parameters.optional("user_id") else {
            throw .missingParameter("username")
        }
        // msal sends it to v2 only; the v1 endpoint is refused (our choice: Entra's answer there is unknown).
        guard context.request.version == .v2 else { throw .unsupportedGrantType(Self.grantType) }
        guard case .tenant(let tenant) = context.tenantSelection else { throw .grantNotSupportedOnTenantlessEndpoint() }
        record.tenantId = tenant.id

        let client = try ClientAuthenticator.authenticate(
            parameters, basic: context.request.basicCredentials, tenant: tenant,
            allowedAudiences: context.assertionAudiences(for: tenant), federation: context.federation, now: context.now,
            requireCredential: true)
        record.identify(client)
        guard client.application.agentIdentity != nil else { throw .agentUserGrantNeedsAnAgentIdentity() }
        record.assertionTokenId = try Self.validateExchangeToken(credential, agent: client.application, tenant: tenant,
                                                                 keys: context.minter.keys, now: context.now)

        let named = parameters.optional("username") != nil ? tenant.user(userPrincipalName: userName) : tenant.user(id: userName)
        guard let user = named else { throw .userNotFound(tenant: tenant.id) }
        guard user.agentIdentityAppId == client.application.appId else { throw .notTheAgentsUser(client.application) }
        record.subject = .init(kind: "user", id: user.id, name: user.userPrincipalName)
        guard user.accountEnabled else { throw .userDisabled() }
        // A federated sign-in of the agent user, now (`amr` `fed`: our choice; Entra's is not documented).
        let authentication = Authentication(tenantId: tenant.id, userId: user.id, authTime: context.now, methods: ["fed"],
                                            sessionId: Identifiers.randomGUID())
        return try context.issueUserTokens(UserTokenRequest(
            client: client, user: user, authentication: authentication, tenant: tenant,
            scope: scope, nonce: nil, issuedToSPA: false, flow: .agentUser,
            claims: parameters.optional("claims")), record: &record).0
    }

    /// T2 must be a token this service issued in this tenant, still valid, for
    /// `api://AzureADTokenExchange`, to this very agent identity as an application. Returns its `uti`.
    static func validateExchangeToken(_ compact: String, agent: Application, tenant: Tenant, keys: KeyRing,
                                      now: Date) throws(EntraError) -> String? {
        let claims = try IssuedTokenCheck.assertion(compact, keys: keys, tenant: tenant).payload
        try UserAssertionValidator.checkTimes(claims, now: now)
        let audience = claims["aud"]?.stringValue ?? ""
        guard audience == TokenExchange.appId || audience == TokenExchange.audience else {
            throw .notAnExchangeToken("its audience is '\(audience)', not \(TokenExchange.audience)")
        }
        let holder = claims["azp"]?.stringValue ?? claims["appid"]?.stringValue ?? ""
        guard IssuedTokenCheck.isAppToken(claims), holder.lowercased() == agent.appId else {
            throw .notAnExchangeToken("it was not issued to the agent identity '\(agent.appId)' as an application")
        }
        return claims["uti"]?.stringValue
    }
}

extension EntraError {
    /// 82001 (our choice of code and wording): only an agent identity obtains tokens for an agent user.
    static func agentUserGrantNeedsAnAgentIdentity() -> EntraError {
        EntraError(error: "unauthorized_client", code: 82001,
                   message: "The 'user_fic' grant is for agent identities: authenticate as the agent identity with its blueprint's exchange token as client_assertion.")
    }

    /// 50013 (our wording): `user_federated_identity_credential` is not the agent's own exchange token.
    static func notAnExchangeToken(_ reason: String) -> EntraError {
        assertionFailed(reason: "The user federated identity credential is not the agent identity's exchange token: \(reason).")
    }

    /// 50013 (our wording): the user named is not the agent user of the agent identity asking.
    static func notTheAgentsUser(_ agent: Application) -> EntraError {
        assertionFailed(reason: "The user is not the agent user of agent identity '\(agent.appId)'.")
    }
}
