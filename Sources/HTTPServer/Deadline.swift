#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point on the monotonic clock (wall-clock jumps must not shorten or extend timeouts).
struct Deadline: Sendable, Comparable {
    let nanoseconds: UInt64

    static var now: Deadline {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Deadline(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    static func after(seconds: Double) -> Deadline {
        let clamped = max(0, min(seconds, 86_400 * 365))
        return Deadline(nanoseconds: now.nanoseconds + UInt64(clamped * 1_000_000_000))
    }

    static let distantFuture = Deadline(nanoseconds: .max)

    /// Milliseconds left, for poll(): 0 when passed, -1 (infinite) for the distant future.
    var pollTimeoutMilliseconds: Int32 {
        if self == .distantFuture { return -1 }
        let current = Deadline.now.nanoseconds
        guard nanoseconds > current else { return 0 }
        return Int32(min((nanoseconds - current + 999_999) / 1_000_000, UInt64(Int32.max)))
    }

    static func < (a: Deadline, b: Deadline) -> Bool { a.nanoseconds < b.nanoseconds }
}
