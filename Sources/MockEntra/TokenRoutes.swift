import Foundation
import HTTPServer
import TokenService

/// The v2 token response body: integers, and only the fields that apply.
struct TokenResponseV2: Encodable {
    let token_type: String
    let scope: String?
    let expires_in: Int
    let ext_expires_in: Int
    let access_token: String
    let refresh_token: String?
    let id_token: String?
    let client_info: String?
}

/// The v1 token response body: Entra writes the numbers as strings here (entra-wire §1.3).
struct TokenResponseV1: Encodable {
    let token_type: String
    let scope: String?
    let expires_in: String
    let ext_expires_in: String
    let expires_on: String
    let not_before: String
    let resource: String?
    let access_token: String
    let refresh_token: String?
    let id_token: String?
}

/// Translates `POST /{tenant}/oauth2[/v2.0]/token` to the token service and back.
struct TokenRoutes: Sendable {
    let service: TokenService

    func token(_ context: RequestContext, tenant: String, version: TokenEndpointVersion) -> HTTPResponse {
        let request = context.request
        let clientRequestId = request.headers["client-request-id"]
        guard request.method == "POST" else {
            return .entraError(.postOnly(request.method), baseURL: context.baseURL, correlationId: clientRequestId)
        }
        // Entra reads only form bodies; anything else is as if no parameter was sent.
        let contentType = request.headers["Content-Type"]?.lowercased() ?? "application/x-www-form-urlencoded"
        var pairs: [(String, String)] = []
        if contentType.hasPrefix("application/x-www-form-urlencoded") {
            guard let form = try? FormData(parsing: request.body) else {
                return .entraError(.malformedRequest(), baseURL: context.baseURL, correlationId: clientRequestId)
            }
            pairs = form.pairs.map { ($0.name, $0.value) }
        }
        let tokenRequest = TokenRequest(
            tenant: tenant, version: version, form: pairs,
            basicCredentials: Self.basicCredentials(request.headers["Authorization"]),
            clientRequestId: clientRequestId ?? pairs.first(where: { $0.0 == "client-request-id" })?.1,
            baseURL: context.baseURL, remoteAddress: request.remoteAddress)

        let outcome = service.token(tokenRequest)
        switch outcome.result {
        case .failure(let stamped):
            return .entraError(stamped, baseURL: context.baseURL)
        case .success(let tokens):
            let headers = TokenEndpointHeaders.headers(traceId: outcome.traceId)
            switch tokens.endpoint {
            case .v2:
                return .json(TokenResponseV2(
                    token_type: tokens.tokenType, scope: tokens.scope, expires_in: tokens.expiresIn,
                    ext_expires_in: tokens.extExpiresIn, access_token: tokens.accessToken,
                    refresh_token: tokens.refreshToken, id_token: tokens.idToken, client_info: tokens.clientInfo),
                    headers: headers)
            case .v1:
                return .json(TokenResponseV1(
                    token_type: tokens.tokenType, scope: tokens.scope, expires_in: String(tokens.expiresIn),
                    ext_expires_in: String(tokens.extExpiresIn), expires_on: String(tokens.expiresOn),
                    not_before: String(tokens.notBefore), resource: tokens.resource,
                    access_token: tokens.accessToken, refresh_token: tokens.refreshToken, id_token: tokens.idToken),
                    headers: headers)
            }
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
