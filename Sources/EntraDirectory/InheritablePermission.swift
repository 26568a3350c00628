// Agent ID: which of a blueprint's own permissions on one resource its agent identities inherit
// (Microsoft Graph `inheritablePermission`, on the blueprint application).

/// One resource's entry in a blueprint's `inheritablePermissions`. Inheritance needs both this
/// entry and a grant to the blueprint: a consented scope (admin consent, `AllPrincipals`) or an app
/// role assigned to its service principal. Either alone passes nothing on (Entra's "two conditions").
public struct InheritablePermission: Sendable, Equatable {
    /// Graph's three patterns, each `kind` of `inheritableScopes` / `inheritableRoles`.
    public enum Inheritance: Sendable, Equatable {
        case allAllowed
        /// Lowercased scope values, or app role ids.
        case enumerated(Set<String>)
        case none

        /// `key`: a lowercased scope value or an app role id.
        public func allows(_ key: String) -> Bool {
            switch self {
            case .allAllowed: return true
            case .enumerated(let keys): return keys.contains(key)
            case .none: return false
            }
        }
    }

    public let resourceAppId: String
    public let scopes: Inheritance
    public let roles: Inheritance

    public init(resourceAppId: String, scopes: Inheritance, roles: Inheritance) {
        self.resourceAppId = resourceAppId
        self.scopes = scopes
        self.roles = roles
    }
}

/// `inheritablePermissions` as written, its references resolved once every application is known.
struct InheritablePermissionDraft {
    /// Graph's three patterns (`kind`), each also named by an `@odata.type`.
    enum Kind: String, CaseIterable {
        case allAllowed, enumerated, none

        /// `#microsoft.graph.allAllowedScopes`, `enumeratedRoles`, `noScopes`, …
        func graphType(_ noun: String) -> String { "microsoft.graph." + (self == .none ? "no" : rawValue) + noun }
    }

    struct InheritanceDraft {
        let kind: Kind
        /// The `scopes` / `roles` listed (kind `enumerated` only: the others may list none).
        let names: [(text: String, path: JSONPath)]
    }

    let resource: (text: String, path: JSONPath)
    let scopes: InheritanceDraft?
    let roles: InheritanceDraft?
}

enum InheritablePermissionParser {
    /// Reads `inheritablePermissions: [{ resourceAppId, inheritableScopes?, inheritableRoles? }]`. Each
    /// pattern is `{ kind }` or its Graph `@odata.type` (`#microsoft.graph.allAllowedScopes`,
    /// `enumeratedScopes` with `scopes`, `noScopes`; the same with Roles and `roles`). A pattern left
    /// out inherits nothing.
    static func parse(_ reader: ObjectReader, _ diagnostics: inout Diagnostics) -> [InheritablePermissionDraft]? {
        guard reader.has("inheritablePermissions") else { return nil }
        return reader.objects("inheritablePermissions", &diagnostics).compactMap { entry in
            entry.rejectUnknownKeys(allowed: ["resourceAppId", "inheritableScopes", "inheritableRoles"], &diagnostics)
            let scopes = entry.object("inheritableScopes", &diagnostics).flatMap { pattern($0, noun: "Scopes", list: "scopes", &diagnostics) }
            let roles = entry.object("inheritableRoles", &diagnostics).flatMap { pattern($0, noun: "Roles", list: "roles", &diagnostics) }
            guard let resource = entry.string("resourceAppId", required: true, &diagnostics) else { return nil }
            return InheritablePermissionDraft(resource: (resource, entry.path.key("resourceAppId")), scopes: scopes, roles: roles)
        }
    }

    private static func pattern(_ reader: ObjectReader, noun: String, list: String,
                                _ diagnostics: inout Diagnostics) -> InheritablePermissionDraft.InheritanceDraft? {
        typealias Kind = InheritablePermissionDraft.Kind
        reader.rejectUnknownKeys(allowed: ["@odata.type", "kind", list], &diagnostics)
        let declaredKind = reader.enumValue("kind", Kind.self, &diagnostics)
        if reader.has("kind"), declaredKind == nil { return nil }
        var typedKind: Kind?
        if let type = reader.string("@odata.type", &diagnostics) {
            let name = type.hasPrefix("#") ? String(type.dropFirst()) : type
            typedKind = Kind.allCases.first { $0.graphType(noun) == name }
            if typedKind == nil {
                let expected = Kind.allCases.map { "#" + $0.graphType(noun) }.joined(separator: ", ")
                diagnostics.report(reader.path.key("@odata.type"), "must be one of \(expected), found \"\(Spelling.excerpt(type))\"")
                return nil
            }
        }
        if let declaredKind, let typedKind, declaredKind != typedKind {
            diagnostics.report(reader.path.key("kind"), "\"\(declaredKind.rawValue)\" contradicts @odata.type (kind \"\(typedKind.rawValue)\")")
            return nil
        }
        guard let kind = declaredKind ?? typedKind else {
            // A present but unreadable type is already reported.
            if !reader.has("@odata.type") { diagnostics.report(reader.path.key("kind"), "required (or @odata.type)") }
            return nil
        }
        let names = reader.strings(list, &diagnostics)
        if kind == .enumerated, names.isEmpty {
            // A list that is not an array (or holds no string) is already reported.
            if !reader.has(list) || reader.present(list)?.arrayValue?.isEmpty == true {
                diagnostics.report(reader.path.key(list), "kind \"enumerated\" lists at least one of the resource's \(list)")
            }
            return nil
        }
        if kind != .enumerated, reader.has(list) {
            diagnostics.report(reader.path.key(list), "only kind \"enumerated\" lists \(list)")
            return nil
        }
        return .init(kind: kind, names: names)
    }
}

extension ReferenceChecker {
    /// Resolves a blueprint's entries: each names a resource once; enumerated scopes must be exposed
    /// by the resource and enumerated roles (value or id) defined by it.
    func resolveInheritablePermissions(_ drafts: [InheritablePermissionDraft],
                                       _ diagnostics: inout Diagnostics) -> [InheritablePermission] {
        var resolved: [InheritablePermission] = []
        for draft in drafts {
            guard let resource = application(draft.resource.text, at: draft.resource.path, &diagnostics) else { continue }
            if resolved.contains(where: { $0.resourceAppId == resource.appId }) {
                diagnostics.report(draft.resource.path, "'\(resource.displayName)' already has an entry (one per resource)")
                continue
            }
            var keys: [String] = []
            for name in draft.scopes?.names ?? [] {
                guard let scope = resource.scope(named: name.text) else {
                    diagnostics.report(name.path, "'\(resource.displayName)' exposes no delegated permission '\(Spelling.excerpt(name.text))'")
                    continue
                }
                keys.append(scope.value.lowercased())
            }
            let scopes = Self.inheritance(draft.scopes, keys: keys)
            keys = []
            for name in draft.roles?.names ?? [] {
                guard let role = resource.appRole(matching: name.text) else {
                    diagnostics.report(name.path, "'\(resource.displayName)' has no app role '\(Spelling.excerpt(name.text))'")
                    continue
                }
                keys.append(role.id)
            }
            resolved.append(InheritablePermission(resourceAppId: resource.appId, scopes: scopes,
                                                  roles: Self.inheritance(draft.roles, keys: keys)))
        }
        return resolved
    }

    private static func inheritance(_ draft: InheritablePermissionDraft.InheritanceDraft?, keys: [String]) -> InheritablePermission.Inheritance {
        switch draft?.kind {
        case .allAllowed?: return .allAllowed
        case .enumerated?: return .enumerated(Set(keys))
        case .none?, nil: return .none
        }
    }
}
