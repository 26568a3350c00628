import Foundation
import EntraDirectory

/// The delegated permissions a user token will carry: one resource, the scopes granted on it.
struct DelegatedGrant: Sendable {
    let resource: Application
    /// The resource as the client named it (v1 tokens use it as `aud`).
    let requestedAs: String
    /// Granted scope names, in the resource's order.
    let scopes: [String]

    /// The response's `scope`: Microsoft Graph's scopes by short name (as Entra's examples show),
    /// others as `{resource}/{scope}` with the resource exactly as requested, so a resource named
    /// with a trailing slash gives `https://database.windows.net//user_impersonation`, as the
    /// scopes Entra returns to Azure CLI show.
    var responseScopes: [String] {
        if resource.appId == BuiltInIDs.microsoftGraph { return scopes }
        return scopes.map { requestedAs + "/" + $0 }
    }
}

enum BuiltInIDs {
    static let microsoftGraph = "00000003-0000-0000-c000-000000000000"
}

/// Decides which delegated scopes a client may use for a user on a resource. A scope must be
/// exposed by the resource and consented: by an admin for all users (`AllPrincipals`) or by this
/// user (`Principal`). `/.default` means every consented scope. Missing consent is AADSTS65001.
enum DelegatedPermissions {
    /// An agent identity also holds what it inherits of its blueprint's consent (`AgentInheritance`;
    /// it reaches this only On-Behalf-Of, for its own user account, or refreshing what those gave it).
    static func resolve(_ parsed: ParsedScopes, client: Application, user: User, tenant: Tenant) throws(EntraError) -> DelegatedGrant {
        // Only OpenID scopes: Entra still returns an access token, for Microsoft Graph.
        let requested = parsed.resource ?? ResourceScopes(identifier: ScopeParser.graphIdentifier, names: [".default"])
        guard let resource = tenant.resource(identifier: requested.identifier) else {
            throw .resourceNotFound(requested.identifier, tenantName: tenant.displayName)
        }
        guard resource.accountEnabled else { throw .resourceDisabled(appId: resource.appId) }
        let consented = consentedScopes(client: client, resource: resource, user: user, tenant: tenant)
        if requested.isDefault {
            // A disabled scope is granted to no one, consented or not, as a named request shows (650053).
            let granted = resource.oauth2PermissionScopes.filter(\.isEnabled).map(\.value).filter { consented.contains($0.lowercased()) }
            // OpenID scopes alone yield a Microsoft Graph token with the client's consented Graph
            // scopes; with none consented, Entra asks for consent (65001) rather than granting any.
            if granted.isEmpty { throw .consentRequired(client: client) }
            return DelegatedGrant(resource: resource, requestedAs: requested.identifier, scopes: granted)
        }
        var granted: [String] = []
        for name in requested.names {
            guard let scope = exposedScope(name, on: resource) else {
                throw .scopeNotExposed(name, resource: resource, client: client)
            }
            guard consented.contains(scope.value.lowercased()) else { throw .consentRequired(client: client) }
            if !granted.contains(scope.value) { granted.append(scope.value) }
        }
        return DelegatedGrant(resource: resource, requestedAs: requested.identifier, scopes: granted)
    }

    /// What /authorize checks of its `scope` before anyone signs in: each resource it names is in
    /// the tenant (AADSTS500011) and exposes each named scope (650053). Consent is not checked
    /// there: Entra would ask for it on a consent page, which MockEntra does not have, so missing
    /// consent still surfaces at redemption (65001).
    static func checkAtAuthorize(_ scope: String, client: Application, tenant: Tenant) throws(EntraError) {
        for item in ScopeParser.split(scope) where !ScopeParser.isOpenIDScope(item) {
            let (identifier, name) = ScopeParser.resourceAndName(item)
            guard let resource = tenant.resource(identifier: identifier) else {
                throw .resourceNotFound(identifier, tenantName: tenant.displayName)
            }
            if name != ".default", exposedScope(name, on: resource) == nil {
                // At /authorize Entra sends 650053 back as `invalid_client` (as quoted from an
                // OpenID Connect middleware in damienbod/AspNetCoreMicrosoftGraph#1).
                var error = EntraError.scopeNotExposed(name, resource: resource, client: client)
                error.error = "invalid_client"
                throw error
            }
        }
    }

    /// The enabled delegated scope of `resource` named `name` (case-insensitive), if it exposes one.
    private static func exposedScope(_ name: String, on resource: Application) -> PermissionScope? {
        resource.oauth2PermissionScopes.first { $0.value.lowercased() == name.lowercased() && $0.isEnabled }
    }

    /// Lowercased scope names consented for this client, resource and user, with what an agent
    /// identity inherits from its blueprint.
    static func consentedScopes(client: Application, resource: Application, user: User, tenant: Tenant) -> Set<String> {
        var scopes = AgentInheritance.scopes(client: client, resource: resource, tenant: tenant)
        for grant in tenant.oauth2PermissionGrants
        where grant.clientAppId == client.appId && grant.resourceAppId == resource.appId
            && (grant.consentType == "AllPrincipals" || grant.principalId == user.id) {
            for scope in grant.scopes { scopes.insert(scope.lowercased()) }
        }
        return scopes
    }
}
