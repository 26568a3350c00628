// A tenant and its indexed lookups. Lookups run on every token request, so they are dictionary
// reads prepared once at load time, never scans. A class: a tenant is immutable and is handed around
// on every request, so passing it costs one reference count instead of one per stored collection.

public final class Tenant: Sendable {
    public let id: String
    public let displayName: String
    public let defaultDomain: String
    public let domains: [String]
    /// Declared applications first, then the built-in Microsoft resources.
    public let applications: [Application]
    public let users: [User]
    public let groups: [Group]
    public let appRoleAssignments: [AppRoleAssignment]
    public let oauth2PermissionGrants: [OAuth2PermissionGrant]
    public let conditionalAccessPolicies: [ConditionalAccessPolicy]
    public let namedLocations: [NamedLocation]

    private let appByAppId: [String: Int]
    private let appByServicePrincipalId: [String: Int]
    private let appByExactIdentifierUri: [String: Int]
    private let appByNormalizedIdentifierUri: [String: Int]
    private let userById: [String: Int]
    private let userByUPN: [String: Int]
    private let groupById: [String: Int]

    public init(
        id: String, displayName: String, defaultDomain: String, domains: [String], applications: [Application],
        users: [User], groups: [Group], appRoleAssignments: [AppRoleAssignment],
        oauth2PermissionGrants: [OAuth2PermissionGrant], conditionalAccessPolicies: [ConditionalAccessPolicy] = [],
        namedLocations: [NamedLocation] = []
    ) {
        self.id = id
        self.displayName = displayName
        self.defaultDomain = defaultDomain
        self.domains = domains
        self.applications = applications
        self.users = users
        self.groups = groups
        self.appRoleAssignments = appRoleAssignments
        self.oauth2PermissionGrants = oauth2PermissionGrants
        self.conditionalAccessPolicies = conditionalAccessPolicies
        self.namedLocations = namedLocations

        // The first entry wins on a clash; the loader rejects clashes, so this only matters for
        // directories built by hand.
        func index<T>(_ items: [T], keys: (T) -> [String]) -> [String: Int] {
            var result: [String: Int] = [:]
            for (position, item) in items.enumerated() {
                for key in keys(item) where result[key] == nil { result[key] = position }
            }
            return result
        }
        appByAppId = index(applications) { [$0.appId.lowercased()] }
        appByServicePrincipalId = index(applications) { [$0.servicePrincipalId.lowercased()] }
        appByExactIdentifierUri = index(applications) { $0.identifierUris }
        appByNormalizedIdentifierUri = index(applications) { $0.identifierUris.map(IdentifierURI.normalized) }
        userById = index(users) { [$0.id.lowercased()] }
        userByUPN = index(users) { [$0.userPrincipalName.lowercased()] }
        groupById = index(groups) { [$0.id.lowercased()] }
    }

    /// The application (declared or built-in) with this appId, any case.
    public func application(appId: String) -> Application? {
        appByAppId[appId.lowercased()].map { applications[$0] }
    }

    /// The resource named by an appId GUID or an identifier URI. URIs match exactly, else
    /// case-insensitively on scheme and host and ignoring one trailing slash
    /// (`https://database.windows.net` finds `https://database.windows.net/`). The caller keeps the
    /// string its client sent (v1 tokens echo it in `aud`).
    public func resource(identifier: String) -> Application? {
        if let position = appByAppId[identifier.lowercased()] { return applications[position] }
        if let position = appByExactIdentifierUri[identifier] { return applications[position] }
        return appByNormalizedIdentifierUri[IdentifierURI.normalized(identifier)].map { applications[$0] }
    }

    public func application(servicePrincipalId: String) -> Application? {
        appByServicePrincipalId[servicePrincipalId.lowercased()].map { applications[$0] }
    }

    public func user(id: String) -> User? {
        userById[id.lowercased()].map { users[$0] }
    }

    public func user(userPrincipalName: String) -> User? {
        userByUPN[userPrincipalName.lowercased()].map { users[$0] }
    }

    public func group(id: String) -> Group? {
        groupById[id.lowercased()].map { groups[$0] }
    }

    /// The enabled app roles on `resourceAppId` assigned to `principalId` (an app's service principal
    /// id or a user's id) directly or, for a user, through one of the user's groups.
    public func appRoles(grantedTo principalId: String, on resourceAppId: String) -> [AppRole] {
        guard let resource = application(appId: resourceAppId) else { return [] }
        var principals: Set<String> = [principalId.lowercased()]
        if let user = user(id: principalId) { principals.formUnion(user.groupIds) }
        var seen: Set<String> = []
        var roles: [AppRole] = []
        for assignment in appRoleAssignments
        where assignment.resourceAppId == resource.appId && principals.contains(assignment.principalId) {
            guard let role = resource.appRoles.first(where: { $0.id == assignment.appRoleId }), role.isEnabled,
                  seen.insert(role.id).inserted else { continue }
            roles.append(role)
        }
        return roles
    }
}
