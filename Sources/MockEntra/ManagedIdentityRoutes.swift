import Foundation
import HTTPServer
import JOSE
import TokenService

/// The emulated Azure host's managed-identity endpoints (entra-wire §8), on every listener:
/// - IMDS, `GET /metadata/identity/oauth2/token?api-version=…&resource=…` with `Metadata: true`
///   (azure-identity: `AZURE_POD_IDENTITY_AUTHORITY_HOST=https://localhost:PORT`);
/// - App Service 2019-08-01, `GET /msi/token?api-version=2019-08-01&resource=…` with
///   `X-IDENTITY-HEADER` (azure-identity: `IDENTITY_ENDPOINT=https://localhost:PORT/msi/token`,
///   `IDENTITY_HEADER=mockentra-identity-header`).
/// Numbers are strings, as both services send them. Tokens are issued by the directory's tenant
/// that holds the identity, with the host and port the request came in on (use the HTTPS listener
/// your APIs trust, so that v2 issuers match).
struct ManagedIdentityRoutes: Sendable {
    let service: TokenService

    static let imdsPath = ManagedIdentityRequest.Endpoint.imds.path
    static let appServicePath = ManagedIdentityRequest.Endpoint.appService.path
    /// What `IDENTITY_HEADER` must hold (a real host makes up a secret per instance).
    static let identityHeader = "mockentra-identity-header"

    func imds(_ context: RequestContext) -> HTTPResponse {
        // IMDS answers 400 to a request without the header; azure-identity's availability probe
        // sends none on purpose and takes any answer as "IMDS is here". The value is `true` "in all
        // lower case" (how-to-use-vm-token: bad_request_102 otherwise).
        guard context.request.headers["Metadata"] == "true" else {
            return imdsError(400, "bad_request_102", "Required metadata header not specified")
        }
        guard context.request.method == "GET" else { return imdsError(405, "invalid_request", "Only GET is supported") }
        guard context.query.first("api-version") != nil else {
            return imdsError(400, "invalid_request", "Required query variable 'api-version' is missing")
        }
        let query = context.query
        let request = ManagedIdentityRequest(
            endpoint: .imds, resource: query.first("resource"), clientId: query.first("client_id"),
            objectId: query.first("object_id"), resourceId: query.first("msi_res_id") ?? query.first("mi_res_id"),
            baseURL: context.baseURL)
        switch service.managedIdentityToken(request) {
        case .failure(let failure):
            return imdsError(Self.status(failure), failure.error, failure.description)
        case .success(let token):
            var writer = JSONObjectWriter()
            writer.string("access_token", token.accessToken)
            writer.string("client_id", token.clientId)
            writer.string("expires_in", String(token.expiresIn))
            writer.string("expires_on", String(token.expiresOn))
            writer.string("ext_expires_in", String(token.expiresIn))
            writer.string("not_before", String(token.notBefore))
            writer.string("resource", token.resource)
            writer.string("token_type", "Bearer")
            return .json(bytes: writer.finish())
        }
    }

    func appService(_ context: RequestContext) -> HTTPResponse {
        guard context.request.headers["X-IDENTITY-HEADER"] == Self.identityHeader else {
            return appServiceError(401, "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.")
        }
        guard context.request.method == "GET" else { return appServiceError(405, "Only GET is supported.") }
        guard context.query.first("api-version") == "2019-08-01" else {
            return appServiceError(400, "api-version must be 2019-08-01.")
        }
        let query = context.query
        let request = ManagedIdentityRequest(
            endpoint: .appService, resource: query.first("resource"),
            clientId: query.first("client_id"), objectId: query.first("principal_id") ?? query.first("object_id"),
            resourceId: query.first("mi_res_id"), baseURL: context.baseURL)
        switch service.managedIdentityToken(request) {
        case .failure(let failure):
            return appServiceError(Self.status(failure), failure.description)
        case .success(let token):
            var writer = JSONObjectWriter()
            writer.string("access_token", token.accessToken)
            writer.string("expires_on", String(token.expiresOn))
            writer.string("resource", token.resource)
            writer.string("token_type", "Bearer")
            writer.string("client_id", token.clientId)
            return .json(bytes: writer.finish())
        }
    }

    private static func status(_ failure: ManagedIdentityError) -> Int {
        failure.kind == .badRequest ? 400 : 500
    }

    private func imdsError(_ status: Int, _ error: String, _ description: String) -> HTTPResponse {
        var writer = JSONObjectWriter()
        writer.string("error", error)
        writer.string("error_description", description)
        return .json(bytes: writer.finish(), status: status)
    }

    /// App Service's error body; MSAL reads `statusCode` and `message`.
    private func appServiceError(_ status: Int, _ message: String) -> HTTPResponse {
        var writer = JSONObjectWriter()
        writer.integer("statusCode", status)
        writer.string("message", message)
        return .json(bytes: writer.finish(), status: status)
    }
}
