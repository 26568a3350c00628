import Foundation
import EntraDirectory

/// `grant_type=client_credentials`: an application acting as itself. The scope must be exactly one
/// resource's `/.default` (v2) or a `resource` (v1); the token carries the app roles the client's
/// service principal holds on that resource, and no refresh token.
struct ClientCredentialsGrant: GrantHandler {
    func handle(_ context: GrantContext, record: inout ExchangeRecord) throws(EntraError) -> IssuedTokens {
        let parameters = context.parameters
        let clientId = parameters.optional("client_id") ?? context.request.basicCredentials?.clientId
        let tenant = try context.tenantSelection.tenantForAppOnlyGrant(clientId: clientId, in: context.directory)
        record.tenantId = tenant.id

        let client = try ClientAuthenticator.authenticate(
            parameters, basic: context.request.basicCredentials, tenant: tenant,
            allowedAudiences: context.assertionAudiences(for: tenant), federation: context.federation, now: context.now, requireCredential: true)
        let app = client.application
        record.identify(client)
        try context.checkOrigin(spaRedemption: false)

        let requested = try requestedResource(context)
        guard let resource = tenant.resource(identifier: requested) else {
            throw .resourceNotFound(requested, tenantName: tenant.displayName)
        }
        guard resource.accountEnabled else { throw .resourceDisabled(appId: resource.appId) }
        let format = AccessTokenFormat(requestedVersion: resource.requestedAccessTokenVersion)
        record.resource = .init(appId: resource.appId, displayName: resource.displayName,
                                requestedAs: requested, tokenVersion: format.version)
        record.subject = .init(kind: "app", id: app.servicePrincipalId, name: app.displayName)

        // Agent ID step 1: a blueprint's exchange token (T1) for one of its agent identities.
        let agentSubject = try parameters.optional("fmi_path").map { path throws(EntraError) in
            try Self.agentExchangeSubject(fmiPath: path, blueprint: app, resource: resource, tenant: tenant)
        }
        let roles = agentSubject != nil ? [] : Self.roles(of: app, on: resource, in: tenant)
        record.grantedRoles = roles

        // Conditional Access for workload identities and agents: the application is the subject. Not
        // for an exchange token (T1, or any token for api://AzureADTokenExchange): Microsoft's agent
        // policies skip a blueprint's and an agent's intermediate token exchanges, and such a token
        // reaches no resource.
        if agentSubject == nil, resource.appId != TokenExchange.appId {
            let decision = ConditionalAccessEvaluator.evaluateWorkload(client: app, resourceAppId: resource.appId, tenant: tenant,
                                                                      remoteAddress: context.request.remoteAddress)
            record.conditionalAccess = decision.evaluations
            if let failure = decision.failure { throw failure }
        }

        // msal sends its client capabilities (`claims`) even here; cp1 earns a long-lived token.
        let continuousAccess = ContinuousAccess(claims: parameters.optional("claims"), resource: resource)
        record.clientCapabilities = continuousAccess.clientCapabilities.isEmpty ? nil : continuousAccess.clientCapabilities
        let token = try context.minter.appToken(client: client, resource: resource, audience: requested,
                                                roles: roles, tenant: tenant, baseURL: context.request.baseURL,
                                                now: context.now, subject: agentSubject, continuousAccess: continuousAccess)
        record.issuedTokens = [.init(type: "access_token", uti: token.tokenId, expiresAt: token.expiresAt)]
        return IssuedTokens(endpoint: context.request.version, accessToken: token.compact,
                            expiresIn: token.lifetime, extExpiresIn: token.lifetime,
                            expiresOn: Int(token.expiresAt.timeIntervalSince1970),
                            notBefore: Int(token.notBefore.timeIntervalSince1970),
                            scope: nil, resource: context.request.version == .v1 ? requested : nil)
    }

    /// The enabled app roles the client holds on the resource: its own, and for an agent identity
    /// those it inherits from its blueprint.
    private static func roles(of app: Application, on resource: Application, in tenant: Tenant) -> [String] {
        var roles = tenant.appRoles(grantedTo: app.servicePrincipalId, on: resource.appId)
        for role in AgentInheritance.roles(client: app, resource: resource, tenant: tenant) where !roles.contains(where: { $0.id == role.id }) {
            roles.append(role)
        }
        return roles.filter(\.isEnabled).map(\.value)
    }

    /// `fmi_path` names one of the client's own agent identities, and the token is for
    /// `api://AzureADTokenExchange` (entra-wire §7.2). What Entra answers otherwise is not
    /// documented: an agent that is not the client's is 700016 (as an unknown application), another
    /// resource 70011 (an invalid scope for this request).
    static func agentExchangeSubject(fmiPath: String, blueprint: Application, resource: Application,
                                     tenant: Tenant) throws(EntraError) -> String {
        guard resource.appId == TokenExchange.appId else {
            throw .invalidScope("\(resource.identifierUris.first ?? resource.appId)/.default (fmi_path asks for \(TokenExchange.audience)/.default)")
        }
        guard let agent = tenant.application(appId: fmiPath), agent.agentIdentity?.blueprintAppId == blueprint.appId else {
            throw .applicationNotFound(fmiPath, tenantName: tenant.displayName)
        }
        return AgentIdentity.exchangeSubject(tenantId: tenant.id, blueprintAppId: blueprint.appId, agentAppId: agent.appId)
    }

    /// The one resource asked for: v1 reads `resource`; v2 reads `scope`, which must be a single
    /// `{resource}/.default`, and tolerates an RFC 8707 `resource` only when it names the same resource.
    private func requestedResource(_ context: GrantContext) throws(EntraError) -> String {
        let parameters = context.parameters
        if context.request.version == .v1 { return try parameters.required("resource") }
        let indicator = parameters.optional("resource")
        guard let scope = parameters.optional("scope") else {
            if indicator != nil { throw .resourceParameterNotSupported() }
            throw .clientCredentialsScopeMissing()
        }
        let items = ScopeParser.split(scope)
        // Scope-string rules (one resource, `.default` never mixed with names) come first and give
        // 70011; only then the client-credentials rule that the one scope must be `.default`.
        let parsed = try ScopeParser.parse(items: items, of: scope)
        if let named = items.first(where: { !$0.hasSuffix("/.default") }) {
            throw .clientCredentialsNeedDefaultScope(named)
        }
        // Every item ends in `/.default`, so no OpenID scope is left and `parse` found the one resource.
        guard let resource = parsed.resource else { throw .invalidScope(scope) }
        if let indicator, !ResourceIndicator.sameResource(indicator, resource.identifier) {
            throw .resourceDoesNotMatchScopes(resource: indicator)
        }
        return resource.identifier
    }
}

extension EntraError {
    /// 90014, not the generic 900144: what Entra answers a client-credentials request without
    /// `scope` (reproduced with curl in mullerpeter/databricks-grafana#99; also ctron/oidc-cli#7).
    static func clientCredentialsScopeMissing() -> EntraError {
        EntraError(error: "invalid_request", code: 90014,
                   message: "The required field 'scope' is missing from the credential. Ensure that you have all the necessary parameters for the login request.")
    }
}
