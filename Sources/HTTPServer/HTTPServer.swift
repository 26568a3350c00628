#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import CLinuxEvents
import COpenSSL

/// An HTTP/1.1 server (plain and TLS listeners): one accept thread per listener hands connections
/// round-robin to a fixed pool of worker threads, each an epoll loop over non-blocking connections
/// (see EventLoop). Under load a worker serves many requests per wake-up instead of one sleeping
/// thread per connection being woken for each request.
public final class HTTPServer: Sendable {
    private let listeners: [ListenerConfiguration]
    private let tlsContexts: [TLSContext?]
    private let limits: ServerLimits
    private let handler: HTTPHandler
    private let state: ServerState

    /// Stack per worker thread: the size of a main thread's. Handlers read nested, untrusted input
    /// recursively, and a small stack once let 150 levels of JSON crash the process (256 KiB, when
    /// Foundation's decoder saw it first). The stack is address space, touched only as used.
    static let workerStackSize = 8 * 1024 * 1024

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

    /// A server dropped without stop() must not leave its threads running.
    deinit { _ = state.beginStop() }

    /// Binds every listener (port 0 → an ephemeral port), starts the workers and the accept loops.
    public func start() throws -> [BoundListener] {
        try state.markStarted()
        // A client that closes early must not kill the process: OpenSSL writes with write(), not send().
        signal(SIGPIPE, SIG_IGN)
        var loops: [EventLoop] = []
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
            for _ in 0..<limits.effectiveWorkerThreads {
                loops.append(try EventLoop(mailbox: WorkerMailbox(), state: state))
            }
        } catch {
            for entry in opened { _ = Glibc.close(entry.fd) }
            // Unstarted loops release their descriptors when `loops` goes away.
            throw error
        }
        state.install(mailboxes: loops.map(\.mailbox))
        for (index, loop) in loops.enumerated() {
            let worker = WorkerHandle(loop)
            state.threadStarted()
            let thread = Thread {
                worker.loop.run()
                worker.state.threadExited()
            }
            thread.name = "http-worker-\(index)"
            thread.stackSize = Self.workerStackSize
            thread.start()
        }
        for entry in opened {
            let context = ConnectionContext(limits: limits, handler: handler, tls: entry.tls, state: state,
                                            localPort: entry.bound.port)
            state.threadStarted()
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
        // The workers close what is left at the end of their grace period; allow for that.
        state.waitForQuiescence(seconds: EventLoop.stopGraceSeconds + 0.5)
    }

    /// Number of open client connections (for tests and diagnostics).
    public var openConnectionCount: Int { state.connectionCount }

    private static let serviceUnavailable = ResponseSerializer.serialize(
        .text(503, "too many connections\n"), omitBody: false, close: true)

    private static func acceptLoop(listenFD: Int32, context: ConnectionContext) {
        defer {
            _ = Glibc.close(listenFD)
            context.state.threadExited()
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
            guard context.state.dispatch(AcceptedSocket(fd: fd, remoteAddress: peer.host, context: context)) else {
                // The workers are gone (stopping).
                _ = Glibc.close(fd)
                context.state.connectionEnded()
                continue
            }
        }
    }
}

/// Moves a worker's event loop into its thread. Unchecked: the loop is not thread-safe, and after
/// start() hands it over, only that thread ever touches it.
private final class WorkerHandle: @unchecked Sendable {
    let loop: EventLoop
    var state: ServerState { loop.state }
    init(_ loop: EventLoop) { self.loop = loop }
}
