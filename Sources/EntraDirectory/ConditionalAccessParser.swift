// Reads `namedLocations[i]` and `conditionalAccessPolicies[i]`, resolving every reference (users,
// groups, applications, locations) to an id. Runs after users, groups and applications are known.

struct ConditionalAccessParser {
    static let policyKeys = ["id", "displayName", "state", "conditions", "grantControls", "sessionControls"]
    static let namedLocationKeys = ["id", "displayName", "ipRanges", "isTrusted"]

    let tenantId: String
    let references: ReferenceChecker
    let resolver: ReferenceResolver
    let groups: [Group]
    /// The appIds of the tenant's agent identities (`clientApplications` lists them apart).
    let agentIdentities: Set<String>

    // MARK: Named locations

    /// Entra's limits on IP named locations (learn.microsoft.com, "Network location"): at most 195
    /// of them, at most 2000 ranges in each, and "only CIDR masks greater than /8" — a /8 or broader
    /// range is refused. Private and loopback ranges are allowed here, unlike in Entra, so that local
    /// tests can stand in for an office network.
    static let maximumNamedLocations = 195
    static let maximumRangesPerLocation = 2000
    static let broadestPrefixLength = 8

    func namedLocations(_ readers: [ObjectReader], _ diagnostics: inout Diagnostics) -> [NamedLocation] {
        if readers.count > Self.maximumNamedLocations {
            diagnostics.report(readers[Self.maximumNamedLocations].path,
                               "one named location too many: Entra allows at most \(Self.maximumNamedLocations)")
        }
        var result: [NamedLocation] = []
        var names: [String: JSONPath] = [:]
        var ids: [String: JSONPath] = [:]
        for reader in readers {
            reader.rejectUnknownKeys(allowed: Self.namedLocationKeys, &diagnostics)
            let id = reader.guid("id", &diagnostics)
            let isTrusted = reader.bool("isTrusted", &diagnostics) ?? false
            var ranges: [IPRange] = []
            let elements = reader.objects("ipRanges", &diagnostics)
            if elements.isEmpty { diagnostics.report(reader.path.key("ipRanges"), "must list at least one IP range") }
            if elements.count > Self.maximumRangesPerLocation {
                diagnostics.report(reader.path.key("ipRanges"), "lists \(elements.count) IP ranges; Entra allows at most \(Self.maximumRangesPerLocation) per named location")
            }
            for range in elements {
                range.rejectUnknownKeys(allowed: ["cidrAddress", "@odata.type"], &diagnostics)
                _ = range.string("@odata.type", &diagnostics)
                guard let text = range.string("cidrAddress", required: true, &diagnostics) else { continue }
                switch IPRange.parse(text) {
                case .success(let parsed) where parsed.prefixLength <= Self.broadestPrefixLength:
                    diagnostics.report(range.path.key("cidrAddress"),
                                       "'\(Spelling.excerpt(text))' is too broad: Entra allows only CIDR masks longer than /\(Self.broadestPrefixLength)")
                case .success(let parsed): ranges.append(parsed)
                case .failure(let error): diagnostics.report(range.path.key("cidrAddress"), error.reason)
                }
            }
            guard let displayName = reader.string("displayName", required: true, &diagnostics) else { continue }
            if let first = names[displayName.lowercased()] {
                diagnostics.report(reader.path.key("displayName"), "duplicate named location '\(Spelling.excerpt(displayName))' (also \(first))")
                continue
            }
            let locationId = id ?? DerivedIDs.namedLocation(tenantId: tenantId, displayName: displayName)
            if let first = ids[locationId] {
                diagnostics.report(reader.path.key("id"), "duplicate named location id '\(locationId)' (also \(first))")
                continue
            }
            names[displayName.lowercased()] = reader.path
            ids[locationId] = reader.path
            result.append(NamedLocation(id: locationId, displayName: displayName, ipRanges: ranges, isTrusted: isTrusted))
        }
        return result
    }

    // MARK: Policies

    func policies(_ readers: [ObjectReader], locations: [NamedLocation], _ diagnostics: inout Diagnostics) -> [ConditionalAccessPolicy] {
        var result: [ConditionalAccessPolicy] = []
        var names: [String: JSONPath] = [:]
        var ids: [String: JSONPath] = [:]
        for reader in readers {
            guard let policy = policy(reader, locations: locations, &diagnostics) else { continue }
            if let first = names[policy.displayName.lowercased()] {
                diagnostics.report(reader.path.key("displayName"), "duplicate policy displayName '\(Spelling.excerpt(policy.displayName))' (also \(first))")
                continue
            }
            if let first = ids[policy.id] {
                diagnostics.report(reader.path.key("id"), "duplicate policy id '\(policy.id)' (also \(first))")
                continue
            }
            names[policy.displayName.lowercased()] = reader.path
            ids[policy.id] = reader.path
            result.append(policy)
        }
        return result
    }

    private func policy(_ reader: ObjectReader, locations: [NamedLocation], _ diagnostics: inout Diagnostics) -> ConditionalAccessPolicy? {
        reader.rejectUnknownKeys(allowed: Self.policyKeys, &diagnostics)
        let before = diagnostics.problems.count
        let id = reader.guid("id", &diagnostics)
        let displayName = reader.string("displayName", required: true, &diagnostics)
        let state = reader.enumValue("state", ConditionalAccessPolicy.State.self, required: true, &diagnostics)

        var users = ConditionalAccessPolicy.Users()
        var clientApplications: ConditionalAccessPolicy.ClientApplications?
        var servicePrincipalRisk: [RiskLevel] = []
        var agentRisk: [RiskLevel] = []
        var applications = ConditionalAccessPolicy.Applications()
        var clientAppTypes: [ConditionalAccessPolicy.ClientAppType] = []
        var locationCondition: ConditionalAccessPolicy.Locations?
        var signInRisk: [RiskLevel] = []
        var userRisk: [RiskLevel] = []
        // Decided by the key, not by whether it read well, so a mistyped one brings no second problem.
        var isWorkloadPolicy = false
        if let conditions = reader.object("conditions", required: true, &diagnostics) {
            conditions.rejectUnknownKeys(allowed: ["users", "applications", "clientAppTypes", "locations",
                                                   "signInRiskLevels", "userRiskLevels", "clientApplications",
                                                   "servicePrincipalRiskLevels", "agentIdRiskLevels"], &diagnostics)
            isWorkloadPolicy = conditions.has("clientApplications")
            if let object = conditions.object("clientApplications", &diagnostics) {
                clientApplications = self.clientApplications(object, &diagnostics)
            }
            if isWorkloadPolicy {
                // A workload policy may carry `users: { includeUsers: ["None"] }`, as Graph writes it.
                if let object = conditions.object("users", &diagnostics),
                   object.present("includeUsers") != .array([.string("None")]) || object.fields.count != 1 {
                    diagnostics.report(object.path, "a policy targets users or client applications, not both (leave users out, or give includeUsers [\"None\"] alone)")
                }
                for key in ["signInRiskLevels", "userRiskLevels", "clientAppTypes"] where conditions.has(key) {
                    diagnostics.report(conditions.path.key(key), "applies to users, not to client applications")
                }
            } else {
                if let object = conditions.object("users", required: true, &diagnostics) { users = self.users(object, &diagnostics) }
                for key in ["servicePrincipalRiskLevels", "agentIdRiskLevels"] where conditions.has(key) {
                    diagnostics.report(conditions.path.key(key), "applies to client applications: give clientApplications")
                }
            }
            // Graph's types: `servicePrincipalRiskLevels` is a collection, `agentIdRiskLevels` a
            // multivalued enum, which Graph writes as one comma-separated string.
            servicePrincipalRisk = riskLevels("servicePrincipalRiskLevels", in: conditions, commaSeparated: false, &diagnostics)
            agentRisk = riskLevels("agentIdRiskLevels", in: conditions, commaSeparated: true, &diagnostics)
            if let object = conditions.object("applications", required: true, &diagnostics) {
                applications = self.applications(object, &diagnostics)
                if isWorkloadPolicy, object.has("includeAuthenticationContextClassReferences") {
                    diagnostics.report(object.path.key("includeAuthenticationContextClassReferences"),
                                       "a policy for client applications targets resources: an authentication context is a user's")
                }
            }
            clientAppTypes = conditions.enumList("clientAppTypes", ConditionalAccessPolicy.ClientAppType.self, &diagnostics)
            if let object = conditions.object("locations", &diagnostics) {
                locationCondition = self.locations(object, known: locations, &diagnostics)
            }
            signInRisk = conditions.enumList("signInRiskLevels", RiskLevel.self, &diagnostics)
            userRisk = conditions.enumList("userRiskLevels", RiskLevel.self, &diagnostics)
        }

        var grantOperator = ConditionalAccessPolicy.GrantOperator.or
        var controls: [ConditionalAccessPolicy.GrantControl] = []
        if let grant = reader.object("grantControls", required: true, &diagnostics) {
            grant.rejectUnknownKeys(allowed: ["operator", "builtInControls"], &diagnostics)
            grantOperator = grant.enumValue("operator", ConditionalAccessPolicy.GrantOperator.self, required: true, &diagnostics) ?? .or
            controls = grant.enumList("builtInControls", ConditionalAccessPolicy.GrantControl.self, &diagnostics)
            if controls.isEmpty, grant.has("operator") {
                diagnostics.report(grant.path.key("builtInControls"), "must name at least one control (mfa, block, compliantDevice)")
            }
            if controls.contains(.block), controls.count > 1 {
                diagnostics.report(grant.path.key("builtInControls"), "'block' cannot be combined with other controls")
            }
        }
        let frequency = reader.object("sessionControls", &diagnostics).flatMap { signInFrequency($0, &diagnostics) }
        // Workload identities cannot perform MFA or bring a device: block is their only control.
        if isWorkloadPolicy {
            if controls.contains(where: { $0 != .block }) {
                diagnostics.report(reader.path.key("grantControls").key("builtInControls"), "a policy for client applications can only block")
            }
            if reader.has("sessionControls") {
                diagnostics.report(reader.path.key("sessionControls"), "a policy for client applications has no session controls")
            }
        }

        guard diagnostics.problems.count == before, let displayName, let state else { return nil }
        return ConditionalAccessPolicy(
            id: id ?? DerivedIDs.conditionalAccessPolicy(tenantId: tenantId, displayName: displayName),
            displayName: displayName, state: state, users: users, applications: applications,
            clientAppTypes: clientAppTypes, locations: locationCondition, signInRiskLevels: signInRisk,
            userRiskLevels: userRisk, grantOperator: grantOperator, builtInControls: controls, signInFrequency: frequency,
            clientApplications: clientApplications, servicePrincipalRiskLevels: servicePrincipalRisk, agentIdRiskLevels: agentRisk)
    }

    /// `clientApplications`: service principals (`ServicePrincipalsInMyTenant` or applications of the
    /// scenario with a credential) and agent identities (`All` or agent identities), each list only
    /// its own kind. Managed identities and Microsoft's own applications are not covered, as in
    /// Conditional Access for workload identities.
    private func clientApplications(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> ConditionalAccessPolicy.ClientApplications {
        reader.rejectUnknownKeys(allowed: ["includeServicePrincipals", "excludeServicePrincipals",
                                           "includeAgentIdServicePrincipals", "excludeAgentIdServicePrincipals"], &diagnostics)
        var result = ConditionalAccessPolicy.ClientApplications()
        func resolve(_ entries: [(text: String, path: JSONPath)], agents: Bool) -> [String] {
            entries.compactMap { entry in
                guard let app = references.application(entry.text, at: entry.path, &diagnostics) else { return nil }
                let isAgent = agentIdentities.contains(app.appId)
                let problem = app.isBuiltIn ? "is a Microsoft application, which Conditional Access for workload identities does not cover"
                    : app.managedIdentity != nil ? "is a managed identity, which Conditional Access for workload identities does not cover"
                    : agents && !isAgent ? "is not an agent identity (list it in includeServicePrincipals)"
                    : !agents && isAgent ? "is an agent identity (list it in includeAgentIdServicePrincipals)"
                    : !agents && !app.hasCredential ? "has no credential: it never gets a token as itself" : nil
                if let problem {
                    diagnostics.report(entry.path, "'\(app.displayName)' \(problem)")
                    return nil
                }
                return app.appId
            }
        }
        let servicePrincipals = includeList("includeServicePrincipals", in: reader, specials: ["ServicePrincipalsInMyTenant"], &diagnostics)
        result.includeAllServicePrincipals = servicePrincipals.special == "ServicePrincipalsInMyTenant"
        result.includeServicePrincipals = resolve(servicePrincipals.references, agents: false)
        result.excludeServicePrincipals = resolve(reader.strings("excludeServicePrincipals", &diagnostics), agents: false)
        let agents = includeList("includeAgentIdServicePrincipals", in: reader, specials: ["All"], &diagnostics)
        result.includeAllAgentIdentities = agents.special == "All"
        result.includeAgentIdentities = resolve(agents.references, agents: true)
        result.excludeAgentIdentities = resolve(reader.strings("excludeAgentIdServicePrincipals", &diagnostics), agents: true)
        if servicePrincipals.isEmpty, agents.isEmpty {
            diagnostics.report(reader.path, "give includeServicePrincipals or includeAgentIdServicePrincipals")
        }
        for key in ["includeServicePrincipals", "includeAgentIdServicePrincipals"]
        where reader.present(key)?.arrayValue?.isEmpty == true && !(servicePrincipals.isEmpty && agents.isEmpty) {
            diagnostics.report(reader.path.key(key), "lists nothing: leave it out")
        }
        return result
    }

    /// A workload's risk condition, `low`, `medium` or `high`: an array, or for a multivalued enum
    /// one comma-separated string (`"medium,high"`).
    private func riskLevels(_ key: String, in reader: ObjectReader, commaSeparated: Bool, _ diagnostics: inout Diagnostics) -> [RiskLevel] {
        guard reader.has(key) else { return [] }
        let names: [(text: String, path: JSONPath)]
        if commaSeparated {
            names = (reader.string(key, &diagnostics) ?? "").split(separator: ",", omittingEmptySubsequences: false)
                .map { (String($0), reader.path.key(key)) }
        } else {
            names = reader.strings(key, &diagnostics)
        }
        if names.isEmpty { diagnostics.report(reader.path.key(key), "must name at least one risk level (low, medium, high)") }
        var levels: [RiskLevel] = []
        for name in names {
            guard let level = RiskLevel(rawValue: name.text), level != .none else {
                diagnostics.report(name.path, "'\(Spelling.excerpt(name.text))' is not a risk level (low, medium, high)")
                continue
            }
            if !levels.contains(level) { levels.append(level) }
        }
        return levels
    }

    private func users(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> ConditionalAccessPolicy.Users {
        reader.rejectUnknownKeys(allowed: ["includeUsers", "excludeUsers", "includeGroups", "excludeGroups"], &diagnostics)
        var result = ConditionalAccessPolicy.Users()
        let include = includeList("includeUsers", in: reader, specials: ["All", "None", "AllAgentIdUsers"], &diagnostics)
        result.includeAllUsers = include.special == "All"
        result.includeAllAgentUsers = include.special == "AllAgentIdUsers"
        result.includeUsers = userIds(include.references, &diagnostics)
        result.excludeUsers = userIds(reader.strings("excludeUsers", &diagnostics), &diagnostics)
        result.includeGroups = groupIds(reader.strings("includeGroups", &diagnostics), &diagnostics)
        result.excludeGroups = groupIds(reader.strings("excludeGroups", &diagnostics), &diagnostics)
        if include.isEmpty, result.includeGroups.isEmpty {
            diagnostics.report(reader.path, "give includeUsers (\"All\", \"None\" or users) or includeGroups")
        }
        return result
    }

    private func applications(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> ConditionalAccessPolicy.Applications {
        reader.rejectUnknownKeys(allowed: ["includeApplications", "excludeApplications",
                                           "includeAuthenticationContextClassReferences"], &diagnostics)
        var result = ConditionalAccessPolicy.Applications()
        let include = includeList("includeApplications", in: reader, &diagnostics)
        result.includeAllApplications = include.special == "All"
        result.includeApplications = appIds(include.references, &diagnostics)
        result.excludeApplications = appIds(reader.strings("excludeApplications", &diagnostics), &diagnostics)
        let contexts = reader.strings("includeAuthenticationContextClassReferences", &diagnostics)
        for context in contexts where !Self.isAuthenticationContext(context.text) {
            diagnostics.report(context.path, "'\(Spelling.excerpt(context.text))' is not an authentication context (c1 to c25)")
        }
        result.includeAuthenticationContextClassReferences = contexts.map(\.text)
        if include.isEmpty && contexts.isEmpty {
            diagnostics.report(reader.path, "give includeApplications (\"All\", \"None\" or applications) or includeAuthenticationContextClassReferences")
        } else if !contexts.isEmpty && (!include.isEmpty || !result.excludeApplications.isEmpty) {
            // Excluded applications count too: a context policy never looks at applications.
            diagnostics.report(reader.path, "a policy targets applications or authentication contexts, not both")
        }
        return result
    }

    /// `includeUsers`, `includeApplications`, …: a special value ("All", "None", …) alone, or
    /// references. `isEmpty` when nothing at all was given.
    private func includeList(_ key: String, in reader: ObjectReader, specials: [String] = ["All", "None"],
                             _ diagnostics: inout Diagnostics)
        -> (special: String?, references: [(text: String, path: JSONPath)], isEmpty: Bool) {
        let entries = reader.strings(key, &diagnostics)
        let isSpecial = { (entry: (text: String, path: JSONPath)) in specials.contains(entry.text) }
        let special = entries.first(where: isSpecial)
        if let special, entries.count > 1 {
            diagnostics.report(reader.path.key(key), "'\(special.text)' must be the only entry")
        }
        return (special?.text, entries.filter { !isSpecial($0) }, entries.isEmpty)
    }

    /// `c1` … `c25`, lower-case as Entra writes them in `acrs`.
    static func isAuthenticationContext(_ text: String) -> Bool {
        guard text.hasPrefix("c"), let number = Int(text.dropFirst()), String(number) == text.dropFirst() else { return false }
        return (1...25).contains(number)
    }

    private func locations(_ reader: ObjectReader, known: [NamedLocation], _ diagnostics: inout Diagnostics) -> ConditionalAccessPolicy.Locations {
        reader.rejectUnknownKeys(allowed: ["includeLocations", "excludeLocations"], &diagnostics)
        func resolve(_ key: String) -> [String] {
            reader.strings(key, &diagnostics).compactMap { entry in
                if entry.text == "All" || entry.text == "AllTrusted" { return entry.text }
                let guid = GUID.normalized(entry.text)
                let matches = known.filter { $0.id == guid || $0.displayName.lowercased() == entry.text.lowercased() }
                guard matches.count == 1 else {
                    diagnostics.report(entry.path, "no named location '\(Spelling.excerpt(entry.text))' (use \"All\", \"AllTrusted\", or a named location's displayName or id)")
                    return nil
                }
                return matches[0].id
            }
        }
        let include = resolve("includeLocations")
        if include.isEmpty { diagnostics.report(reader.path.key("includeLocations"), "must name at least one location") }
        return ConditionalAccessPolicy.Locations(includeLocations: include, excludeLocations: resolve("excludeLocations"))
    }

    private func signInFrequency(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> Double? {
        reader.rejectUnknownKeys(allowed: ["signInFrequency"], &diagnostics)
        guard let frequency = reader.object("signInFrequency", &diagnostics) else { return nil }
        frequency.rejectUnknownKeys(allowed: ["isEnabled", "value", "type"], &diagnostics)
        let enabled = frequency.bool("isEnabled", &diagnostics) ?? true
        // Graph writes a switched-off frequency as `{ isEnabled: false }` with no value or type.
        let type = frequency.string("type", required: enabled, &diagnostics)
        var value: Int?
        if let raw = frequency.present("value") {
            if case .number(let number) = raw, number >= 1, number == number.rounded(), number <= 8760 {
                value = Int(number)
            } else {
                diagnostics.report(frequency.path.key("value"), "expected a whole number of hours or days (at least 1)")
            }
        } else if enabled {
            diagnostics.report(frequency.path.key("value"), "required property is missing")
        }
        let unit: Double
        switch type {
        case "hours"?: unit = 3600
        case "days"?: unit = 86400
        case let other?:
            diagnostics.report(frequency.path.key("type"), "must be \"hours\" or \"days\", found \"\(Spelling.excerpt(other))\"")
            return nil
        case nil: return nil
        }
        guard enabled, let value else { return nil }
        return Double(value) * unit
    }

    // MARK: Helpers

    private func userIds(_ entries: [(text: String, path: JSONPath)], _ diagnostics: inout Diagnostics) -> [String] {
        entries.compactMap { references.user($0.text, at: $0.path, &diagnostics).map { references.users[$0].id } }
    }

    private func groupIds(_ entries: [(text: String, path: JSONPath)], _ diagnostics: inout Diagnostics) -> [String] {
        entries.compactMap { entry in
            switch resolver.group(entry.text) {
            case .found(let index): return groups[index].id
            case .missing: diagnostics.report(entry.path, "no group '\(Spelling.excerpt(entry.text))' (use a displayName or id)")
            case .ambiguous: diagnostics.report(entry.path, "'\(Spelling.excerpt(entry.text))' names more than one group; use its id")
            }
            return nil
        }
    }

    private func appIds(_ entries: [(text: String, path: JSONPath)], _ diagnostics: inout Diagnostics) -> [String] {
        entries.compactMap { references.application($0.text, at: $0.path, &diagnostics)?.appId }
    }
}
