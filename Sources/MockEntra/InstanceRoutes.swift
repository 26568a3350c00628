import Foundation
import EntraDirectory
import TokenService
import HTTPServer

/// `/common/discovery/instance` (entra-wire §5.4), answering for this server as the only cloud.
struct InstanceDiscoveryDocument: Encodable {
    struct Metadata: Encodable {
        let preferred_network: String
        let preferred_cache: String
        let aliases: [String]
    }

    let tenant_discovery_endpoint: String
    let api_version: String
    let metadata: [Metadata]

    enum CodingKeys: String, CodingKey {
        case tenant_discovery_endpoint
        case api_version = "api-version"
        case metadata
    }
}

/// `/common/userrealm/{user}`: msal calls it before ROPC. Known domains are `Managed`.
struct UserRealmDocument: Encodable {
    let ver = "1.0"
    let account_type: String
    let domain_name: String?
    let cloud_instance_name = "microsoftonline.com"
    let cloud_audience_urn = "urn:federation:MicrosoftOnline"
}

struct InstanceRoutes: Sendable {
    let service: TokenService
    private var directory: Directory { service.directory }

    func instanceDiscovery(_ context: RequestContext) -> HTTPResponse {
        guard let endpoint = context.query.first("authorization_endpoint"), !endpoint.isEmpty else {
            return .entraError(.missingParameter("authorization_endpoint"), baseURL: context.baseURL)
        }
        // The authorization endpoint must be on this server: https://host:port/{tenant}/oauth2/…
        let prefix = context.baseURL + "/"
        guard endpoint.lowercased().hasPrefix(prefix.lowercased()) else {
            return .entraError(.unknownInstance(), baseURL: context.baseURL)
        }
        let tenant = endpoint.dropFirst(prefix.count).split(separator: "/").first.map(String.init) ?? "common"
        let host = String(context.baseURL.drop(while: { $0 != ":" }).dropFirst(3))
        let version = context.query.first("api-version") ?? "1.1"
        return .json(InstanceDiscoveryDocument(
            tenant_discovery_endpoint: "\(context.baseURL)/\(tenant)/v2.0/.well-known/openid-configuration",
            api_version: version,
            metadata: [.init(preferred_network: host, preferred_cache: host, aliases: [host])]),
            headers: DiscoveryRoutes.cacheHeaders)
    }

    func userRealm(_ context: RequestContext, user: String) -> HTTPResponse {
        let domain = user.split(separator: "@").last.map { String($0).lowercased() }
        let known = domain.map { domain in directory.tenants.contains { $0.domains.contains(domain) } } ?? false
        return .json(UserRealmDocument(account_type: known ? "Managed" : "Unknown", domain_name: known ? domain : nil))
    }
}
