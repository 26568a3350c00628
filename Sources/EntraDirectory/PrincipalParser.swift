// Reads `users[i]` and `groups[i]`. Memberships may be written on either side and are resolved later.

struct DraftUser {
    var user: User
    let path: JSONPath
    let memberOf: [(text: String, path: JSONPath)]
    /// `identityParentId`: the agent identity an agent user belongs to, resolved later.
    var identityParent: (text: String, path: JSONPath)? = nil
}

struct DraftGroup {
    var group: Group
    let path: JSONPath
    let members: [(text: String, path: JSONPath)]
}

struct PrincipalParser {
    let tenantId: String
    /// The tenant's domains, lower-cased: a UPN must end in one of them.
    let domains: [String]

    func parseUser(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> DraftUser? {
        reader.rejectUnknownKeys(allowed: ["userPrincipalName", "id", "displayName", "givenName", "surname", "mail",
                                           "accountEnabled", "password", "passwordExpired", "mfa", "memberOf", "identityParentId"]
                                    + Self.conditionalAccessKeys, &diagnostics)
        let id = reader.guid("id", &diagnostics)
        let displayName = reader.string("displayName", &diagnostics)
        let givenName = reader.string("givenName", &diagnostics)
        let surname = reader.string("surname", &diagnostics)
        let mail = reader.string("mail", &diagnostics)
        let accountEnabled = reader.bool("accountEnabled", &diagnostics) ?? true
        let password = reader.string("password", &diagnostics)
        let passwordExpired = reader.bool("passwordExpired", &diagnostics) ?? false
        var mfaRegistered = false
        if let mfa = reader.object("mfa", &diagnostics) {
            mfa.rejectUnknownKeys(allowed: ["registered"], &diagnostics)
            mfaRegistered = mfa.bool("registered", &diagnostics) ?? false
        }
        let memberOf = reader.strings("memberOf", &diagnostics)
        let signInRisk = reader.enumValue("signInRisk", RiskLevel.self, &diagnostics) ?? .none
        let userRisk = reader.enumValue("userRisk", RiskLevel.self, &diagnostics) ?? .none
        var deviceIsCompliant = false
        if let device = reader.object("device", &diagnostics) {
            device.rejectUnknownKeys(allowed: ["isCompliant"], &diagnostics)
            deviceIsCompliant = device.bool("isCompliant", &diagnostics) ?? false
        }
        guard let upn = reader.string("userPrincipalName", required: true, &diagnostics) else { return nil }
        guard checkUserPrincipalName(upn, at: reader.path.key("userPrincipalName"), &diagnostics) else { return nil }
        let localPart = String(upn.prefix { $0 != "@" })
        let user = User(
            id: id ?? DerivedIDs.user(tenantId: tenantId, userPrincipalName: upn), userPrincipalName: upn,
            displayName: displayName ?? localPart, givenName: givenName, surname: surname, mail: mail,
            accountEnabled: accountEnabled, password: password, passwordExpired: passwordExpired,
            mfaRegistered: mfaRegistered, groupIds: [], signInRisk: signInRisk, userRisk: userRisk,
            deviceIsCompliant: deviceIsCompliant)
        return DraftUser(user: user, path: reader.path, memberOf: memberOf, identityParent: parseAgentUser(reader, &diagnostics))
    }

    /// `identityParentId`: an agent's user account (Graph `agentUser`), whose tokens only its agent
    /// identity obtains (grant `user_fic`). It has no password and no second factor.
    private func parseAgentUser(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> (text: String, path: JSONPath)? {
        guard let parent = reader.string("identityParentId", &diagnostics) else { return nil }
        for key in ["password", "passwordExpired", "mfa"] where reader.has(key) {
            diagnostics.report(reader.path.key(key), "an agent user has no \(key): its agent identity obtains its tokens")
        }
        return (parent, reader.path.key("identityParentId"))
    }

    /// Emulator-only user properties that script what Conditional Access sees: risk levels and the
    /// compliance of the device the user signs in from.
    static let conditionalAccessKeys = ["signInRisk", "userRisk", "device"]

    private func checkUserPrincipalName(_ upn: String, at path: JSONPath, _ diagnostics: inout Diagnostics) -> Bool {
        let parts = upn.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !upn.contains(where: { $0 == " " || $0.isNewline }) else {
            diagnostics.report(path, "'\(Spelling.excerpt(upn))' is not a user principal name (name@domain)")
            return false
        }
        guard domains.contains(parts[1].lowercased()) else {
            diagnostics.report(path, "domain '\(Spelling.excerpt(String(parts[1])))' is not one of the tenant's domains (\(domains.joined(separator: ", ")))")
            return false
        }
        return true
    }

    func parseGroup(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> DraftGroup? {
        reader.rejectUnknownKeys(allowed: ["displayName", "id", "members"], &diagnostics)
        let id = reader.guid("id", &diagnostics)
        let members = reader.strings("members", &diagnostics)
        guard let displayName = reader.string("displayName", required: true, &diagnostics) else { return nil }
        let group = Group(id: id ?? DerivedIDs.group(tenantId: tenantId, displayName: displayName),
                          displayName: displayName, memberIds: [])
        return DraftGroup(group: group, path: reader.path, members: members)
    }
}
