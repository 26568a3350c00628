import Foundation

/// The two access-token shapes. The *resource* decides (its `requestedAccessTokenVersion`), not the
/// endpoint the client called (entra-wire §4.1).
enum AccessTokenFormat: Sendable {
    case v1, v2

    init(requestedVersion: Int?) {
        self = requestedVersion == 2 ? .v2 : .v1
    }

    var version: String { self == .v2 ? "2.0" : "1.0" }

    /// v1 tokens are issued by `https://sts.windows.net/{tid}/` whatever host was called, as in
    /// Entra; v2 tokens by the host the client used, so they match its discovery document.
    func issuer(tenantId: String, baseURL: String) -> String {
        self == .v2 ? "\(baseURL)/\(tenantId)/v2.0" : "https://sts.windows.net/\(tenantId)/"
    }
}

/// Every claim an access token may carry. Absent (nil) claims are left out of the JSON.
/// Encoded with JSONEncoder (sorted keys, for stable tokens): a Codable
/// struct costs microseconds where a `[String: Any]` dictionary costs tens of them.
struct AccessTokenClaims: Encodable, Sendable {
    var aud: String
    var iss: String
    var iat: Int
    var nbf: Int
    var exp: Int
    var aio: String?
    var app_displayname: String?
    var appid: String?
    var appidacr: String?
    var azp: String?
    var azpacr: String?
    var idp: String?
    var idtyp: String?
    var oid: String?
    var rh: String?
    var roles: [String]?
    var scp: String?
    var sub: String
    var tid: String
    var uti: String
    var ver: String
}
