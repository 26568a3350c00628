import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// Cryptographically secure random bytes from OpenSSL's DRBG. Tokens ids, trace ids and codes are
/// drawn on every request: `SystemRandomNumberGenerator` costs one getrandom(2) syscall per 8 bytes,
/// OpenSSL's generator runs in user space and reseeds itself.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let ok = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        if ok != 1 {
            // OpenSSL's DRBG fails only if it cannot seed; fall back to the kernel rather than trap.
            var generator = SystemRandomNumberGenerator()
            for index in bytes.indices { bytes[index] = generator.next() }
        }
        return bytes
    }
}
