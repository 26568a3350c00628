import Foundation
import HTTPServer
import TokenService

/// Entra's error JSON (entra-wire §2.1), field for field and in Entra's order.
struct EntraErrorBody: Encodable {
    let error: String
    let error_description: String
    let error_codes: [Int]
    let timestamp: String
    let trace_id: String
    let correlation_id: String
    let error_uri: String
    let suberror: String?
    let claims: String?

    init(_ stamped: StampedError, baseURL: String) {
        error = stamped.error.error
        error_description = stamped.description
        error_codes = [stamped.error.code]
        timestamp = stamped.timestampText
        trace_id = stamped.traceId
        correlation_id = stamped.correlationId
        // Entra's error_uri follows the host that was called.
        error_uri = "\(baseURL)/error?code=\(stamped.error.code)"
        suberror = stamped.error.suberror
        claims = stamped.error.claims
    }
}

extension HTTPResponse {
    /// An Entra error with the headers Entra sends on token-endpoint responses.
    static func entraError(_ stamped: StampedError, baseURL: String) -> HTTPResponse {
        .json(EntraErrorBody(stamped, baseURL: baseURL), status: stamped.error.httpStatus,
              headers: TokenEndpointHeaders.headers(traceId: stamped.traceId))
    }

    /// An Entra error raised outside the token service (discovery, wrong method), stamped now.
    static func entraError(_ error: EntraError, baseURL: String, correlationId: String? = nil, now: Date = Date()) -> HTTPResponse {
        let stamped = StampedError(error: error, traceId: UUID().uuidString.lowercased(),
                                   correlationId: correlationId ?? UUID().uuidString.lowercased(), timestamp: now)
        return entraError(stamped, baseURL: baseURL)
    }
}

/// Headers seen on real token responses (entra-wire §1.3); `x-ms-request-id` carries the trace id.
enum TokenEndpointHeaders {
    static func headers(traceId: String) -> [(String, String)] {
        [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache"), ("Expires", "-1"),
         ("X-Content-Type-Options", "nosniff"), ("x-ms-request-id", traceId),
         ("x-ms-ests-server", "MockEntra")]
    }
}

extension EntraError {
    /// 900561: the token endpoint takes POST only.
    static func postOnly(_ method: String) -> EntraError {
        EntraError(error: "invalid_request", code: 900561,
                   message: "The endpoint only accepts POST, OPTIONS requests. Received a \(method) request.")
    }

    /// 50049: instance discovery for a host this server is not.
    static func unknownInstance() -> EntraError {
        EntraError(error: "invalid_instance", code: 50049, message: "Unknown or invalid instance.")
    }

    /// 90002 at discovery is `invalid_tenant` (Azure/azure-cli#22145), unlike the token endpoint.
    static func discoveryTenantNotFound(_ tenant: String) -> EntraError {
        var error = EntraError.tenantNotFound(tenant)
        error.error = "invalid_tenant"
        return error
    }
}
