import Foundation

/// One rejection, as Entra reports it: an OAuth `error`, an AADSTS code with its message, and
/// optionally a `suberror` and a `claims` challenge. Trace and correlation ids and the timestamp
/// are stamped by `TokenService` when the error leaves it, so each grant only says *what* failed.
public struct EntraError: Error, Sendable, Equatable {
    /// The OAuth 2.0 `error` value (`invalid_client`, `invalid_grant`, ...).
    public var error: String
    /// The AADSTS number; the description starts with `AADSTS<code>: `.
    public var code: Int
    /// The text after `AADSTS<code>: `.
    public var message: String
    public var suberror: String?
    /// A JSON *string* (not base64), as Entra sends it in token-endpoint errors.
    public var claims: String?
    /// An injected fault (FaultInjector): its HTTP status and `Retry-After` seconds. Entra's own
    /// errors leave both nil.
    public var faultStatus: Int?
    public var retryAfter: Int?

    public init(error: String, code: Int, message: String, suberror: String? = nil, claims: String? = nil) {
        self.error = error
        self.code = code
        self.message = message
        self.suberror = suberror
        self.claims = claims
    }

    /// Entra answers `invalid_client` with 401 and every other token-endpoint error with 400.
    public var httpStatus: Int { faultStatus ?? (error == "invalid_client" ? 401 : 400) }
}

/// An error together with the ids Entra prints under it.
public struct StampedError: Error, Sendable, Equatable {
    public var error: EntraError
    public var traceId: String
    public var correlationId: String
    public var timestamp: Date

    public init(error: EntraError, traceId: String, correlationId: String, timestamp: Date) {
        self.error = error
        self.traceId = traceId
        self.correlationId = correlationId
        self.timestamp = timestamp
    }

    /// An error raised outside a token request (authorize, device code, discovery): new trace and
    /// correlation ids, stamped at `timestamp`.
    public static func fresh(_ error: EntraError, at timestamp: Date, correlationId: String? = nil) -> StampedError {
        StampedError(error: error, traceId: Identifiers.randomGUID(),
                     correlationId: correlationId ?? Identifiers.randomGUID(), timestamp: timestamp)
    }

    /// `AADSTS7000215: Invalid client secret provided. ...\r\nTrace ID: ...\r\nCorrelation ID: ...\r\nTimestamp: 2023-05-06 06:03:00Z`
    public var description: String {
        "AADSTS\(error.code): \(error.message)\r\nTrace ID: \(traceId)\r\nCorrelation ID: \(correlationId)\r\nTimestamp: \(EntraTimestamp.format(timestamp))"
    }

    public var timestampText: String { EntraTimestamp.format(timestamp) }
}

/// Entra's error timestamps: `2023-05-06 06:03:00Z` (UTC, seconds, a space instead of `T`).
public enum EntraTimestamp {
    public static func format(_ date: Date) -> String {
        // Total, whatever date a hostile claim made: clamped to years 1...9999 (NumericDate.range),
        // NaN as 1970, so the conversion to time_t can never trap.
        let interval = date.timeIntervalSince1970
        let clamped = interval.isNaN ? 0 : min(max(interval, NumericDate.range.lowerBound), NumericDate.range.upperBound)
        var seconds = time_t(clamped.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    /// `2023-05-06T06:03:00.0000000Z`, the form Entra uses for dates inside messages.
    public static func iso(_ date: Date) -> String {
        let text = format(date)
        return text.replacingOccurrences(of: " ", with: "T").dropLast() + ".0000000Z"
    }
}
