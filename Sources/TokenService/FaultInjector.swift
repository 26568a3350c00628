import Foundation

/// A failure a test asks for (`POST /_mockentra/faults`): the next matching token requests get
/// this status and Entra error instead of being handled, so that clients'
/// retry and throttling paths (msal's Retry-After cache, azure-core's retry policy) can be
/// tested. Emulator-only; Entra has no such switch.
public struct FaultRule: Sendable, Equatable, Codable {
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

    var entraError: EntraError {
        var error = EntraError(error: self.error, code: code, message: message)
        error.faultStatus = status
        error.retryAfter = retryAfter
        return error
    }

    func matches(clientId: String?, grantType: String?) -> Bool {
        (self.clientId == nil || self.clientId == clientId?.lowercased()) && (self.grantType == nil || self.grantType == grantType)
    }

    /// Why a rule cannot be used, or nil. Statuses are the failures clients react to (4xx, 5xx).
    /// Text is bounded: every faulted request copies it into an exchange record.
    public var problem: String? {
        if !(400...599).contains(status) { return "status must be from 400 to 599" }
        if (clientId?.utf8.count ?? 0) > 256 || (grantType?.utf8.count ?? 0) > 256 {
            return "clientId and grantType must be at most 256 bytes"
        }
        if message.isEmpty || message.utf8.count > 1024 || message.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "message must be 1 to 1024 bytes without control characters"
        }
        if !(1...1000).contains(remaining) { return "times must be from 1 to 1000" }
        if let retryAfter, !(0...3600).contains(retryAfter) { return "retryAfter must be from 0 to 3600 seconds" }
        if !(1...9_999_999).contains(code) { return "code must be an AADSTS number from 1 to 9999999" }
        if error.isEmpty || error.utf8.count > 64 || !error.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
            return "error must be a printable ASCII word of at most 64 bytes"
        }
        return nil
    }
}

/// The rules in force, first added first used. Every token request asks once; with no rules that
/// is one lock and an empty check.
public final class FaultInjector: @unchecked Sendable {
    /// Rules in force at once, at most: a test needs a handful, and memory stays bounded.
    public static let capacity = 100

    public struct Entry: Sendable, Equatable, Codable {
        public let id: Int
        public let rule: FaultRule
    }

    private let lock = NSLock()
    private var entries: [Entry] = []
    private var nextId = 1

    public init() {}

    /// Adds a rule (the caller has checked `problem`); returns its entry, or nil when `capacity`
    /// rules are already in force. Ids are never reused, not even after `clear`.
    @discardableResult
    public func add(_ rule: FaultRule) -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        guard entries.count < Self.capacity else { return nil }
        let entry = Entry(id: nextId, rule: rule)
        nextId += 1
        entries.append(entry)
        return entry
    }

    public var pending: [Entry] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }

    public func clear() {
        lock.lock()
        entries.removeAll()
        lock.unlock()
    }

    /// The error for this request if a rule matches, using up one of its `times`.
    func take(clientId: String?, grantType: String?) -> (error: EntraError, ruleId: Int)? {
        lock.lock()
        defer { lock.unlock() }
        guard !entries.isEmpty,
              let index = entries.firstIndex(where: { $0.rule.matches(clientId: clientId, grantType: grantType) }) else { return nil }
        var rule = entries[index].rule
        let id = entries[index].id
        rule.remaining -= 1
        if rule.remaining == 0 { entries.remove(at: index) } else { entries[index] = Entry(id: id, rule: rule) }
        return (rule.entraError, id)
    }
}
