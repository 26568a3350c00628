import Foundation
import EntraDirectory

/// The Entra error an injected fault answers with.
extension FaultRule {
    var entraError: EntraError {
        var error = EntraError(error: self.error, code: code, message: message)
        error.faultStatus = status
        error.retryAfter = retryAfter
        return error
    }
}

/// The rules in force, first added first used. Every token request asks once; with no rules that
/// is one lock and an empty check.
public final class FaultInjector: @unchecked Sendable {

    public struct Entry: Sendable, Equatable, Encodable {
        public let id: Int
        public fileprivate(set) var rule: FaultRule
    }

    private let lock = NSLock()
    private var entries: [Entry] = []
    private var nextId = 1

    public init() {}

    /// Adds a rule (the caller has checked `problem`); returns its entry, or nil when `FaultRule.maximumInForce`
    /// rules are already in force. Ids are never reused, not even after `clear`.
    @discardableResult
    public func add(_ rule: FaultRule) -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        guard entries.count < FaultRule.maximumInForce else { return nil }
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
    func take(clientId: String?, grantType: String?) -> EntraError? {
        lock.lock()
        defer { lock.unlock() }
        guard !entries.isEmpty,
              let index = entries.firstIndex(where: { $0.rule.matches(clientId: clientId, grantType: grantType) }) else { return nil }
        entries[index].rule.remaining -= 1
        let error = entries[index].rule.entraError
        if entries[index].rule.remaining == 0 { entries.remove(at: index) }
        return error
    }
}
