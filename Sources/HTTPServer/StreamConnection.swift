#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLinuxEvents
import COpenSSL

/// A connected non-blocking socket, optionally wrapped in TLS. The single-step calls (`handshakeStep`,
/// `readOnce`, `writeOnce`) never wait: the server's event loop drives them from epoll. The blocking-style
/// calls bounded by deadlines are built on them for `HTTPClient`.
final class StreamConnection {
    /// What one non-blocking attempt did.
    enum Attempt: Equatable { case bytes(Int), eof, failed, wouldBlock(wantWrite: Bool) }
    enum ReadOutcome: Equatable { case bytes(Int), eof, timeout, failed }

    let fd: Int32
    private var ssl: OpaquePointer?
    private var closed = false
    /// Reused for every read; 16 KiB holds a whole TLS record, so SSL_read never leaves half of one behind.
    private var scratch = [UInt8](repeating: 0, count: StreamConnection.readSize)
    static let readSize = 16 * 1024

    init(fd: Int32) {
        self.fd = fd
        SocketOps.setNonBlocking(fd)
    }

    deinit { close() }


    /// Attaches a TLS session to the socket; the handshake is then run with `handshakeStep`.
    func attachTLS(context: TLSContext, configure: (OpaquePointer) -> Bool = { _ in true }) -> Bool {
        guard let handle = SSL_new(context.context) else { return false }
        ssl = handle
        return SSL_set_fd(handle, fd) == 1 && configure(handle)
    }

    /// One non-blocking step of the TLS handshake: `.bytes(0)` when it is complete.
    func handshakeStep(asServer: Bool) -> Attempt {
        guard let ssl else { return .failed }
        ERR_clear_error()
        let result = asServer ? SSL_accept(ssl) : SSL_connect(ssl)
        if result == 1 { return .bytes(0) }
        return Self.attempt(afterFailed: result, of: ssl)
    }

    /// A failed handshake or write step: wait for the socket OpenSSL names, or give up.
    private static func attempt(afterFailed result: Int32, of ssl: OpaquePointer) -> Attempt {
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ: return .wouldBlock(wantWrite: false)
        case SSL_ERROR_WANT_WRITE: return .wouldBlock(wantWrite: true)
        default:
            ERR_clear_error()
            return .failed
        }
    }

    /// Runs the whole TLS handshake (server or client side). False on failure or timeout; the caller closes.
    func startTLS(context: TLSContext, asServer: Bool, deadline: Deadline, configure: (OpaquePointer) -> Bool = { _ in true }) -> Bool {
        guard attachTLS(context: context, configure: configure) else { return false }
        while true {
            switch handshakeStep(asServer: asServer) {
            case .bytes: return true
            case .wouldBlock(let wantWrite):
                guard SocketOps.wait(fd, forWrite: wantWrite, deadline: deadline) == .ready else { return false }
            case .eof, .failed:
                return false
            }
        }
    }

    /// Why certificate verification failed in the last handshake, if it did.
    var certificateVerificationError: String? {
        guard let ssl else { return nil }
        let result = SSL_get_verify_result(ssl)
        guard result != X509_V_OK else { return nil }
        return String(cString: X509_verify_cert_error_string(result))
    }

    /// Reads what is available (at most 16 KiB), appended to `buffer`, waiting until `deadline` if needed.
    func read(into buffer: inout [UInt8], deadline: Deadline) -> ReadOutcome {
        while true {
            switch readOnce(into: &buffer) {
            case .bytes(let count): return .bytes(count)
            case .eof: return .eof
            case .failed: return .failed
            case .wouldBlock(let wantWrite):
                guard SocketOps.wait(fd, forWrite: wantWrite, deadline: deadline) == .ready else { return .timeout }
            }
        }
    }

    /// Decrypted or read-ahead bytes inside OpenSSL that poll() and epoll cannot see.
    var hasBufferedTLSData: Bool {
        guard let ssl else { return false }
        return SSL_has_pending(ssl) == 1
    }

    /// One non-blocking read of at most 16 KiB, appended to `buffer`.
    func readOnce(into buffer: inout [UInt8]) -> Attempt {
        let attempt = scratch.withUnsafeMutableBytes { receive(into: $0) }
        if case .bytes(let count) = attempt { buffer.append(contentsOf: scratch[0..<count]) }
        return attempt
    }

    private func receive(into chunk: UnsafeMutableRawBufferPointer) -> Attempt {
        if let ssl {
            ERR_clear_error()
            var count = 0
            let result = SSL_read_ex(ssl, chunk.baseAddress, chunk.count, &count)
            if result == 1 { return .bytes(count) }
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ: return .wouldBlock(wantWrite: false)
            case SSL_ERROR_WANT_WRITE: return .wouldBlock(wantWrite: true)
            case SSL_ERROR_ZERO_RETURN: return .eof
            case SSL_ERROR_SYSCALL:
                ERR_clear_error()
                return errno == 0 || errno == ECONNRESET ? .eof : .failed
            default:
                ERR_clear_error()
                return .failed
            }
        }
        let count = recv(fd, chunk.baseAddress, chunk.count, 0)
        if count > 0 { return .bytes(count) }
        if count == 0 { return .eof }
        switch errno {
        case EAGAIN, EWOULDBLOCK, EINTR: return .wouldBlock(wantWrite: false)
        case ECONNRESET: return .eof
        default: return .failed
        }
    }

    /// One non-blocking write of `bytes[offset...]`. With TLS, a `.wouldBlock` must be retried with the
    /// same bytes (SSL_write's rule; the moving-buffer mode lets the array itself move).
    func writeOnce(_ bytes: [UInt8], from offset: Int) -> Attempt {
        if let ssl {
            ERR_clear_error()
            var written = 0
            let result = bytes.withUnsafeBytes { raw in
                SSL_write_ex(ssl, raw.baseAddress.map { $0 + offset }, raw.count - offset, &written)
            }
            if result == 1 { return .bytes(written) }
            return Self.attempt(afterFailed: result, of: ssl)
        }
        let sent = bytes.withUnsafeBytes { raw in
            send(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset, Int32(MSG_NOSIGNAL))
        }
        if sent > 0 { return .bytes(sent) }
        guard sent < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { return .failed }
        return .wouldBlock(wantWrite: true)
    }

    /// Writes all of `bytes` (one send for plain sockets when the kernel buffer has room). False on
    /// failure, timeout or a closed peer.
    func write(_ bytes: [UInt8], deadline: Deadline) -> Bool {
        var offset = 0
        while offset < bytes.count {
            switch writeOnce(bytes, from: offset) {
            case .bytes(let count): offset += count
            case .eof, .failed: return false
            case .wouldBlock(let wantWrite):
                guard SocketOps.wait(fd, forWrite: wantWrite, deadline: deadline) == .ready else { return false }
            }
        }
        return true
    }

    /// Sends our FIN (and TLS close_notify) but keeps reading possible.
    func shutdownWrite() {
        if let ssl { _ = SSL_shutdown(ssl) }
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    func close() {
        guard !closed else { return }
        closed = true
        if let ssl {
            SSL_free(ssl)
            self.ssl = nil
        }
        _ = Glibc.close(fd)
    }
}
