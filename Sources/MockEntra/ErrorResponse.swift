import Foundation
import HTTPServer
import JOSE
import TokenService

/// Entra's error JSON (entra-wire §2.1), member for member and in Entra's order.
enum EntraErrorBody {
    static func json(_ stamped: StampedError, baseURL: String) -> [UInt8] {
        var writer = JSONObjectWriter()
        writer.string("error", stamped.error.error)
        writer.string("error_description", stamped.description)
        writer.integers("error_codes", [stamped.error.code])
        writer.string("timestamp", stamped.timestampText)
        writer.string("trace_id", stamped.traceId)
        writer.string("correlation_id", stamped.correlationId)
        // Entra's error_uri follows the host that was called.
        writer.string("error_uri", "\(baseURL)/error?code=\(stamped.error.code)")
        writer.string("suberror", stamped.error.suberror)
        writer.string("claims", stamped.error.claims)
        return writer.finish()
    }
}

extension HTTPResponse {
    /// An Entra error with the headers Entra sends on token-endpoint responses.
    static func entraError(_ stamped: StampedError, baseURL: String) -> HTTPResponse {
        // Only injected faults carry one; msal reads it as whole seconds (its throttling cache).
        let retryAfter = stamped.error.retryAfter.map { [("Retry-After", String($0))] } ?? []
        return .tokenEndpointJSON(EntraErrorBody.json(stamped, baseURL: baseURL), status: stamped.error.httpStatus,
                                  traceId: stamped.traceId, extra: retryAfter)
    }

    /// An Entra error raised outside the token service (discovery, wrong method), stamped now.
    static func entraError(_ error: EntraError, baseURL: String, correlationId: String? = nil, now: Date = Date()) -> HTTPResponse {
        entraError(.fresh(error, at: now, correlationId: correlationId), baseURL: baseURL)
    }
}

/// Headers seen on real token responses (entra-wire §1.3); `x-ms-request-id` carries the trace id.
enum TokenEndpointHeaders {
    /// The fields every token-endpoint response has, checked and serialized once for all of them.
    /// `Access-Control-Allow-Origin`: single-page apps redeem codes and refresh tokens from the
    /// browser (cross-origin, and MockEntra requires the `Origin` for them, as Entra does), and
    /// must be able to read the answer.
    static let fixed = HTTPHeaderBlock([
        ("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store, no-cache"),
        ("Pragma", "no-cache"), ("Expires", "-1"), ("X-Content-Type-Options", "nosniff"),
        ("x-ms-ests-server", "MockEntra"), ("Access-Control-Allow-Origin", "*")])
}

extension HTTPResponse {
    /// A JSON body with the token endpoint's headers (their block has the Content-Type), then
    /// `x-ms-request-id` and `extra`.
    static func tokenEndpointJSON(_ bytes: [UInt8], status: Int = 200, traceId: String,
                                  extra: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders(block: TokenEndpointHeaders.fixed, [("x-ms-request-id", traceId)] + extra),
                     body: bytes)
    }
}
