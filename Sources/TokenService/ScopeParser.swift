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

/// A parsed `scope` parameter of a token request: at most one resource plus the OpenID Connect scopes.
struct ParsedScopes: Sendable, Equatable {
    let resource: ResourceScopes?
    let openIDScopes: [String]
}

/// Splits `scope` the way Entra reads it (entra-wire §4.4): `{resource}/{name}` where the resource
/// is everything before the last `/` (so `https://management.azure.com//.default` names
/// `https://management.azure.com/`); a bare name such as `User.Read` is a Microsoft Graph scope;
/// `openid profile email offline_access` are OpenID Connect scopes. One resource per token request
/// (several at /authorize), and `.default` is never mixed with named scopes (AADSTS70011).
enum ScopeParser {
    static let openIDScopes: Set<String> = ["openid", "profile", "email", "offline_access"]
    static let graphIdentifier = "https://graph.microsoft.com"

    static func split(_ scope: String) -> [String] {
        // Byte-level fast path for the usual case: in ASCII text without CR, every Character is
        // one byte, so splitting bytes gives exactly what splitting Characters gives (a CRLF pair
        // is one Character and is not a separator; non-ASCII may combine with a space).
        if let items = splitASCII(scope) { return items }
        return scope.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).map(String.init)
    }

    /// The fast path of `split` in one pass over the bytes; nil when the scope holds non-ASCII or CR.
    /// A scope of one item (client credentials' `…/.default`) is returned as it is, without a copy.
    private static func splitASCII(_ scope: String) -> [String]? {
        var text = scope
        return text.withUTF8 { bytes -> [String]? in
            var items: [String] = []
            var start = 0
            for index in 0...bytes.count {
                let byte = index < bytes.count ? bytes[index] : 0x20
                if byte >= 0x80 || byte == 0x0D { return nil }
                guard byte == 0x20 || byte == 0x09 || byte == 0x0A else { continue }
                if index > start {
                    if start == 0, index == bytes.count { return [scope] }
                    items.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                }
                start = index + 1
            }
            return items
        }
    }

    static func parse(_ scope: String) throws(EntraError) -> ParsedScopes {
        try parse(items: split(scope), of: scope)
    }

    /// `parse` for a caller that has split the scope already (it reads the items too).
    static func parse(items: [String], of scope: String) throws(EntraError) -> ParsedScopes {
        var openID: [String] = []
        var identifier: String?
        var names: [String] = []
        for item in items {
            if isOpenIDScope(item) {
                openID.append(item)
                continue
            }
            let (resource, name) = resourceAndName(item)
            if let identifier, !sameResource(identifier, resource) {
                throw .invalidScope(scope)
            }
            identifier = identifier ?? resource
            // The same resource's `.default` twice asks for one thing (as /authorize reads it).
            if name == ".default", names.contains(".default") { continue }
            names.append(name)
        }
        if names.contains(".default") && names.count > 1 { throw .invalidScope(scope) }
        let resource = identifier.map { ResourceScopes(identifier: $0, names: names) }
        return ParsedScopes(resource: resource, openIDScopes: openID)
    }

    /// The /authorize reading: there the scope "can cover multiple resources" (auth-code flow doc),
    /// so one sign-in can ask consent for several APIs (MSAL's extraScopesToConsent); only the token
    /// request is limited to one. `.default` still never mixes with named scopes, of its own resource
    /// or another: Entra refuses that at /authorize with 70011 ".default scope can't be combined with
    /// resource-specific scopes" (microsoft-authentication-library-for-js#1718). Several `.default`s
    /// of different resources pass (our choice: that message names only the mix).
    static func checkAtAuthorize(_ scope: String) throws(EntraError) {
        let names = split(scope).filter { !isOpenIDScope($0) }.map { resourceAndName($0).name }
        if names.contains(".default") && names.contains(where: { $0 != ".default" }) { throw .invalidScope(scope) }
    }

    /// The refresh grant's reading: when the scopes span several resources, the first resource
    /// wins (auth-code flow doc) and the others' scopes are dropped; OpenID scopes stay.
    static func firstResourceOnly(_ scope: String) -> String {
        var first: String?
        let kept = split(scope).filter { item in
            if isOpenIDScope(item) { return true }
            let resource = resourceAndName(item).resource
            guard let first else {
                first = resource
                return true
            }
            return sameResource(resource, first)
        }
        return kept.joined(separator: " ")
    }

    static func resourceAndName(_ item: String) -> (resource: String, name: String) {
        // In ASCII every byte is a Character, so the byte search finds what the Character search
        // would, without walking grapheme clusters (this runs for every scope of every request).
        let slash = isASCII(item) ? item.utf8.lastIndex(of: UInt8(ascii: "/")) : item.lastIndex(of: "/")
        guard let slash else { return (graphIdentifier, item) }
        return (String(item[..<slash]), String(item[item.index(after: slash)...]))
    }

    /// `openid`, `profile`, `email` or `offline_access`, in any case. Compared as ASCII without
    /// lowercasing a copy: no non-ASCII character lowercases to a letter of these four words.
    static func isOpenIDScope(_ item: String) -> Bool {
        openIDScopes.contains { asciiCaseInsensitiveEqual($0, item) }
    }

    /// Two resource identifiers of one scope string name the same resource: compared without case.
    static func sameResource(_ a: String, _ b: String) -> Bool {
        guard isASCII(a), isASCII(b) else { return a.lowercased() == b.lowercased() }
        return asciiCaseInsensitiveEqual(a, b)
    }

    private static func isASCII(_ text: String) -> Bool { text.utf8.allSatisfy { $0 < 0x80 } }

    /// Byte-wise equality with ASCII letters folded to lowercase; other bytes must match exactly.
    private static func asciiCaseInsensitiveEqual(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8) { lower($0) == lower($1) }
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}
