#if canImport(Glibc)
import Glibc
#endif
import CLinuxEvents
import COpenSSL
import Foundation

/// A freshly accepted socket on its way from an accept loop to a worker.
struct AcceptedSocket: Sendable {
    let fd: Int32
    let remoteAddress: String
    let context: ConnectionContext
}

/// The only door into a worker thread: accept loops post sockets here and the stop signal knocks here.
/// Posting writes the eventfd the worker's epoll watches. Shared across threads, hence the lock; the
/// eventfd stays open until the last reference (worker, server state) is gone.
final class WorkerMailbox: @unchecked Sendable {
    let eventFD: Int32
    private let lock = NSLock()
    private var pending: [AcceptedSocket] = []
    private var closed = false

    init() throws(HTTPServerError) {
        eventFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard eventFD >= 0 else { throw .socket(operation: "eventfd", errno: errno) }
    }

    deinit { _ = Glibc.close(eventFD) }

    /// Hands a socket to the worker. False once the worker has exited: the caller then closes it.
    func post(_ socket: AcceptedSocket) -> Bool {
        lock.lock()
        guard !closed else {
            lock.unlock()
            return false
        }
        let wasEmpty = pending.isEmpty
        pending.append(socket)
        lock.unlock()
        // A non-empty list means a wake-up is already on its way (the worker resets the eventfd before taking).
        if wasEmpty { wake() }
        return true
    }

    /// Makes the worker's epoll_wait return (new sockets or the stop signal).
    func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(eventFD, &one, 8)
    }

    /// Resets the eventfd, then takes every posted socket (in that order, so no post is missed).
    func take() -> [AcceptedSocket] {
        var counter: UInt64 = 0
        _ = Glibc.read(eventFD, &counter, 8)
        lock.lock()
        defer { lock.unlock() }
        let taken = pending
        pending.removeAll()
        return taken
    }

    /// Refuses further posts and returns what was posted but never taken.
    func close() -> [AcceptedSocket] {
        lock.lock()
        defer { lock.unlock() }
        closed = true
        let left = pending
        pending.removeAll()
        return left
    }
}
