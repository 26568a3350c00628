import Foundation

/// The v1 /oauth2/authorize and /oauth2/devicecode name the resource with `resource=` where v2
/// takes `scope=`. Their requests are translated into the v2 form and then handled as v2 requests
/// (Microsoft: `{resource}/.default` "is functionally the same as `resource={resource}` on v1").
extension TokenService {
    /// /oauth2/authorize: `openid` (what ADAL asks for) plus the resource's `.default`.
    public static func v1AuthorizeParameters(_ pairs: [(String, String)]) -> [(String, String)] {
        v1Parameters(pairs) { resource, scope in
            let openID = ScopeParser.split(scope ?? "openid").filter(ScopeParser.isOpenIDScope)
            return ((openID.isEmpty ? ["openid"] : openID) + (resource.map { [$0 + "/.default"] } ?? [])).joined(separator: " ")
        }
    }

    /// /oauth2/devicecode: as the v1 token endpoint reads it, with a refresh token always.
    public static func v1DeviceCodeParameters(_ pairs: [(String, String)]) -> [(String, String)] {
        v1Parameters(pairs) { resource, scope in
            resource.map { ResourceIndicator.v1Scope(resource: $0, requested: scope) } ?? scope
        }
    }

    /// Replaces `resource` and `scope` by the one `scope` the v2 handlers read.
    private static func v1Parameters(_ pairs: [(String, String)],
                                     scope: (_ resource: String?, _ scope: String?) -> String?) -> [(String, String)] {
        // A duplicated `resource` or `scope` stays as sent, so the v2 reading refuses it (9000411)
        // as it refuses any duplicated parameter, instead of the translation keeping one silently.
        let isDuplicated = { (name: String) in pairs.filter { $0.0 == name }.count > 1 }
        if isDuplicated("resource") || isDuplicated("scope") { return pairs }
        let resource = pairs.first { $0.0 == "resource" }?.1.nilIfEmpty
        let requested = pairs.first { $0.0 == "scope" }?.1.nilIfEmpty
        var translated = pairs.filter { $0.0 != "resource" && $0.0 != "scope" }
        if let value = scope(resource, requested) { translated.append(("scope", value)) }
        return translated
    }
}

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
