import Foundation
import HTTPServer
import JOSE
import TokenService

/// Token response bodies in Entra's member order (entra-wire §1.3). v2 writes numbers as
/// numbers; v1 writes them as strings and adds `expires_on`, `not_before` and `resource`.
enum TokenResponseBody {
    static func json(_ tokens: IssuedTokens) -> [UInt8] {
        var writer = JSONObjectWriter(capacity: 2048 + tokens.accessToken.utf8.count)
        writer.string("token_type", tokens.tokenType)
        writer.string("scope", tokens.scope)
        switch tokens.endpoint {
        case .v2:
            writer.integer("expires_in", tokens.expiresIn)
            writer.integer("ext_expires_in", tokens.extExpiresIn)
        case .v1:
            writer.string("expires_in", String(tokens.expiresIn))
            writer.string("ext_expires_in", String(tokens.extExpiresIn))
            writer.string("expires_on", String(tokens.expiresOn))
            writer.string("not_before", String(tokens.notBefore))
            writer.string("resource", tokens.resource)
        }
        writer.compactJWT("access_token", tokens.accessToken)
        writer.string("refresh_token", tokens.refreshToken)
        writer.compactJWT("id_token", tokens.idToken)
        writer.string("client_info", tokens.clientInfo)
        return writer.finish()
    }
}

/// Translates `POST /{tenant}/oauth2[/v2.0]/token` to the token service and back.
struct TokenRoutes: Sendable {
    let service: TokenService

    func token(_ context: RequestContext, tenant: String, version: TokenEndpointVersion) -> HTTPResponse {
        let request = context.request
        let clientRequestId = context.clientRequestId()
        guard request.method == "POST" else {
            return .entraError(.postOnly(request.method), baseURL: context.baseURL, correlationId: clientRequestId)
        }
        guard let pairs = context.formParameters else {
            return .entraError(.malformedRequest(), baseURL: context.baseURL, correlationId: clientRequestId)
        }
        let tokenRequest = TokenRequest(
            tenant: tenant, version: version, form: pairs,
            basicCredentials: Self.basicCredentials(request.headers["Authorization"]),
            clientRequestId: context.clientRequestId(form: pairs),
            baseURL: context.baseURL, remoteAddress: request.remoteAddress, origin: request.headers["Origin"])

        let outcome = service.token(tokenRequest)
        switch outcome.result {
        case .failure(let stamped):
            return .entraError(stamped, baseURL: context.baseURL)
        case .success(let tokens):
            return .tokenEndpointJSON(TokenResponseBody.json(tokens), traceId: outcome.traceId)
        }
    }

    /// `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
    static func basicCredentials(_ header: String?) -> BasicCredentials? {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else { return nil }
        guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8),
              let colon = text.firstIndex(of: ":") else { return nil }
        let id = PercentEncoding.decode(text[..<colon], plusAsSpace: true) ?? String(text[..<colon])
        let secret = PercentEncoding.decode(text[text.index(after: colon)...], plusAsSpace: true)
            ?? String(text[text.index(after: colon)...])
        return BasicCredentials(clientId: id, secret: secret)
    }
}
