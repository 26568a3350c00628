import Foundation
import HTTPServer
import JOSE
import TokenService

/// `POST /{tenant}/oauth2/v2.0/devicecode`: starts a device flow (entra-wire §6). The v1
/// `/oauth2/devicecode` takes `resource` and answers `verification_url` (inferred) instead.
struct DeviceCodeRoutes: Sendable {
    let service: TokenService

    func deviceCode(_ context: RequestContext, tenant: String, v1: Bool = false) -> HTTPResponse {
        let request = context.request
        guard request.method == "POST" else {
            return .entraError(.postOnly(request.method), baseURL: context.baseURL, correlationId: context.clientRequestId())
        }
        guard let parsed = context.formParameters else {
            return .entraError(.malformedRequest(), baseURL: context.baseURL, correlationId: context.clientRequestId())
        }
        let form = v1 ? TokenService.v1DeviceCodeParameters(parsed) : parsed
        switch service.deviceAuthorization(tenant: tenant, form: form, baseURL: context.baseURL,
                                           clientRequestId: context.clientRequestId(form: form)) {
        case .failure(let stamped):
            return .entraError(stamped, baseURL: context.baseURL)
        case .success(let issued):
            var writer = JSONObjectWriter()
            writer.string("user_code", issued.userCode)
            writer.string("device_code", issued.deviceCode)
            writer.string(v1 ? "verification_url" : "verification_uri", issued.verificationURI)
            writer.integer("expires_in", issued.expiresIn)
            writer.integer("interval", issued.interval)
            writer.string("message", issued.message)
            return .tokenEndpointJSON(writer.finish(), traceId: Identifiers.randomGUID())
        }
    }
}
