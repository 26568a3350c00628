import Foundation

/// RFC 8707 `resource` on the v2 endpoints. v2 names the resource through `scope`; Entra refuses
/// `resource` alone (AADSTS901002) and one naming another resource than the scopes do
/// (AADSTS9010010), and accepts one naming the same resource, also on a code or refresh-token
/// redemption that leaves `scope` out (checked against the scopes the grant carries). MCP clients
/// always send it, with the MCP server's URL: they work against Entra only when that URL is the
/// server's identifier URI. (v1 takes `resource` instead of `scope`.)
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
            ScopeParser.isOpenIDScope($0) && $0.lowercased() != "offline_access"
        }
        return ([resource + "/.default"] + openID + ["offline_access"]).joined(separator: " ")
    }

    /// Grants whose request may leave out `scope`: the code or refresh token carries it. Without
    /// `scope` such a grant checks `resource` against the scopes it carries (the MCP SDK's code
    /// exchange and refresh send only `resource`), once it has them: a refused redemption uses the
    /// code up, as a PKCE mismatch does (Entra's order here is unknown; our choice). A v1 request
    /// always has `scope` by then (its `resource` became one).
    static let grantsCarryingScopes: Set<String> = ["authorization_code", "refresh_token"]

    /// Resource indicators compare without case, but a trailing slash counts: Entra refuses
    /// `resource=http://localhost:3000/` for scopes of `http://localhost:3000` (9010010), as MCP
    /// clients meeting Entra report.
    static func sameResource(_ a: String, _ b: String) -> Bool {
        a.lowercased() == b.lowercased()
    }
}
