import COpenSSL

/// One-shot message digests through OpenSSL's EVP interface (the SHA*_Init family is deprecated in OpenSSL 3).
public enum Digest {
    public static func sha1(_ bytes: some Collection<UInt8>) -> [UInt8] { digest(bytes, EVP_sha1(), length: 20) }
    public static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] { digest(bytes, sha256Algorithm, length: 32) }

    /// SHA-256 fetched once (one per process, never freed, read-only afterwards): `EVP_sha256()`
    /// makes every digest, and every signing context it is set on, fetch the implementation again.
    /// Signing and verification hash on every call, so they use this too.
    nonisolated(unsafe) static let sha256Algorithm: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)

    private static func digest(_ bytes: some Collection<UInt8>, _ md: OpaquePointer?, length: Int) -> [UInt8] {
        if let result = bytes.withContiguousStorageIfAvailable({ digest(buffer: $0, md, length: length) }) { return result }
        return Array(bytes).withUnsafeBufferPointer { digest(buffer: $0, md, length: length) }
    }

    private static func digest(buffer: UnsafeBufferPointer<UInt8>, _ md: OpaquePointer?, length: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: length)
        var written: UInt32 = 0
        let ok = output.withUnsafeMutableBufferPointer { out in
            EVP_Digest(buffer.baseAddress, buffer.count, out.baseAddress, &written, md, nil)
        }
        // EVP_Digest with a built-in digest fails only on allocation failure: nothing a caller could handle.
        precondition(ok == 1 && Int(written) == length, "EVP_Digest failed")
        return output
    }
}
