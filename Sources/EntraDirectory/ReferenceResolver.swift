// Resolves the references a scenario writes by name: apps by display name, appId or identifier URI
// (declared apps and built-ins), users by UPN or id, groups by display name or id.

struct ReferenceResolver {
    enum Outcome {
        case found(Int)
        case missing
        case ambiguous
    }

    private var appKeys: [String: [Int]] = [:]
    private var appKeysIgnoringCase: [String: [Int]] = [:]
    private var userKeys: [String: Int] = [:]
    private var groupKeys: [String: [Int]] = [:]

    init(applications: [Application], aliases: [Int: [String]], users: [User], groups: [Group]) {
        for (position, app) in applications.enumerated() {
            let names = [app.displayName] + (aliases[position] ?? [])
            var keys = names.map { "name:\($0)" } + ["id:\(app.appId)"]
            keys += app.identifierUris.map { "uri:\(IdentifierURI.normalized($0))" }
            for key in keys where appKeys[key]?.contains(position) != true { appKeys[key, default: []].append(position) }
            for name in names where appKeysIgnoringCase[name.lowercased()]?.contains(position) != true {
                appKeysIgnoringCase[name.lowercased(), default: []].append(position)
            }
        }
        for (position, user) in users.enumerated() {
            userKeys[user.id] = userKeys[user.id] ?? position
            userKeys[user.userPrincipalName.lowercased()] = userKeys[user.userPrincipalName.lowercased()] ?? position
        }
        for (position, group) in groups.enumerated() {
            groupKeys["name:\(group.displayName.lowercased())", default: []].append(position)
            groupKeys["id:\(group.id)", default: []].append(position)
        }
    }

    func application(_ reference: String) -> Outcome {
        if let guid = GUID.normalized(reference) { return outcome(appKeys["id:\(guid)"]) }
        if let byName = appKeys["name:\(reference)"] { return outcome(byName) }
        if reference.contains(":"), let byUri = appKeys["uri:\(IdentifierURI.normalized(reference))"] { return outcome(byUri) }
        return outcome(appKeysIgnoringCase[reference.lowercased()])
    }

    func user(_ reference: String) -> Outcome {
        let key = GUID.normalized(reference) ?? reference.lowercased()
        return userKeys[key].map { .found($0) } ?? .missing
    }

    func group(_ reference: String) -> Outcome {
        if let guid = GUID.normalized(reference), let byId = groupKeys["id:\(guid)"] { return outcome(byId) }
        return outcome(groupKeys["name:\(reference.lowercased())"])
    }

    private func outcome(_ positions: [Int]?) -> Outcome {
        guard let positions, let first = positions.first else { return .missing }
        return positions.count == 1 ? .found(first) : .ambiguous
    }
}
