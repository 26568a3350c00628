#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import COpenSSL

/// An HTTP/1.1 server (plain and TLS listeners) with one small-stack thread per connection.
/// Blocking threads rather than Dispatch: blocking sockets on the global queue starve it (see
/// shared/reference/swift-openssl.md).
public final class HTTPServer: Sendable {
    private let listeners: [ListenerConfiguration]
    private let tlsContexts: [TLSContext?]
    private let limits: ServerLimits
    private let handler: HTTPHandler
    private let state: ServerState

    /// Stack per connection thread: the size of a main thread's. Handlers may decode JSON with
    /// Foundation, whose recursion only stops at 512 levels; 256 KiB let 150 levels crash the
    /// process. The stack is address space, touched only as used, so 512 threads stay cheap in RSS.
    static let connectionStackSize = 8 * 1024 * 1024

    /// Loads TLS material now, so bad certificate or key files fail here with a clear error.
    public init(listeners: [ListenerConfiguration], limits: ServerLimits = .default, handler: @escaping HTTPHandler) throws {
        self.listeners = listeners
        self.limits = limits
        self.handler = handler
        var contexts: [TLSContext?] = []
        for listener in listeners {
            contexts.append(try listener.tls.map { configuration throws(HTTPServerError) in try TLSContext.server(configuration) })
        }
        tlsContexts = contexts
        state = try ServerState()
    }

    /// A server dropped without stop() must not leave its accept loops running.
    deinit { _ = state.beginStop() }

    /// Binds every listener (port 0 → an ephemeral port) and starts its accept loop.
    public func start() throws -> [BoundListener] {
        try state.markStarted()
        // A client that closes early must not kill the process: OpenSSL writes with write(), not send().
        signal(SIGPIPE, SIG_IGN)
        var opened: [(fd: Int32, bound: BoundListener, tls: TLSContext?)] = []
        do {
            for (index, listener) in listeners.enumerated() {
                let addresses = try SocketAddress.resolve(host: listener.host, port: listener.port, passive: true)
                // For names such as "localhost", prefer IPv4: every client falls back to it.
                let address = addresses.first { $0.family == AF_INET } ?? addresses[0]
                let fd = try SocketOps.makeListener(on: address, hostForErrors: listener.host, port: listener.port)
                let port = SocketAddress.of(socket: fd, peer: false)?.port ?? listener.port
                opened.append((fd, BoundListener(host: address.host, port: port, isTLS: listener.tls != nil), tlsContexts[index]))
            }
        } catch {
            for entry in opened { _ = Glibc.close(entry.fd) }
            throw error
        }
        for entry in opened {
            let context = ConnectionHandler.Context(limits: limits, handler: handler, tls: entry.tls, state: state,
                                                    localPort: entry.bound.port)
            state.listenerStarted()
            let fd = entry.fd
            let thread = Thread { Self.acceptLoop(listenFD: fd, context: context) }
            thread.name = "http-accept-\(entry.bound.port)"
            thread.start()
        }
        return opened.map(\.bound)
    }

    /// Stops accepting, closes idle keep-alive connections and waits (at most ~2 s) for requests in
    /// flight to be answered. Idempotent.
    public func stop() {
        guard state.beginStop() else { return }
        state.waitForQuiescence(seconds: 2)
    }

    /// Number of open client connections (for tests and diagnostics).
    public var openConnectionCount: Int { state.connectionCount }

    private static let serviceUnavailable = ResponseSerializer.serialize(
        .text(503, "too many connections\n"), omitBody: false, close: true)

    private static func acceptLoop(listenFD: Int32, context: ConnectionHandler.Context) {
        defer {
            _ = Glibc.close(listenFD)
            context.state.listenerExited()
        }
        while true {
            if SocketOps.wait(listenFD, forWrite: false, deadline: .distantFuture, wakeFD: context.state.wakeReadFD) == .woken {
                return
            }
            var peer = SocketAddress()
            peer.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &peer.storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept(listenFD, $0, &peer.length)
                }
            }
            if fd < 0 {
                // Out of descriptors: back off instead of spinning on a listener that stays readable.
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM { usleep(10_000) }
                continue
            }
            SocketOps.setCloseOnExec(fd)
            SocketOps.setNoDelay(fd)
            guard context.state.admitConnection(limit: context.limits.maxConnections) else {
                if context.tls == nil {
                    _ = serviceUnavailable.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
                    _ = shutdown(fd, Int32(SHUT_WR))
                }
                _ = Glibc.close(fd)
                continue
            }
            let remote = peer.host
            let thread = Thread {
                ConnectionHandler(fd: fd, remoteAddress: remote, context: context).run()
                context.state.connectionEnded()
            }
            thread.stackSize = connectionStackSize
            thread.start()
        }
    }
}
