#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import COpenSSL
import Foundation

public struct HTTPClientResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: [UInt8]
    /// The body as UTF-8 (invalid bytes repaired).
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A minimal blocking HTTP/1.1 client for tests and tools. URLSession on Linux cannot trust a custom
/// CA, so HTTPS goes through OpenSSL here: chain verified against `caFile`, host name or IP verified,
/// SNI sent, TLS 1.2 or later. Sequential requests reuse one keep-alive connection.
public final class HTTPClient: @unchecked Sendable {
    public let host: String
    public let port: Int
    /// The name (or IP) the server certificate must match; defaults to `host`.
    public let serverName: String
    private let timeout: Double
    private let tls: TLSContext?
    private let lock = NSLock()
    private var connection: StreamConnection?
    private var pending: [UInt8] = []

    /// Largest response body accepted (a test client, not a download manager).
    static let maxResponseBytes = 64 * 1024 * 1024

    /// - Parameters:
    ///   - caFile: nil for plain HTTP; otherwise the PEM CA bundle the server must chain to.
    ///   - serverName: verify the certificate for this name instead of `host` (e.g. connect to
    ///     127.0.0.1 but expect `localhost`); also sent as SNI.
    public init(host: String, port: Int, caFile: String?, timeout: Double = 10, serverName: String? = nil) throws {
        self.host = host
        self.port = port
        self.serverName = serverName ?? host
        self.timeout = timeout
        tls = try caFile.map { file throws(HTTPServerError) in try TLSContext.client(caFile: file) }
        signal(SIGPIPE, SIG_IGN)
    }

    deinit { connection?.close() }

    public func close() {
        lock.lock()
        defer { lock.unlock() }
        connection?.close()
        connection = nil
        pending = []
    }

    public func send(method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> HTTPClientResponse {
        lock.lock()
        defer { lock.unlock() }
        let request = serializeRequest(method: method, path: path, headers: headers, body: body)
        let reused = connection != nil
        // The server may have closed an idle keep-alive connection: retry once on a fresh one, but
        // only idempotent requests — a POST may already have been processed.
        let retryable = reused && (method == "GET" || method == "HEAD")
        do {
            return try exchange(request, method: method)
        } catch {
            guard retryable, case .connectionClosed = error else { throw error }
            return try exchange(request, method: method)
        }
    }

    private func exchange(_ request: [UInt8], method: String) throws(HTTPServerError) -> HTTPClientResponse {
        let stream: StreamConnection
        if let existing = connection {
            stream = existing
        } else {
            stream = try connect()
            connection = stream
        }
        let deadline = Deadline.after(seconds: timeout)
        do throws(HTTPServerError) {
            guard stream.write(request, deadline: deadline) else { throw HTTPServerError.connectionClosed }
            let (response, keepAlive) = try readResponse(stream, method: method, deadline: deadline)
            if !keepAlive { dropConnection() }
            return response
        } catch {
            dropConnection()
            throw error
        }
    }

    private func dropConnection() {
        connection?.close()
        connection = nil
        pending = []
    }

    private func serializeRequest(method: String, path: String, headers: [(String, String)], body: [UInt8]) -> [UInt8] {
        Self.requestBytes(method: method, path: path, headers: headers, body: body,
                          host: "\(host.contains(":") ? "[\(host)]" : host):\(port)")
    }

    /// An HTTP/1.1 request as it goes on the wire: `Host` (when not given) and `Content-Length`
    /// (for a body, or a POST/PUT/PATCH) added; header names and values written as given.
    public static func requestBytes(method: String, path: String, headers: [(String, String)], body: [UInt8],
                                    host: String) -> [UInt8] {
        var given = HTTPHeaders(headers)
        if !given.contains("Host") { given.set("Host", host) }
        if !given.contains("Content-Length"), !given.contains("Transfer-Encoding"),
           !body.isEmpty || ["POST", "PUT", "PATCH"].contains(method) {
            given.add("Content-Length", String(body.count))
        }
        var head = "\(method) \(path) HTTP/1.1\r\n"
        for field in given { head += "\(field.name): \(field.value)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    private func connect() throws(HTTPServerError) -> StreamConnection {
        let deadline = Deadline.after(seconds: timeout)
        let addresses = try SocketAddress.resolve(host: host, port: port, passive: false)
        var lastReason = "no address"
        for address in addresses {
            let fd = socket(address.family, SocketOps.streamType, 0)
            guard fd >= 0 else { throw .socket(operation: "socket", errno: errno) }
            SocketOps.setCloseOnExec(fd)
            SocketOps.setNoDelay(fd)
            let stream = StreamConnection(fd: fd)
            let result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
            if result != 0 && errno != EINPROGRESS {
                lastReason = String(cString: strerror(errno))
                stream.close()
                continue
            }
            if result != 0 {
                guard SocketOps.wait(fd, forWrite: true, deadline: deadline) == .ready else {
                    stream.close()
                    throw .timeout("connecting to \(host):\(port)")
                }
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                if error != 0 {
                    lastReason = String(cString: strerror(error))
                    stream.close()
                    continue
                }
            }
            if let tls {
                try handshake(stream, context: tls, deadline: deadline)
            }
            return stream
        }
        throw .connect(host: host, port: port, reason: lastReason)
    }

    private func handshake(_ stream: StreamConnection, context: TLSContext, deadline: Deadline) throws(HTTPServerError) {
        let name = serverName
        let isIPAddress = Self.isIPAddress(name)
        let ok = stream.startTLS(context: context, asServer: false, deadline: deadline) { ssl in
            guard let parameters = SSL_get0_param(ssl) else { return false }
            if isIPAddress {
                return X509_VERIFY_PARAM_set1_ip_asc(parameters, name) == 1
            }
            // SNI for names only (RFC 6066 forbids IP literals).
            return X509_VERIFY_PARAM_set1_host(parameters, name, 0) == 1
                && mockentra_SSL_set_tlsext_host_name(ssl, name) == 1
        }
        guard ok else {
            let reason = stream.certificateVerificationError.map { "certificate verification failed: \($0)" }
                ?? "handshake failed: \(openSSLErrors())"
            stream.close()
            throw .tls("\(host):\(port): \(reason)")
        }
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    // MARK: Response parsing

    private func readMore(_ stream: StreamConnection, deadline: Deadline) throws(HTTPServerError) -> Bool {
        switch stream.read(into: &pending, deadline: deadline) {
        case .bytes: return true
        case .eof: return false
        case .timeout: throw .timeout("waiting for the response from \(host):\(port)")
        case .failed: throw .connectionClosed
        }
    }

    /// Reads one final response (skipping 1xx interim responses). Returns whether the connection can be reused.
    private func readResponse(_ stream: StreamConnection, method: String, deadline: Deadline) throws(HTTPServerError) -> (HTTPClientResponse, Bool) {
        while true {
            var headEnd: Int?
            while true {
                headEnd = HTTPRequestParser.findHeadEnd(pending[...], from: 0, limit: 64 * 1024)
                if headEnd != nil { break }
                if pending.count > 64 * 1024 { throw .malformedResponse("header section too large") }
                guard try readMore(stream, deadline: deadline) else {
                    throw pending.isEmpty ? .connectionClosed : .malformedResponse("connection closed inside the header section")
                }
            }
            guard let end = headEnd else { throw .malformedResponse("no header section") }
            let (status, minor, headers) = try parseResponseHead(pending[0..<(end + 2)])
            pending.removeFirst(end + 4)
            if (100..<200).contains(status) { continue }

            let options = headers.values(for: "Connection").flatMap(ASCII.tokenList)
            var keepAlive = minor == 1 ? !options.contains("close") : options.contains("keep-alive")
            let body: [UInt8]
            if method == "HEAD" || HTTPStatus.forbidsBody(status) {
                body = []
            } else if headers.values(for: "Transfer-Encoding").flatMap(ASCII.tokenList).last == "chunked" {
                body = try readChunked(stream, deadline: deadline)
            } else if let lengthText = headers["Content-Length"] {
                guard let length = try? HTTPRequestParser.parseContentLength(lengthText), length <= Self.maxResponseBytes else {
                    throw .malformedResponse("bad Content-Length \(lengthText)")
                }
                while pending.count < length {
                    guard try readMore(stream, deadline: deadline) else { throw .malformedResponse("body shorter than Content-Length") }
                }
                body = Array(pending[0..<length])
                pending.removeFirst(length)
            } else {
                while try readMore(stream, deadline: deadline) {
                    if pending.count > Self.maxResponseBytes { throw .malformedResponse("body too large") }
                }
                body = pending
                pending = []
                keepAlive = false
            }
            return (HTTPClientResponse(status: status, headers: headers, body: body), keepAlive)
        }
    }

    private func readChunked(_ stream: StreamConnection, deadline: Deadline) throws(HTTPServerError) -> [UInt8] {
        var decoder = ChunkedBodyDecoder(maxBodyBytes: Self.maxResponseBytes)
        while true {
            switch decoder.feed(pending[...]) {
            case .done(let consumed):
                pending.removeFirst(consumed)
                return decoder.body
            case .error(let error):
                throw .malformedResponse("chunked body: \(error.reason)")
            case .needMore:
                pending.removeAll(keepingCapacity: true)
                guard try readMore(stream, deadline: deadline) else { throw .malformedResponse("connection closed inside a chunked body") }
            }
        }
    }

    private func parseResponseHead(_ bytes: ArraySlice<UInt8>) throws(HTTPServerError) -> (Int, Int, HTTPHeaders) {
        let lines: [ArraySlice<UInt8>]
        do {
            lines = try HTTPRequestParser.splitLines(bytes)
        } catch {
            throw .malformedResponse(error.reason)
        }
        guard let statusLine = lines.first else { throw .malformedResponse("missing status line") }
        let text = String(decoding: statusLine, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "HTTP/1.1" || parts[0] == "HTTP/1.0",
              parts[1].utf8.count == 3, let status = Int(parts[1]) else {
            throw .malformedResponse("bad status line \"\(text)\"")
        }
        do {
            let headers = try HeaderFieldParser.parseFields(lines.dropFirst())
            return (status, parts[0] == "HTTP/1.1" ? 1 : 0, headers)
        } catch {
            throw .malformedResponse(error.reason)
        }
    }
}
