#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import COpenSSL

/// A connected non-blocking socket, optionally wrapped in TLS, with blocking-style calls bounded by
/// deadlines. Every wait goes through poll(), so a silent peer costs a sleeping thread, never a stuck one,
/// and the server's wake pipe can interrupt waits that are marked interruptible.
final class StreamConnection {
    enum ReadOutcome: Equatable { case bytes(Int), eof, timeout, woken, failed }

    let fd: Int32
    private var ssl: OpaquePointer?
    private let wakeFD: Int32
    private var closed = false
    /// Reused for every read; 16 KiB holds a whole TLS record, so SSL_read never leaves half of one behind.
    private var scratch = [UInt8](repeating: 0, count: 16 * 1024)

    init(fd: Int32, wakeFD: Int32 = -1) {
        self.fd = fd
        self.wakeFD = wakeFD
        SocketOps.setNonBlocking(fd)
    }

    deinit { close() }


    /// Runs the TLS handshake (server or client side). False on failure or timeout; the caller closes.
    func startTLS(context: TLSContext, asServer: Bool, deadline: Deadline, configure: (OpaquePointer) -> Bool = { _ in true }) -> Bool {
        guard let handle = SSL_new(context.context) else { return false }
        ssl = handle
        guard SSL_set_fd(handle, fd) == 1, configure(handle) else { return false }
        while true {
            ERR_clear_error()
            let result = asServer ? SSL_accept(handle) : SSL_connect(handle)
            if result == 1 { return true }
            switch SSL_get_error(handle, result) {
            case SSL_ERROR_WANT_READ:
                guard SocketOps.wait(fd, forWrite: false, deadline: deadline, wakeFD: wakeFD) == .ready else { return false }
            case SSL_ERROR_WANT_WRITE:
                guard SocketOps.wait(fd, forWrite: true, deadline: deadline, wakeFD: wakeFD) == .ready else { return false }
            default:
                ERR_clear_error()
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

    /// Reads what is available (at most 16 KiB), appended to `buffer`. `interruptible` lets the stop signal end the wait.
    func read(into buffer: inout [UInt8], deadline: Deadline, interruptible: Bool) -> ReadOutcome {
        // Between keep-alive requests nothing is usually waiting yet: wait first, saving the read(2)
        // that would only say EAGAIN. Bytes OpenSSL already holds are read without waiting.
        if interruptible, !hasBufferedTLSData {
            switch SocketOps.wait(fd, forWrite: false, deadline: deadline, wakeFD: wakeFD) {
            case .ready: break
            case .timeout: return .timeout
            case .woken: return .woken
            }
        }
        while true {
            let attempt = readOnce(&scratch)
            switch attempt {
            case .bytes(let count):
                buffer.append(contentsOf: scratch[0..<count])
                return .bytes(count)
            case .eof: return .eof
            case .failed: return .failed
            case .wouldBlock(let wantWrite):
                switch SocketOps.wait(fd, forWrite: wantWrite, deadline: deadline, wakeFD: interruptible ? wakeFD : -1) {
                case .ready: continue
                case .timeout: return .timeout
                case .woken: return .woken
                }
            }
        }
    }

    /// Decrypted or read-ahead bytes inside OpenSSL that poll() cannot see.
    private var hasBufferedTLSData: Bool {
        guard let ssl else { return false }
        return SSL_has_pending(ssl) == 1
    }

    private enum Attempt { case bytes(Int), eof, failed, wouldBlock(wantWrite: Bool) }

    private func readOnce(_ chunk: inout [UInt8]) -> Attempt {
        if let ssl {
            ERR_clear_error()
            var count = 0
            let result = chunk.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress, $0.count, &count) }
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
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 { return .bytes(count) }
        if count == 0 { return .eof }
        switch errno {
        case EAGAIN, EWOULDBLOCK, EINTR: return .wouldBlock(wantWrite: false)
        case ECONNRESET: return .eof
        default: return .failed
        }
    }

    /// Writes all of `bytes` (one send for plain sockets when the kernel buffer has room). False on
    /// failure, timeout or a closed peer.
    func write(_ bytes: [UInt8], deadline: Deadline) -> Bool {
        var offset = 0
        while offset < bytes.count {
            var wantWrite = true
            if let ssl {
                ERR_clear_error()
                var written = 0
                let result = bytes.withUnsafeBytes { raw in
                    SSL_write_ex(ssl, raw.baseAddress.map { $0 + offset }, raw.count - offset, &written)
                }
                if result == 1 {
                    offset += written
                    continue
                }
                switch SSL_get_error(ssl, result) {
                case SSL_ERROR_WANT_WRITE: wantWrite = true
                case SSL_ERROR_WANT_READ: wantWrite = false
                default:
                    ERR_clear_error()
                    return false
                }
            } else {
                let sent = bytes.withUnsafeBytes { raw in
                    send(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset, Int32(MSG_NOSIGNAL))
                }
                if sent > 0 {
                    offset += sent
                    continue
                }
                guard sent < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { return false }
            }
            guard SocketOps.wait(fd, forWrite: wantWrite, deadline: deadline) == .ready else { return false }
        }
        return true
    }

    /// Graceful close after an error response: send our FIN (and TLS close_notify), then discard what the
    /// client still sends for a moment, so the kernel does not answer unread data with a RST that would
    /// destroy the response before the client reads it.
    func lingeringClose(drainSeconds: Double = 1, maxBytes: Int = 256 * 1024) {
        if let ssl { _ = SSL_shutdown(ssl) }
        _ = shutdown(fd, Int32(SHUT_WR))
        let deadline = Deadline.after(seconds: drainSeconds)
        var discarded = 0
        var sink: [UInt8] = []
        while discarded < maxBytes {
            sink.removeAll(keepingCapacity: true)
            guard case .bytes(let count) = read(into: &sink, deadline: deadline, interruptible: true) else { break }
            discarded += count
        }
        close()
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
