import Foundation

/// The sign-in behind each user access token this service issued, by `uti`. An On-Behalf-Of hop
/// inherits the original sign-in's facts (`auth_time`, `amr`, session), as Entra's downstream
/// tokens do, even when the incoming token's format does not carry them (v2 tokens have no `amr`).
/// Bounded: the oldest entries are forgotten; a token not found falls back to its own claims.
final class IssuedTokenIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: Authentication] = [:]
    private var order: [String] = []
    private var start = 0
    private let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    func remember(tokenId: String, authentication: Authentication) {
        lock.lock()
        defer { lock.unlock() }
        entries[tokenId] = authentication
        if order.count < capacity {
            order.append(tokenId)
        } else {
            entries[order[start]] = nil
            order[start] = tokenId
            start = (start + 1) % capacity
        }
    }

    func authentication(tokenId: String) -> Authentication? {
        lock.lock()
        defer { lock.unlock() }
        return entries[tokenId]
    }
}
