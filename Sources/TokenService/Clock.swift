import Foundation

/// The emulator's notion of "now". Tests move it to expire tokens and codes without waiting.
public final class Clock: @unchecked Sendable {
    private let lock = NSLock()
    private var offset: TimeInterval = 0

    public init(offset: TimeInterval = 0) {
        self.offset = offset
    }

    public func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return Date(timeIntervalSinceNow: offset)
    }

    /// How far the emulated time may stray from real time: a century either way. Token times are
    /// whole seconds since 1970 in an `Int`; far beyond this a conversion would trap.
    public static let maximumOffset: TimeInterval = 100 * 365.25 * 86400

    /// Moves the clock forward (or back, with a negative interval). False, and no change, when the
    /// interval is not finite or the clock would leave `maximumOffset`.
    @discardableResult
    public func advance(by seconds: TimeInterval) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let next = offset + seconds
        guard seconds.isFinite, abs(next) <= Self.maximumOffset else { return false }
        offset = next
        return true
    }

    /// Sets the clock to an absolute time; the real clock keeps ticking from there. False, and no
    /// change, beyond `maximumOffset` from real time.
    @discardableResult
    public func set(to date: Date) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let next = date.timeIntervalSinceNow
        guard next.isFinite, abs(next) <= Self.maximumOffset else { return false }
        offset = next
        return true
    }

    /// Back to real time.
    public func reset() {
        lock.lock()
        offset = 0
        lock.unlock()
    }
}
