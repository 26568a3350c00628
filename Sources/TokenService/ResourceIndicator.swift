import Foundation

/// RFC 8707 `resource` on the v2 endpoints. v2 names the resource through `scope`; Entra refuses
/// `resource` alone (AADSTS901002) and one naming another resource than the scopes do
/// (AADSTS9010010), and tolerates one naming the same resource. The MCP SDK's client always sends
/// it, so this decides whether such a client works at all. (v1 takes `resource` instead of `scope`.)
enum ResourceIndicator {
    /// Checks a v2 request's `resource` against its `scope` (nil: the request has none).
    static func check(_ indicator: String?, scope: String?) throws(EntraError) {
        guard let indicator else { return }
        guard let scope else { throw .resourceParameterNotSupported() }
        // Scope-string errors (70011, …) come first, as for a request without `resource`.
        let parsed = try ScopeParser.parse(scope)
        guard let resource = parsed.resource, sameResource(indicator, resource.identifier) else {
            throw .resourceDoesNotMatchScopes(resource: indicator)
        }
    }

    /// The v2 scope a v1 user-grant request means: `resource=X` asks for every consented scope on X
    /// (`X/.default`, "functionally the same" per Microsoft), v1 always returns a refresh token, and
    /// OpenID scopes the request names (ADAL sends `scope=openid`) keep asking for an ID token.
    static func v1Scope(resource: String, requested: String?) -> String {
        // `X/` + `/.default` keeps the slash in the resource's name, as v1 echoes it in `aud`.
        let openID = ScopeParser.split(requested ?? "").filter {
            let name = $0.lowercased()
            return ScopeParser.openIDScopes.contains(name) && name != "offline_access"
        }
        return ([resource + "/.default"] + openID + ["offline_access"]).joined(separator: " ")
    }

    /// Resource indicators compare without case and without a trailing slash.
    static func sameResource(_ a: String, _ b: String) -> Bool {
        func normal(_ s: String) -> String { (s.hasSuffix("/") ? String(s.dropLast()) : s).lowercased() }
        return normal(a) == normal(b)
    }
}
