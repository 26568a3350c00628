#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// State shared by the accept loops and workers of one server: the stop flag, the signals that wake
/// them (a pipe for the accept loops' poll, each worker's mailbox), and the counts `stop()` waits on.
final class ServerState: @unchecked Sendable {
    /// Readable once `stop()` has been called (a byte is written and never drained).
    let wakeReadFD: Int32
    private let wakeWriteFD: Int32
    private let condition = NSCondition()
    private var stopping = false
    private var started = false
    private var activeConnections = 0
    /// Accept loops and workers still running.
    private var runningThreads = 0
    private var mailboxes: [WorkerMailbox] = []
    private var nextMailbox = 0

    init() throws(HTTPServerError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .socket(operation: "pipe", errno: errno) }
        SocketOps.setCloseOnExec(fds[0])
        SocketOps.setCloseOnExec(fds[1])
        wakeReadFD = fds[0]
        wakeWriteFD = fds[1]
    }

    deinit {
        // Only once no thread holds this state any more, so no poll() can see a reused descriptor.
        _ = Glibc.close(wakeReadFD)
        _ = Glibc.close(wakeWriteFD)
    }

    var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    func markStarted() throws(HTTPServerError) {
        condition.lock()
        defer { condition.unlock() }
        if started || stopping { throw .alreadyStarted }
        started = true
    }

    /// The workers' mailboxes, set once before any accept loop runs.
    func install(mailboxes: [WorkerMailbox]) {
        condition.lock()
        self.mailboxes = mailboxes
        let stopping = self.stopping
        condition.unlock()
        // A stop() that came before the mailboxes existed woke none of them: wake them now.
        if stopping { for mailbox in mailboxes { mailbox.wake() } }
    }

    func threadStarted() { update { $0.runningThreads += 1 } }
    func threadExited() { update { $0.runningThreads -= 1 } }
    func connectionEnded() { update { $0.activeConnections -= 1 } }

    /// Counts a new connection unless the limit is reached.
    func admitConnection(limit: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard activeConnections < limit else { return false }
        activeConnections += 1
        return true
    }

    /// Hands an admitted socket to the next worker, round-robin. False if no worker takes it any more.
    func dispatch(_ socket: AcceptedSocket) -> Bool {
        condition.lock()
        guard !mailboxes.isEmpty else {
            condition.unlock()
            return false
        }
        let mailbox = mailboxes[nextMailbox % mailboxes.count]
        nextMailbox &+= 1
        condition.unlock()
        return mailbox.post(socket)
    }

    /// Sets the stop flag and wakes every accept loop and worker. False if already stopping.
    func beginStop() -> Bool {
        condition.lock()
        let first = !stopping
        stopping = true
        let toWake = mailboxes
        condition.unlock()
        if first {
            var byte: UInt8 = 1
            _ = Glibc.write(wakeWriteFD, &byte, 1)
            for mailbox in toWake { mailbox.wake() }
        }
        return first
    }

    /// Waits until no thread and no connection is running, or until `seconds` pass.
    func waitForQuiescence(seconds: Double) {
        let limit = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while runningThreads > 0 || activeConnections > 0 {
            if !condition.wait(until: limit) { break }
        }
    }

    var connectionCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return activeConnections
    }

    private func update(_ change: (ServerState) -> Void) {
        condition.lock()
        change(self)
        condition.broadcast()
        condition.unlock()
    }
}
