// Emulator-only: failures on demand, from the test-control API or a scenario file.

/// A failure a test asks for (`POST /_mockentra/faults`, or a scenario's `faults`): the next
/// matching token requests get this status and Entra error instead of being handled, so that clients'
/// retry and throttling paths (msal's Retry-After cache, azure-core's retry policy) can be
/// tested. Emulator-only; Entra has no such switch.
public struct FaultRule: Sendable, Equatable, Encodable {
    /// Match only this client (any case); nil matches every client.
    public var clientId: String?
    /// Match only this `grant_type` value; nil matches every grant.
    public var grantType: String?
    public var status: Int
    public var error: String
    public var code: Int
    public var message: String
    /// Seconds, sent as `Retry-After`.
    public var retryAfter: Int?
    /// How many more requests it answers.
    public var remaining: Int

    /// What Entra answers when its back end is briefly unavailable. The code and text are
    /// AADSTS90006 (ExternalServerRetryableError, "The service is temporarily unavailable."), and
    /// `temporarily_unavailable` is OAuth's value for it: our choice where a test names neither.
    public static let defaultError = "temporarily_unavailable"
    public static let defaultCode = 90006
    public static let defaultMessage = "The service is temporarily unavailable."
    /// The ranges a rule's numbers must be in (the loader and `problem` read these).
    public static let statusRange = 400...599
    public static let codeRange = 1...9_999_999
    public static let retryAfterRange = 0...3600
    public static let timesRange = 1...1000
    /// Rules in force at once, at most: a test needs a handful, and memory stays bounded.
    public static let maximumInForce = 100
    /// The members a rule is written with (control API bodies, scenario files).
    public static let keys = ["clientId", "grantType", "status", "error", "code", "message", "retryAfter", "times"]
    /// The `grant_type` values the token endpoint handles (TokenService checks it has these).
    public static let knownGrantTypes: Set<String> = [
        "client_credentials", "password", "refresh_token", "authorization_code",
        "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:jwt-bearer", "user_fic",
    ]

    public init(clientId: String? = nil, grantType: String? = nil, status: Int = 503, error: String? = nil,
                code: Int? = nil, message: String? = nil, retryAfter: Int? = nil, times: Int = 1) {
        self.clientId = clientId?.lowercased()
        self.grantType = grantType
        self.status = status
        self.error = error ?? Self.defaultError
        self.code = code ?? Self.defaultCode
        self.message = message ?? Self.defaultMessage
        self.retryAfter = retryAfter
        self.remaining = times
    }

    public func matches(clientId: String?, grantType: String?) -> Bool {
        (self.clientId == nil || self.clientId == clientId?.lowercased()) && (self.grantType == nil || self.grantType == grantType)
    }

    /// Why a rule cannot be used, or nil. Statuses are the failures clients react to (4xx, 5xx).
    /// Text is bounded: every faulted request copies it into an exchange record.
    public var problem: String? {
        if !Self.statusRange.contains(status) { return "status must be from 400 to 599" }
        if (clientId?.utf8.count ?? 0) > 256 || (grantType?.utf8.count ?? 0) > 256 {
            return "clientId and grantType must be at most 256 bytes"
        }
        if message.isEmpty || message.utf8.count > 1024 || message.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "message must be 1 to 1024 bytes without control characters"
        }
        if !Self.timesRange.contains(remaining) { return "times must be from 1 to 1000" }
        if let retryAfter, !Self.retryAfterRange.contains(retryAfter) { return "retryAfter must be from 0 to 3600 seconds" }
        if !Self.codeRange.contains(code) { return "code must be an AADSTS number from 1 to 9999999" }
        if let grantType, !Self.knownGrantTypes.contains(grantType) {
            return "grantType must be a grant_type value the token endpoint handles: \(Self.knownGrantTypes.sorted().joined(separator: ", "))"
        }
        if error.isEmpty || error.utf8.count > 64 || !error.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
            return "error must be a printable ASCII word of at most 64 bytes"
        }
        return nil
    }
}
