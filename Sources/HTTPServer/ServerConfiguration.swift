#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One address to listen on.
public struct ListenerConfiguration: Sendable {
    /// "127.0.0.1", "::1", "0.0.0.0", "::" or a name such as "localhost" (resolved; IPv4 preferred).
    public var host: String
    /// 0 picks an ephemeral port; `HTTPServer.start()` reports the actual one.
    public var port: Int
    /// nil serves plain HTTP.
    public var tls: TLSConfiguration?

    public init(host: String = "127.0.0.1", port: Int, tls: TLSConfiguration? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
    }
}

/// Where a listener actually listens, after binding.
public struct BoundListener: Sendable, Equatable {
    public let host: String
    public let port: Int
    public let isTLS: Bool
}

/// Resource limits that keep hostile or broken clients from exhausting the server.
public struct ServerLimits: Sendable {
    /// Request line + headers; beyond → 431.
    public var maxHeaderBytes = 16 * 1024
    /// Beyond → 413, decided from Content-Length before reading the body.
    public var maxBodyBytes = 1024 * 1024
    /// Seconds a client may stay silent mid-request (→ 408 + close) or idle between keep-alive requests (→ close).
    public var readTimeout: Double = 10
    /// Whole-request deadline from its first byte, so a slow-drip client cannot hold a connection forever.
    public var requestDeadline: Double = 30
    /// Simultaneous connections; beyond, new ones are answered 503 (plain) or closed (TLS).
    public var maxConnections = 512
    /// Worker threads serving connections (each an epoll loop); nil = the number of online CPUs, at least 2.
    public var workerThreads: Int?

    public init() {}

    public static let `default` = ServerLimits()

    var effectiveWorkerThreads: Int {
        if let workerThreads { return max(1, workerThreads) }
        return max(2, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    var parserLimits: HTTPParserLimits {
        HTTPParserLimits(maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes)
    }
}
