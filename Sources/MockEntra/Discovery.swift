import Foundation
import EntraDirectory
import HTTPServer
import JOSE
import TokenService

/// How a `{tenant}` segment appears in documents: a known tenant's id, or a tenantless alias whose
/// documents keep the alias in URLs and use Entra's `{tenantid}` placeholder in the issuer.
struct DocumentTenant {
    /// The segment to put in endpoint URLs.
    let pathSegment: String
    /// The tenant id in issuers, or the literal `{tenantid}` placeholder.
    let issuerTenant: String
    let isTenantless: Bool

    /// Microsoft personal accounts live in this tenant; `/consumers` documents name it.
    static let consumersTenantId = "9188040d-6c67-4c5b-b112-36a304b66dad"

    static func resolve(_ segment: String, in directory: Directory) -> DocumentTenant? {
        switch segment.lowercased() {
        case "common", "organizations":
            return DocumentTenant(pathSegment: segment.lowercased(), issuerTenant: "{tenantid}", isTenantless: true)
        case "consumers":
            return DocumentTenant(pathSegment: "consumers", issuerTenant: consumersTenantId, isTenantless: true)
        default:
            guard let tenant = directory.tenant(matching: segment) else { return nil }
            return DocumentTenant(pathSegment: tenant.id, issuerTenant: tenant.id, isTenantless: false)
        }
    }
}

/// `/{tenant}/v2.0/.well-known/openid-configuration` (entra-wire §5.1).
struct OpenIDConfigurationV2: Encodable {
    let token_endpoint: String
    let token_endpoint_auth_methods_supported = ["client_secret_post", "private_key_jwt", "client_secret_basic"]
    let jwks_uri: String
    let response_modes_supported = ["query", "fragment", "form_post"]
    let subject_types_supported = ["pairwise"]
    let id_token_signing_alg_values_supported = ["RS256"]
    let response_types_supported = ["code", "id_token", "code id_token", "id_token token"]
    let scopes_supported = ["openid", "profile", "email", "offline_access"]
    let issuer: String
    let request_uri_parameter_supported = false
    let userinfo_endpoint = "https://graph.microsoft.com/oidc/userinfo"
    let authorization_endpoint: String
    let device_authorization_endpoint: String
    let http_logout_supported = true
    let frontchannel_logout_supported = true
    let end_session_endpoint: String
    let claims_supported = ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
                            "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username",
                            "name", "tid", "ver", "at_hash", "c_hash", "email"]
    let kerberos_endpoint: String
    let tenant_region_scope: ExplicitNull
    let cloud_instance_name = "microsoftonline.com"
    let cloud_graph_host_name = "graph.windows.net"
    let msgraph_host = "graph.microsoft.com"
    let rbac_url = "https://pas.windows.net"

    init(tenant: DocumentTenant, baseURL: String) {
        let root = "\(baseURL)/\(tenant.pathSegment)"
        token_endpoint = "\(root)/oauth2/v2.0/token"
        jwks_uri = "\(root)/discovery/v2.0/keys"
        issuer = "\(baseURL)/\(tenant.issuerTenant)/v2.0"
        authorization_endpoint = "\(root)/oauth2/v2.0/authorize"
        device_authorization_endpoint = "\(root)/oauth2/v2.0/devicecode"
        end_session_endpoint = "\(root)/oauth2/v2.0/logout"
        kerberos_endpoint = "\(root)/kerberos"
        tenant_region_scope = ExplicitNull(tenant.isTenantless ? nil : "WW")
    }
}

/// `/{tenant}/.well-known/openid-configuration`, the v1 document (entra-wire §5.2).
struct OpenIDConfigurationV1: Encodable {
    let token_endpoint: String
    let token_endpoint_auth_methods_supported = ["client_secret_post", "private_key_jwt", "client_secret_basic"]
    let jwks_uri: String
    let response_modes_supported = ["query", "fragment", "form_post"]
    let subject_types_supported = ["pairwise"]
    let id_token_signing_alg_values_supported = ["RS256"]
    let response_types_supported = ["code", "id_token", "code id_token", "token id_token", "token"]
    let scopes_supported = ["openid"]
    let issuer: String
    let microsoft_multi_refresh_token = true
    let authorization_endpoint: String
    let device_authorization_endpoint: String
    let http_logout_supported = true
    let frontchannel_logout_supported = true
    let end_session_endpoint: String
    let claims_supported = ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
                            "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email",
                            "given_name", "family_name", "nickname"]
    let check_session_iframe: String
    let userinfo_endpoint: String
    let kerberos_endpoint: String
    let cloud_instance_name = "microsoftonline.com"
    let cloud_graph_host_name = "graph.windows.net"
    let msgraph_host = "graph.microsoft.com"
    let rbac_url = "https://pas.windows.net"

    init(tenant: DocumentTenant, baseURL: String) {
        let root = "\(baseURL)/\(tenant.pathSegment)"
        token_endpoint = "\(root)/oauth2/token"
        jwks_uri = "\(baseURL)/common/discovery/keys"
        // v1 tokens are issued by sts.windows.net whatever the host (entra-wire §4.2).
        issuer = "https://sts.windows.net/\(tenant.issuerTenant)/"
        authorization_endpoint = "\(root)/oauth2/authorize"
        device_authorization_endpoint = "\(root)/oauth2/devicecode"
        end_session_endpoint = "\(root)/oauth2/logout"
        check_session_iframe = "\(root)/oauth2/checksession"
        userinfo_endpoint = "\(root)/openid/userinfo"
        kerberos_endpoint = "\(root)/kerberos"
    }
}

/// Discovery routes: both OpenID documents and the signing keys.
struct DiscoveryRoutes: Sendable {
    let service: TokenService
    let publishedKeys: [JWK]
    private var directory: Directory { service.directory }

    init(service: TokenService) {
        self.service = service
        self.publishedKeys = KeySetDocument.publishedKeys(service.keys)
    }

    /// Entra lets clients cache discovery for a day.
    static let cacheHeaders = [("Cache-Control", "max-age=86400, private"), ("Access-Control-Allow-Origin", "*"),
                               ("Access-Control-Allow-Methods", "GET, OPTIONS")]

    func openIDConfiguration(_ context: RequestContext, tenant segment: String, v2: Bool) -> HTTPResponse {
        guard let tenant = DocumentTenant.resolve(segment, in: directory) else {
            return .entraError(.discoveryTenantNotFound(segment), baseURL: context.baseURL)
        }
        if v2 {
            return .json(OpenIDConfigurationV2(tenant: tenant, baseURL: context.baseURL), headers: Self.cacheHeaders)
        }
        return .json(OpenIDConfigurationV1(tenant: tenant, baseURL: context.baseURL), headers: Self.cacheHeaders)
    }

    /// `/{tenant}/discovery/v2.0/keys` keys carry the v2 issuer; the v1 `/discovery/keys` ones do not.
    func keySet(_ context: RequestContext, tenant segment: String, v2: Bool) -> HTTPResponse {
        guard let tenant = DocumentTenant.resolve(segment, in: directory) else {
            return .entraError(.discoveryTenantNotFound(segment), baseURL: context.baseURL)
        }
        let issuer = v2 ? "\(context.baseURL)/\(tenant.issuerTenant)/v2.0" : nil
        return .json(KeySetDocument.keySet(publishedKeys, issuer: issuer), headers: Self.cacheHeaders)
    }
}

/// A string that encodes `nil` as JSON `null` instead of leaving the key out: Entra sends
/// `"tenant_region_scope": null` on tenantless documents.
struct ExplicitNull: Encodable {
    let value: String?
    init(_ value: String?) { self.value = value }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}
