import COpenSSL

/// Small helpers shared by the key and certificate types. Internal: no OpenSSL type leaves the module.
enum OpenSSLSupport {
    /// A read-only memory BIO over `bytes`, passed to `body` and freed after it.
    static func withMemoryBIO<R>(_ bytes: [UInt8], _ body: (OpaquePointer) throws(JOSEError) -> R) throws(JOSEError) -> R {
        guard bytes.count <= Int(Int32.max) else { throw .invalidPEM("input under 2 GiB") }
        // BIO_new_mem_buf does not copy: `bytes` must stay alive (and pinned) while the BIO is in use.
        let result: Result<R, JOSEError> = bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
                return .failure(JOSEError.fromOpenSSL("BIO_new_mem_buf"))
            }
            defer { BIO_free(bio) }
            do throws(JOSEError) { return .success(try body(bio)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Everything written to a fresh memory BIO by `body`, as text.
    static func text(writtenBy body: (OpaquePointer) -> Int32) -> String? {
        guard let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard body(bio) >= 0 else { return nil }
        var pointer: UnsafeMutablePointer<CChar>? = nil
        let length = mockentra_BIO_get_mem_data(bio, &pointer)
        guard let pointer, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    /// A big-endian unsigned BIGNUM parameter of a key (no leading zero bytes).
    static func bigNumberParameter(_ pkey: OpaquePointer, _ name: UnsafePointer<CChar>) -> [UInt8]? {
        var bn: OpaquePointer? = nil
        guard EVP_PKEY_get_bn_param(pkey, name, &bn) == 1, let bn else { return nil }
        defer { BN_free(bn) }
        var bytes = [UInt8](repeating: 0, count: Int(mockentra_BN_num_bytes(bn)))
        let written = bytes.withUnsafeMutableBufferPointer { BN_bn2bin(bn, $0.baseAddress) }
        return written == bytes.count ? bytes : nil
    }

    /// DER encoding through an OpenSSL `i2d_*` function (two-call form: size, then bytes).
    static func der(_ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32) -> [UInt8]? {
        let length = encode(nil)
        guard length > 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        let written = bytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return encode(&cursor)
        }
        return written == length ? bytes : nil
    }
}
