// The tolerant comparison Entra applies to App ID URIs in `scope=<uri>/.default` and `resource=`.

enum IdentifierURI {
    /// A comparison key: scheme and host lower-cased (they are case-insensitive in URIs), path kept
    /// as is, and one trailing slash dropped so `https://vault.azure.net` and `https://vault.azure.net/`
    /// name the same resource.
    static func normalized(_ uri: String) -> String {
        var characters = Array(uri)
        if characters.count > 1, characters.last == "/" { characters.removeLast() }
        // Find the end of the authority: the first "/" after "://", or the end of the string.
        var authorityEnd = characters.count
        if let separator = firstIndex(of: ["/", "/"], after: ":", in: characters) {
            let hostStart = separator + 2
            authorityEnd = characters[hostStart...].firstIndex(of: "/") ?? characters.count
        } else if let colon = characters.firstIndex(of: ":") {
            authorityEnd = colon  // urn:… — only the scheme is case-insensitive
        }
        let head = String(characters[..<authorityEnd]).lowercased()
        return head + String(characters[authorityEnd...])
    }

    /// Index just past the first `marker` that is immediately followed by `follow`.
    private static func firstIndex(of follow: [Character], after marker: Character, in characters: [Character]) -> Int? {
        guard let colon = characters.firstIndex(of: marker) else { return nil }
        let start = colon + 1
        guard characters.count >= start + follow.count, Array(characters[start..<start + follow.count]) == follow else {
            return nil
        }
        return start
    }

    /// Identifier URIs Entra accepts on an application: `api://…`, `https://…` or `urn:…`.
    static func hasAllowedScheme(_ uri: String) -> Bool {
        let lower = uri.lowercased()
        for prefix in ["api://", "https://", "urn:"] where lower.hasPrefix(prefix) && lower.count > prefix.count {
            return true
        }
        return false
    }
}
