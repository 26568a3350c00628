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

    /// Moves the clock forward (or back, with a negative interval).
    public func advance(by seconds: TimeInterval) {
        lock.lock()
        offset += seconds
        lock.unlock()
    }

    /// Sets the clock to an absolute time; the real clock keeps ticking from there.
    public func set(to date: Date) {
        lock.lock()
        offset = date.timeIntervalSinceNow
        lock.unlock()
    }

    /// Back to real time.
    public func reset() {
        lock.lock()
        offset = 0
        lock.unlock()
    }
}
