import Foundation
import EntraDirectory

/// `grant_type=password` (ROPC): the client sends the user's name and password. Entra refuses it
/// on `/common` and `/consumers`; on `/organizations` the user's domain names the tenant.
struct PasswordGrant: GrantHandler {
    func handle(_ context: GrantContext, record: inout ExchangeRecord) throws(EntraError) -> IssuedTokens {
        let parameters = context.parameters
        let username = try parameters.required("username")
        let password = try parameters.required("password")
        let scope = try parameters.required("scope")
        let tenant = try userTenant(context, username: username)
        record.tenantId = tenant.id

        let client = try ClientAuthenticator.authenticate(
            parameters, basic: context.request.basicCredentials, tenant: tenant,
            allowedAudiences: context.assertionAudiences(for: tenant), federation: context.federation, now: context.now, requireCredential: false)
        record.identify(client)
        if client.application.agentIdentity != nil { throw .agentIdentityFlowNotAllowed(grantType: "password") }
        try context.checkOrigin(spaRedemption: false)
        let (user, authentication) = try UserAuthenticator.signIn(name: username, password: password, tenant: tenant, now: context.now)
        record.subject = .init(kind: "user", id: user.id, name: user.userPrincipalName)
        return try context.issueUserTokens(UserTokenRequest(
            client: client, user: user, authentication: authentication, tenant: tenant,
            scope: scope, nonce: nil, issuedToSPA: false, flow: .password,
            claims: parameters.optional("claims")), record: &record).0
    }

    private func userTenant(_ context: GrantContext, username: String) throws(EntraError) -> Tenant {
        switch context.tenantSelection {
        case .tenant(let tenant):
            return tenant
        case .tenantless(let name):
            guard name == "organizations" else { throw .grantNotSupportedOnTenantlessEndpoint() }
            let domain = username.split(separator: "@").last.map { $0.lowercased() } ?? ""
            guard let tenant = context.directory.tenants.first(where: { $0.domains.contains(domain) }) else {
                throw .userNotFound(tenant: name)
            }
            return tenant
        }
    }
}
