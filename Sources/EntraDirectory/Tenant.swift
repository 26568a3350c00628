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
    /// The enabled roles assigned straight to a principal on a resource, in assignment order without
    /// repeats: what `appRoles(grantedTo:on:)` answers for any principal without groups (every app),
    /// prepared here so a token request does not scan every assignment.
    private let directRoles: [RoleGrantKey: [AppRole]]

    private struct RoleGrantKey: Hashable {
        let resourceAppId: String
        let principalId: String
    }

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

        var direct: [RoleGrantKey: [AppRole]] = [:]
        for assignment in appRoleAssignments {
            // The resource as a lookup by appId finds it, and only assignments naming its appId exactly.
            guard let position = appByAppId[assignment.resourceAppId.lowercased()] else { continue }
            let resource = applications[position]
            guard resource.appId == assignment.resourceAppId,
                  let role = resource.appRoles.first(where: { $0.id == assignment.appRoleId }), role.isEnabled else { continue }
            let key = RoleGrantKey(resourceAppId: resource.appId, principalId: assignment.principalId)
            if direct[key]?.contains(where: { $0.id == role.id }) == true { continue }
            direct[key, default: []].append(role)
        }
        directRoles = direct
    }

    /// The lookup key of an id or name: lower case. Ids usually arrive in lower case already, and
    /// then no copy is made (each copy of a GUID is a heap allocation, several per token request).
    public static func lookupKey(_ text: String) -> String {
        var bytes = text  // withUTF8 reads the bytes in place (iterating the UTF-8 view cost 3x more)
        let lowerAlready = bytes.withUTF8 { utf8 in
            for byte in utf8 where byte &- UInt8(ascii: "A") < 26 || byte >= 0x80 { return false }
            return true
        }
        return lowerAlready ? text : text.lowercased()
    }

    /// The application (declared or built-in) with this appId, any case.
    public func application(appId: String) -> Application? {
        appByAppId[Self.lookupKey(appId)].map { applications[$0] }
    }

    /// The resource named by an appId GUID or an identifier URI. URIs match exactly, else
    /// case-insensitively on scheme and host and ignoring one trailing slash
    /// (`https://database.windows.net` finds `https://database.windows.net/`). The caller keeps the
    /// string its client sent (v1 tokens echo it in `aud`).
    public func resource(identifier: String) -> Application? {
        if let position = appByAppId[Self.lookupKey(identifier)] { return applications[position] }
        if let position = appByExactIdentifierUri[identifier] { return applications[position] }
        return appByNormalizedIdentifierUri[IdentifierURI.normalized(identifier)].map { applications[$0] }
    }

    public func application(servicePrincipalId: String) -> Application? {
        appByServicePrincipalId[Self.lookupKey(servicePrincipalId)].map { applications[$0] }
    }

    public func user(id: String) -> User? {
        userById[Self.lookupKey(id)].map { users[$0] }
    }

    public func user(userPrincipalName: String) -> User? {
        userByUPN[Self.lookupKey(userPrincipalName)].map { users[$0] }
    }

    public func group(id: String) -> Group? {
        groupById[Self.lookupKey(id)].map { groups[$0] }
    }

    /// The enabled app roles on `resourceAppId` assigned to `principalId` (an app's service principal
    /// id or a user's id) directly or, for a user, through one of the user's groups.
    public func appRoles(grantedTo principalId: String, on resourceAppId: String) -> [AppRole] {
        guard let resource = application(appId: resourceAppId) else { return [] }
        let principal = Self.lookupKey(principalId)
        guard let user = user(id: principalId), !user.groupIds.isEmpty else {
            return directRoles[RoleGrantKey(resourceAppId: resource.appId, principalId: principal)] ?? []
        }
        // A user with groups: assignments to the user and to each group, interleaved in assignment order.
        var principals: Set<String> = [principal]
        principals.formUnion(user.groupIds)
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
