import EntraDirectory

/// What an agent identity inherits from its blueprint on one resource (Agent ID's inheritable
/// permissions): only what the blueprint lists as inheritable for that resource *and* holds itself,
/// by admin consent for delegated scopes or by assignment for app roles. Without a blueprint entry
/// for the resource nothing is inherited. Per-user consent to the blueprint is not inherited: Graph's
/// inherited grants of an agent identity are the blueprint's `AllPrincipals` grants only.
enum AgentInheritance {
    /// Lowercased delegated scopes inherited on `resource`; empty for a client that is no agent identity.
    static func scopes(client: Application, resource: Application, tenant: Tenant) -> Set<String> {
        guard let (blueprint, inheritance) = entry(client: client, resource: resource, tenant: tenant) else { return [] }
        var scopes: Set<String> = []
        for grant in tenant.oauth2PermissionGrants
        where grant.clientAppId == blueprint.appId && grant.resourceAppId == resource.appId && grant.consentType == "AllPrincipals" {
            for scope in grant.scopes where inheritance.scopes.allows(scope.lowercased()) { scopes.insert(scope.lowercased()) }
        }
        return scopes
    }

    /// App roles on `resource` an agent identity inherits for its app-only tokens.
    static func roles(client: Application, resource: Application, tenant: Tenant) -> [AppRole] {
        guard let (blueprint, inheritance) = entry(client: client, resource: resource, tenant: tenant) else { return [] }
        return tenant.appRoles(grantedTo: blueprint.servicePrincipalId, on: resource.appId).filter { inheritance.roles.allows($0.id) }
    }

    private static func entry(client: Application, resource: Application,
                              tenant: Tenant) -> (Application, InheritablePermission)? {
        guard let blueprintId = client.agentIdentity?.blueprintAppId, let blueprint = tenant.application(appId: blueprintId),
              let inheritance = blueprint.inheritablePermission(on: resource.appId) else { return nil }
        return (blueprint, inheritance)
    }
}
