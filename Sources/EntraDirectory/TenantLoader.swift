// Builds one tenant: its header, entities, uniqueness rules, then every cross-reference.

struct TenantLoader {
    static let collectionKeys = ["applications", "users", "groups", "appRoleAssignments", "oauth2PermissionGrants",
                                 "namedLocations", "conditionalAccessPolicies"]

    let baseDirectory: String

    /// `header` is the `tenant` object; `collections` is the object holding `applications`, `users`, ….
    func load(header: ObjectReader, collections: ObjectReader, _ diagnostics: inout Diagnostics) -> Tenant? {
        header.rejectUnknownKeys(allowed: ["id", "displayName", "defaultDomain", "domains"], &diagnostics)
        let explicitId = header.guid("id", &diagnostics)
        let displayName = header.string("displayName", &diagnostics)
        guard let defaultDomain = header.string("defaultDomain", required: true, &diagnostics),
              checkDomain(defaultDomain, at: header.path.key("defaultDomain"), &diagnostics) else { return nil }
        var domains = [defaultDomain.lowercased()]
        for domain in header.strings("domains", &diagnostics)
        where checkDomain(domain.text, at: domain.path, &diagnostics) && !domains.contains(domain.text.lowercased()) {
            domains.append(domain.text.lowercased())
        }
        let tenantId = explicitId ?? DerivedIDs.tenant(defaultDomain: defaultDomain)

        // Entities.
        let appParser = ApplicationParser(tenantId: tenantId, baseDirectory: baseDirectory)
        var drafts = collections.objects("applications", &diagnostics).compactMap { appParser.parse($0, &diagnostics) }
        let principalParser = PrincipalParser(tenantId: tenantId, domains: domains)
        var draftUsers = collections.objects("users", &diagnostics).compactMap { principalParser.parseUser($0, &diagnostics) }
        var draftGroups = collections.objects("groups", &diagnostics).compactMap { principalParser.parseGroup($0, &diagnostics) }

        // Uniqueness, against the built-ins too.
        let builtIns = BuiltInResources.applications(tenantId: tenantId)
        checkApplicationUniqueness(drafts, builtIns: builtIns, &diagnostics)
        checkUnique(draftUsers.map { ($0.user.userPrincipalName.lowercased(), $0.path.key("userPrincipalName")) },
                    what: "userPrincipalName", &diagnostics)
        checkUnique(draftUsers.map { ($0.user.id, $0.path.key("id")) }, what: "user id", &diagnostics)
        checkUnique(draftGroups.map { ($0.group.displayName.lowercased(), $0.path.key("displayName")) },
                    what: "group displayName", &diagnostics)
        checkUnique(draftGroups.map { ($0.group.id, $0.path.key("id")) }, what: "group id", &diagnostics)

        // References.
        let applications = drafts.map(\.application) + builtIns
        var aliases: [Int: [String]] = [:]
        for (offset, resource) in BuiltInResources.catalogue.enumerated() { aliases[drafts.count + offset] = resource.aliases }
        let resolver = ReferenceResolver(applications: applications, aliases: aliases,
                                         users: draftUsers.map(\.user), groups: draftGroups.map(\.group))
        let references = ReferenceChecker(resolver: resolver, applications: applications, users: draftUsers.map(\.user),
                                          groups: draftGroups.map(\.group))
        for index in drafts.indices {
            let access = references.resolveRequiredResourceAccess(drafts[index], &diagnostics)
            drafts[index].application = drafts[index].application.withRequiredResourceAccess(access)
        }
        // Applications some agent names as its blueprint (whether or not it may be one), and whether
        // a blueprint reference failed: only a blueprint has inheritablePermissions.
        var namedBlueprints: Set<String> = []
        var unresolvedBlueprint = false
        for index in drafts.indices {
            guard let reference = drafts[index].agentBlueprint else { continue }
            guard let blueprint = references.application(reference.text, at: reference.path, &diagnostics) else {
                unresolvedBlueprint = true
                continue
            }
            namedBlueprints.insert(blueprint.appId)
            let problem: String? =
                blueprint.isBuiltIn ? "is a built-in resource"
                : drafts.first(where: { $0.application.appId == blueprint.appId })?.agentBlueprint != nil ? "is an agent identity itself"
                : blueprint.managedIdentity != nil ? "is a managed identity"
                : !blueprint.hasCredential ? "has no credential (a secret, certificate or federated credential) to obtain its agents' tokens with" : nil
            if let problem {
                diagnostics.report(reference.path, "'\(blueprint.displayName)' cannot be an agent identity blueprint: it \(problem)")
                continue
            }
            drafts[index].application = drafts[index].application.withAgentBlueprint(blueprint, tenantId: tenantId)
        }
        // Only a blueprint has inheritablePermissions (Graph keeps them on agentIdentityBlueprint).
        // After a blueprint reference that failed, which app was meant is unknown: no second problem.
        for index in drafts.indices {
            guard let entries = drafts[index].inheritablePermissions else { continue }
            guard namedBlueprints.contains(drafts[index].application.appId) else {
                if !unresolvedBlueprint {
                    diagnostics.report(drafts[index].path.key("inheritablePermissions"),
                                       "only an agent identity blueprint (an application some agentIdentity names) has inheritablePermissions")
                }
                continue
            }
            let inheritable = references.resolveInheritablePermissions(entries, &diagnostics)
            drafts[index].application = drafts[index].application.withInheritablePermissions(inheritable)
        }
        let agentIdentities = Set(drafts.filter { $0.agentBlueprint != nil }.map(\.application.appId))
        references.linkAgentUsers(&draftUsers, agentIdentities: agentIdentities, &diagnostics)
        references.linkMemberships(users: &draftUsers, groups: &draftGroups, &diagnostics)
        let assignments = collections.objects("appRoleAssignments", &diagnostics).compactMap {
            references.appRoleAssignment($0, &diagnostics)
        }
        let grants = collections.objects("oauth2PermissionGrants", &diagnostics).compactMap {
            references.permissionGrant($0, &diagnostics)
        }

        let conditionalAccess = ConditionalAccessParser(tenantId: tenantId, references: references, resolver: resolver,
                                                        groups: draftGroups.map(\.group), agentIdentities: agentIdentities)
        let namedLocations = conditionalAccess.namedLocations(collections.objects("namedLocations", &diagnostics), &diagnostics)
        let policies = conditionalAccess.policies(collections.objects("conditionalAccessPolicies", &diagnostics),
                                                  locations: namedLocations, &diagnostics)

        return Tenant(
            id: tenantId, displayName: displayName ?? defaultDomain, defaultDomain: defaultDomain.lowercased(),
            domains: domains, applications: drafts.map(\.application) + builtIns, users: draftUsers.map(\.user),
            groups: draftGroups.map(\.group), appRoleAssignments: assignments, oauth2PermissionGrants: grants,
            conditionalAccessPolicies: policies, namedLocations: namedLocations)
    }

    /// A DNS name: letters, digits, hyphens and dots, no empty label.
    private func checkDomain(_ domain: String, at path: JSONPath, _ diagnostics: inout Diagnostics) -> Bool {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let valid = domain.utf8.count <= 253 && !labels.isEmpty && labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D
            }
        }
        if !valid { diagnostics.report(path, "'\(Spelling.excerpt(domain))' is not a domain name") }
        return valid
    }

    private func checkApplicationUniqueness(_ drafts: [DraftApplication], builtIns: [Application], _ diagnostics: inout Diagnostics) {
        var names: [String: String] = [:]   // display name → who has it
        var appIds: [String: String] = [:]
        var uris: [String: String] = [:]
        for (offset, builtIn) in builtIns.enumerated() {
            let owner = "the built-in '\(builtIn.displayName)'"
            for name in [builtIn.displayName] + BuiltInResources.catalogue[offset].aliases { names[name.lowercased()] = owner }
            appIds[builtIn.appId] = owner
            for uri in builtIn.identifierUris { uris[IdentifierURI.normalized(uri)] = owner }
        }
        for draft in drafts {
            let app = draft.application
            let owner = draft.path.text
            var duplicateName = false
            if !app.displayName.isEmpty {
                if let other = names[app.displayName.lowercased()] {
                    diagnostics.report(draft.path.key("displayName"), "duplicate displayName '\(Spelling.excerpt(app.displayName))' (also \(other))")
                    duplicateName = true
                } else {
                    names[app.displayName.lowercased()] = owner
                }
            }
            if let other = appIds[app.appId] {
                if draft.appIdWasGiven || !duplicateName {
                    diagnostics.report(draft.path.key("appId"), "appId \(app.appId) collides with \(other)")
                }
            } else {
                appIds[app.appId] = owner
            }
            for (uri, path) in zip(app.identifierUris, draft.identifierUriPaths) {
                let key = IdentifierURI.normalized(uri)
                if let other = uris[key] {
                    diagnostics.report(path, "duplicate identifier URI '\(Spelling.excerpt(uri))' (also \(other))")
                } else {
                    uris[key] = owner
                }
            }
        }
    }

    private func checkUnique(_ entries: [(key: String, path: JSONPath)], what: String, _ diagnostics: inout Diagnostics) {
        var seen: [String: JSONPath] = [:]
        for entry in entries {
            if let first = seen[entry.key] {
                diagnostics.report(entry.path, "duplicate \(what) '\(Spelling.excerpt(entry.key))' (also \(first))")
            } else {
                seen[entry.key] = entry.path
            }
        }
    }
}
