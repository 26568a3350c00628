import COpenSSL
import Foundation

/// Cryptographically secure random bytes from OpenSSL's DRBG. Token ids, trace ids and codes are
/// drawn on every request: `SystemRandomNumberGenerator` costs one getrandom(2) syscall per 8
/// bytes, and each RAND_bytes call has a fixed cost of its own, so small draws are served from a
/// 4 KiB buffer refilled with one RAND_bytes call.
public enum SecureRandom {
    private static let pool = Pool()

    public static func bytes(_ count: Int) -> [UInt8] {
        if count > Pool.size / 4 { return draw(count) }
        return pool.take(count)
    }

    /// A generator over the same pool, for `Int.random(in:using:)`: the system generator would
    /// cost a getrandom(2) syscall per draw.
    public struct Generator: RandomNumberGenerator {
        public init() {}
        public mutating func next() -> UInt64 {
            SecureRandom.bytes(8).reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    /// One RAND_bytes call (the kernel if OpenSSL's DRBG cannot seed, rather than trap).
    static func draw(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let ok = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        if ok != 1 {
            var generator = SystemRandomNumberGenerator()
            for index in bytes.indices { bytes[index] = generator.next() }
        }
        return bytes
    }

    /// Bytes are handed out once each, under a lock, and never reused.
    private final class Pool: @unchecked Sendable {
        static let size = 4096
        private let lock = NSLock()
        private var buffer: [UInt8] = []
        private var offset = 0

        func take(_ count: Int) -> [UInt8] {
            lock.lock()
            defer { lock.unlock() }
            if offset + count > buffer.count {
                buffer = SecureRandom.draw(Self.size)
                offset = 0
            }
            let slice = Array(buffer[offset..<(offset + count)])
            // Overwrite what was handed out, so the pool never holds bytes someone else owns.
            for index in offset..<(offset + count) { buffer[index] = 0 }
            offset += count
            return slice
        }
    }
}
