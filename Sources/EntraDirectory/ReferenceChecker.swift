// Resolves and validates everything that points from one entity to another.

struct ReferenceChecker {
    let resolver: ReferenceResolver
    let applications: [Application]
    let users: [User]
    var groups: [Group] = []

    func application(_ reference: String, at path: JSONPath, _ diagnostics: inout Diagnostics) -> Application? {
        switch resolver.application(reference) {
        case .found(let position): return applications[position]
        case .missing:
            diagnostics.report(path, "no application or built-in resource '\(Spelling.excerpt(reference))' (use a displayName, appId or identifier URI)")
        case .ambiguous:
            diagnostics.report(path, "'\(Spelling.excerpt(reference))' names more than one application; use its appId")
        }
        return nil
    }

    func user(_ reference: String, at path: JSONPath, _ diagnostics: inout Diagnostics) -> Int? {
        switch resolver.user(reference) {
        case .found(let position): return position
        case .missing, .ambiguous:
            diagnostics.report(path, "no user '\(Spelling.excerpt(reference))' (use a userPrincipalName or id)")
            return nil
        }
    }

    func resolveRequiredResourceAccess(_ draft: DraftApplication, _ diagnostics: inout Diagnostics) -> [RequiredResourceAccess] {
        var entries: [RequiredResourceAccess] = []
        for access in draft.requiredResourceAccess {
            guard let resource = application(access.resource, at: access.path, &diagnostics) else { continue }
            for scope in access.scopes where resource.scope(named: scope.text) == nil {
                diagnostics.report(scope.path, "'\(resource.displayName)' exposes no delegated permission '\(Spelling.excerpt(scope.text))'")
            }
            for role in access.roles where resource.appRole(matching: role.text) == nil {
                diagnostics.report(role.path, "'\(resource.displayName)' has no app role '\(Spelling.excerpt(role.text))'")
            }
            entries.append(RequiredResourceAccess(resourceAppId: resource.appId, scopes: access.scopes.map(\.text),
                                                  roles: access.roles.map(\.text)))
        }
        return entries
    }

    /// Each agent user's `identityParentId` names an agent identity, and an agent identity has at
    /// most one user account (Graph's agentUser is paired 1:1 with its agent identity).
    /// `agentIdentities`: the appIds of the tenant's agent identities (resolved after this checker's
    /// applications were read).
    func linkAgentUsers(_ users: inout [DraftUser], agentIdentities: Set<String>, _ diagnostics: inout Diagnostics) {
        var owners: [String: String] = [:]   // agent appId → the user that already has it
        for index in users.indices {
            guard let parent = users[index].identityParent,
                  let agent = application(parent.text, at: parent.path, &diagnostics) else { continue }
            guard agentIdentities.contains(agent.appId) else {
                diagnostics.report(parent.path, "'\(agent.displayName)' is not an agent identity (an application with agentIdentity)")
                continue
            }
            if let other = owners[agent.appId] {
                diagnostics.report(parent.path, "'\(agent.displayName)' already has an agent user (\(other))")
                continue
            }
            owners[agent.appId] = users[index].user.userPrincipalName
            users[index].user = users[index].user.withAgentIdentity(appId: agent.appId)
        }
    }

    /// `users[].memberOf` and `groups[].members` say the same thing; both are folded into
    /// membership lists on both sides, without duplicates.
    func linkMemberships(users: inout [DraftUser], groups: inout [DraftGroup], _ diagnostics: inout Diagnostics) {
        var pairs: [(user: Int, group: Int)] = []
        for (userIndex, user) in users.enumerated() {
            for reference in user.memberOf {
                switch resolver.group(reference.text) {
                case .found(let groupIndex): pairs.append((userIndex, groupIndex))
                case .missing: diagnostics.report(reference.path, "no group '\(Spelling.excerpt(reference.text))' (use a displayName or id)")
                case .ambiguous: diagnostics.report(reference.path, "'\(Spelling.excerpt(reference.text))' names more than one group; use its id")
                }
            }
        }
        for (groupIndex, group) in groups.enumerated() {
            for reference in group.members {
                if let userIndex = user(reference.text, at: reference.path, &diagnostics) { pairs.append((userIndex, groupIndex)) }
            }
        }
        var groupIds = users.map(\.user.groupIds)
        for pair in pairs {
            let groupId = groups[pair.group].group.id
            let userId = users[pair.user].user.id
            if !groupIds[pair.user].contains(groupId) { groupIds[pair.user].append(groupId) }
            if !groups[pair.group].group.memberIds.contains(userId) { groups[pair.group].group.memberIds.append(userId) }
        }
        for index in users.indices where groupIds[index].count != users[index].user.groupIds.count {
            users[index].user = users[index].user.withGroupIds(groupIds[index])
        }
    }

    func appRoleAssignment(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> AppRoleAssignment? {
        reader.rejectUnknownKeys(allowed: ["principal", "resource", "appRole"], &diagnostics)
        let principalText = reader.string("principal", required: true, &diagnostics)
        let resourceText = reader.string("resource", required: true, &diagnostics)
        let roleText = reader.string("appRole", required: true, &diagnostics)
        guard let principalText, let resourceText, let roleText else { return nil }

        // A principal is an app (client credentials), a user, or a group (its members hold the role,
        // as Entra's group assignments give it); a UPN cannot also be an app name, but a display
        // name could name an app and a group, which is ambiguous.
        let principalPath = reader.path.key("principal")
        let asUser = resolver.user(principalText)
        let asApp = resolver.application(principalText)
        let asGroup = resolver.group(principalText)
        let principalId: String
        let memberType: String
        switch (asUser, asApp, asGroup) {
        case (.found(let userIndex), .missing, .missing):
            principalId = users[userIndex].id
            memberType = "User"
        case (.missing, .found(let appIndex), .missing):
            principalId = applications[appIndex].servicePrincipalId
            memberType = "Application"
        case (.missing, .missing, .found(let groupIndex)):
            principalId = groups[groupIndex].id
            memberType = "User"
        case (.missing, .missing, .missing):
            diagnostics.report(principalPath, "no application, user or group '\(Spelling.excerpt(principalText))'")
            return nil
        default:
            diagnostics.report(principalPath, "'\(Spelling.excerpt(principalText))' is ambiguous; use an appId, a user id or a group id")
            return nil
        }
        guard let resource = application(resourceText, at: reader.path.key("resource"), &diagnostics) else { return nil }
        guard let role = resource.appRole(matching: roleText) else {
            diagnostics.report(reader.path.key("appRole"), "'\(resource.displayName)' has no app role '\(Spelling.excerpt(roleText))'")
            return nil
        }
        guard role.allowedMemberTypes.contains(memberType) else {
            let kind = memberType == "User" ? "users" : "applications"
            diagnostics.report(reader.path.key("appRole"),
                               "app role '\(role.value)' cannot be assigned to \(kind) (allowedMemberTypes: \(role.allowedMemberTypes.joined(separator: ", ")))")
            return nil
        }
        return AppRoleAssignment(principalId: principalId, resourceAppId: resource.appId, appRoleId: role.id)
    }

    func permissionGrant(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> OAuth2PermissionGrant? {
        reader.rejectUnknownKeys(allowed: ["client", "resource", "scope", "consentType", "principal"], &diagnostics)
        let clientText = reader.string("client", required: true, &diagnostics)
        let resourceText = reader.string("resource", required: true, &diagnostics)
        let scopeText = reader.string("scope", required: true, &diagnostics)
        let consentType = reader.string("consentType", required: true, &diagnostics)
        let principalText = reader.string("principal", &diagnostics)

        var principalId: String?
        switch consentType {
        case "AllPrincipals"?:
            if principalText != nil {
                diagnostics.report(reader.path.key("principal"), "only allowed with consentType \"Principal\"")
            }
        case "Principal"?:
            if let principalText {
                principalId = user(principalText, at: reader.path.key("principal"), &diagnostics).map { users[$0].id }
                if principalId == nil { return nil }
            } else {
                diagnostics.report(reader.path.key("principal"), "required when consentType is \"Principal\"")
                return nil
            }
        case let other?:
            diagnostics.report(reader.path.key("consentType"), "must be \"AllPrincipals\" or \"Principal\", found \"\(Spelling.excerpt(other))\"")
            return nil
        case nil:
            return nil
        }
        let client = clientText.flatMap { application($0, at: reader.path.key("client"), &diagnostics) }
        let resource = resourceText.flatMap { application($0, at: reader.path.key("resource"), &diagnostics) }
        guard let client, let resource, let scopeText, let consentType else { return nil }
        let scopes = scopeText.split(whereSeparator: { $0 == " " }).map(String.init)
        if scopes.isEmpty { diagnostics.report(reader.path.key("scope"), "must name at least one scope") }
        var unknown = false
        for scope in scopes where resource.scope(named: scope) == nil {
            diagnostics.report(reader.path.key("scope"), "'\(resource.displayName)' exposes no delegated permission '\(Spelling.excerpt(scope))'")
            unknown = true
        }
        guard !unknown, !scopes.isEmpty else { return nil }
        return OAuth2PermissionGrant(clientAppId: client.appId, resourceAppId: resource.appId, scopes: scopes,
                                     consentType: consentType, principalId: principalId)
    }
}
