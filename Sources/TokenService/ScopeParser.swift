import Foundation

/// The resource part of a scope string: which resource, named how, and which of its permissions.
struct ResourceScopes: Sendable, Equatable {
    /// The resource exactly as the client wrote it (`api://contoso-api`, `https://graph.microsoft.com`,
    /// a GUID). v1 tokens use this string as `aud`.
    let identifier: String
    /// Permission names, or `[".default"]`.
    let names: [String]

    var isDefault: Bool { names == [".default"] }
}

/// A parsed `scope` parameter: at most one resource plus the OpenID Connect scopes.
struct ParsedScopes: Sendable, Equatable {
    let resource: ResourceScopes?
    let openIDScopes: [String]
}

/// Splits `scope` the way Entra reads it (entra-wire §4.4): `{resource}/{name}` where the resource
/// is everything before the last `/` (so `https://management.azure.com//.default` names
/// `https://management.azure.com/`); a bare name such as `User.Read` is a Microsoft Graph scope;
/// `openid profile email offline_access` are OpenID Connect scopes. One resource per request, and
/// `.default` is never mixed with named scopes (AADSTS70011).
enum ScopeParser {
    static let openIDScopes: Set<String> = ["openid", "profile", "email", "offline_access"]
    static let graphIdentifier = "https://graph.microsoft.com"

    static func split(_ scope: String) -> [String] {
        // Byte-level fast path for the usual case: in ASCII text without CR, every Character is
        // one byte, so splitting bytes gives exactly what splitting Characters gives (a CRLF pair
        // is one Character and is not a separator; non-ASCII may combine with a space).
        if !scope.utf8.contains(where: { $0 >= 0x80 || $0 == 0x0D }) {
            return scope.utf8.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A })
                .map { String(Substring($0)) }
        }
        return scope.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).map(String.init)
    }

    static func parse(_ scope: String) throws(EntraError) -> ParsedScopes {
        var openID: [String] = []
        var identifier: String?
        var names: [String] = []
        for item in split(scope) {
            if openIDScopes.contains(item.lowercased()) {
                openID.append(item)
                continue
            }
            let (resource, name) = resourceAndName(item)
            if let identifier, identifier.lowercased() != resource.lowercased() {
                throw .invalidScope(scope)
            }
            identifier = identifier ?? resource
            names.append(name)
        }
        if names.contains(".default") && names.count > 1 { throw .invalidScope(scope) }
        let resource = identifier.map { ResourceScopes(identifier: $0, names: names) }
        return ParsedScopes(resource: resource, openIDScopes: openID)
    }

    /// The refresh grant's reading: when the scopes span several resources, the first resource
    /// wins (auth-code flow doc) and the others' scopes are dropped; OpenID scopes stay.
    static func firstResourceOnly(_ scope: String) -> String {
        var first: String?
        let kept = split(scope).filter { item in
            if openIDScopes.contains(item.lowercased()) { return true }
            let resource = resourceAndName(item).resource.lowercased()
            first = first ?? resource
            return resource == first
        }
        return kept.joined(separator: " ")
    }

    static func resourceAndName(_ item: String) -> (resource: String, name: String) {
        guard let slash = item.lastIndex(of: "/") else { return (graphIdentifier, item) }
        return (String(item[..<slash]), String(item[item.index(after: slash)...]))
    }
}
