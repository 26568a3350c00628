import Foundation
import TokenService

extension ClaimsChallenge {
    /// `Bearer realm="", authorization_uri="{baseURL}/common/oauth2/authorize", error="insufficient_claims", claims="<base64>"`:
    /// the header a resource answers a rejected token with (HTTP 401), Entra's documented form with
    /// this server as the authority host (entra-wire §3.2). `claims` is standard base64 with padding,
    /// as in Microsoft's examples. Graph adds `client_id="<Graph's appId>"`: pass it as `clientId`.
    public static func wwwAuthenticate(claims: String, baseURL: String, clientId: String? = nil) -> String {
        var value = "Bearer realm=\"\", authorization_uri=\"\(baseURL)/common/oauth2/authorize\", "
            + "error=\"insufficient_claims\", claims=\"\(Data(claims.utf8).base64EncodedString())\""
        if let clientId { value += ", client_id=\"\(clientId)\"" }
        return value
    }
}
