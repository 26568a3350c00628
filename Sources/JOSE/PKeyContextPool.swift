import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ready-made `EVP_PKEY_CTX`s for one key, one operation (sign or verify) and one algorithm.
///
/// Why: `EVP_DigestSignInit` / `EVP_DigestVerifyInit` fetch the digest and signature
/// implementations and build a provider context on every call. In OpenSSL 3 that costs ≈ 3 µs
/// per signature and ≈ 2.5 µs per verification (measured, RSA-2048), with shared locks that
/// concurrent threads contend on. A context initialised once (`*_init`, padding, digest) can be
/// used for any number of operations on pre-hashed input; each is lent to one thread at a time.
final class PKeyContextPool: @unchecked Sendable {   // the free list is only touched under `mutex`
    enum Operation { case sign, verify }

    private let pkey: OpaquePointer
    private let operation: Operation
    private let algorithm: JWSAlgorithm
    private var free: [OpaquePointer] = []
    /// Heap-allocated: a pthread mutex must not move, and a stored property's address is not stable.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Contexts kept for reuse; more only exist while that many threads work at once.
    private static let maximumKept = 64

    /// `pkey` must outlive the pool (its owner keeps both).
    init(pkey: OpaquePointer, operation: Operation, algorithm: JWSAlgorithm) {
        self.pkey = pkey
        self.operation = operation
        self.algorithm = algorithm
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        for context in free { EVP_PKEY_CTX_free(context) }
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with a context of the pool (a new one if none is free). A context whose
    /// operation failed is freed rather than reused, so no error state can leak into a later call.
    func withContext<R>(_ body: (OpaquePointer) -> (R, ok: Bool)) -> R? {
        pthread_mutex_lock(mutex)
        let pooled = free.popLast()
        pthread_mutex_unlock(mutex)
        guard let context = pooled ?? makeContext() else { return nil }
        let (result, ok) = body(context)
        if ok {
            pthread_mutex_lock(mutex)
            let kept = free.count < Self.maximumKept
            if kept { free.append(context) }
            pthread_mutex_unlock(mutex)
            if !kept { EVP_PKEY_CTX_free(context) }
        } else {
            EVP_PKEY_CTX_free(context)
        }
        return result
    }

    private func makeContext() -> OpaquePointer? {
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else { return nil }
        let initialised = operation == .sign ? EVP_PKEY_sign_init(context) : EVP_PKEY_verify_init(context)
        guard initialised == 1, RSAPadding.configure(context, for: algorithm),
              EVP_PKEY_CTX_set_signature_md(context, SHA256Digest.md) == 1 else {
            EVP_PKEY_CTX_free(context)
            ERR_clear_error()
            return nil
        }
        return context
    }
}

/// SHA-256 fetched once: `EVP_sha256()` makes every one-shot digest fetch the implementation again.
enum SHA256Digest {
    /// Fetched at first use and never freed (one per process), read-only afterwards.
    nonisolated(unsafe) static let md: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)

    static func hash(_ buffer: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let md else { return nil }
        var output = [UInt8](repeating: 0, count: 32)
        var written: UInt32 = 0
        let ok = output.withUnsafeMutableBufferPointer { out in
            EVP_Digest(buffer.baseAddress, buffer.count, out.baseAddress, &written, md, nil)
        }
        return ok == 1 && written == 32 ? output : nil
    }
}
