#if canImport(Glibc)
import Glibc
#endif
import CLinuxEvents
import COpenSSL

/// One worker thread: its own epoll instance watching its connections (level-triggered), its
/// mailbox's eventfd and a timerfd for deadlines. Many requests are served per wake-up under load,
/// instead of one thread woken per request. Everything here is confined to the worker's thread; only
/// the mailbox and the server state are shared.
final class EventLoop {
    let mailbox: WorkerMailbox
    let state: ServerState
    private let epollFD: Int32
    /// Fires at the next deadline to check. epoll_wait itself waits without a timeout: a timeout
    /// arms and cancels a kernel timer on every wait, that is on every keep-alive request, while
    /// the timerfd is re-armed only when the next deadline moves (once per read timeout or so).
    private let timerFD: Int32
    private var timerArmedFor = Deadline.distantFuture
    private var connections: [Int32: ServerConnection] = [:]
    /// No connection's deadline is earlier. `settle` lowers it whenever a connection's deadline comes
    /// sooner (an error response's short grace, lingering), so it stays a lower bound and a full scan
    /// is needed only when it passes.
    private var nextCheck = Deadline.distantFuture
    /// Connections that yielded with work left (buffered pipelined requests): no epoll event will come.
    private var runnable: [ServerConnection] = []
    /// Set when the stop signal is seen: in-flight requests get until then, idle connections close at once.
    private var stopDeadline: Deadline?

    /// How long stop() lets requests in flight finish.
    static let stopGraceSeconds = 2.0
    /// The eventfd's and the timerfd's keys in epoll; connections use their descriptor.
    private static let mailboxKey = UInt64.max
    private static let timerKey = UInt64.max - 1

    init(mailbox: WorkerMailbox, state: ServerState) throws(HTTPServerError) {
        self.mailbox = mailbox
        self.state = state
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw .socket(operation: "epoll_create1", errno: errno) }
        timerFD = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))
        guard timerFD >= 0 else {
            let code = errno
            _ = Glibc.close(epollFD)
            throw .socket(operation: "timerfd_create", errno: code)
        }
        guard control(EPOLL_CTL_ADD, mailbox.eventFD, key: Self.mailboxKey, interest: .read),
              control(EPOLL_CTL_ADD, timerFD, key: Self.timerKey, interest: .read) else {
            let code = errno
            _ = Glibc.close(epollFD)
            _ = Glibc.close(timerFD)
            throw .socket(operation: "epoll_ctl", errno: code)
        }
    }

    /// Serves until stopped and every connection is gone (or the stop grace period ends).
    func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 128)
        while !(stopDeadline != nil && connections.isEmpty) {
            let wakeAt = min(nextCheck, stopDeadline ?? .distantFuture)
            // Should the timer refuse to be set, the wait's own timeout keeps the deadlines.
            let timeout = !runnable.isEmpty ? 0 : armTimer(for: wakeAt) ? -1 : wakeAt.pollTimeoutMilliseconds
            let count = epoll_wait(epollFD, &events, Int32(events.count), timeout)
            if count < 0, errno != EINTR { break }
            for index in 0..<max(0, Int(count)) {
                let key = events[index].data.u64
                if key == Self.mailboxKey {
                    receiveMail()
                } else if key == Self.timerKey {
                    var expirations: UInt64 = 0
                    _ = Glibc.read(timerFD, &expirations, 8)
                    timerArmedFor = .distantFuture  // one-shot: it has fired
                } else if let connection = connections[Int32(truncatingIfNeeded: key)] {
                    connection.socketMayHaveData = true
                    connection.advance()
                    settle(connection)
                }
            }
            resumeYielded()
            let now = Deadline.now
            if now >= nextCheck { expireDeadlines(now) }
            if let stopDeadline, now >= stopDeadline { closeAll() }
        }
        closeAll()
        for socket in mailbox.close() { discard(socket) }
    }

    deinit {
        _ = Glibc.close(epollFD)
        _ = Glibc.close(timerFD)
    }

    /// Makes the timerfd fire at `deadline` (never, for the distant future) unless it already does.
    /// False if the timer could not be set.
    private func armTimer(for deadline: Deadline) -> Bool {
        guard deadline != timerArmedFor else { return true }
        var setting = itimerspec()
        if deadline != .distantFuture {
            // An absolute time on CLOCK_MONOTONIC, Deadline's clock; a time already past fires at once.
            let nanoseconds = max(deadline.nanoseconds, 1)
            setting.it_value.tv_sec = Int(nanoseconds / 1_000_000_000)
            setting.it_value.tv_nsec = Int(nanoseconds % 1_000_000_000)
        }
        guard timerfd_settime(timerFD, Int32(TFD_TIMER_ABSTIME), &setting, nil) == 0 else { return false }
        timerArmedFor = deadline
        return true
    }

    private func receiveMail() {
        for socket in mailbox.take() {
            guard stopDeadline == nil else {
                discard(socket)
                continue
            }
            let stream = StreamConnection(fd: socket.fd)
            let connection = ServerConnection(stream: stream, remoteAddress: socket.remoteAddress, context: socket.context)
            guard !connection.isClosed, control(EPOLL_CTL_ADD, socket.fd, key: UInt64(socket.fd), interest: .read) else {
                connection.close()
                state.connectionEnded()
                continue
            }
            connections[socket.fd] = connection
            connection.advance() // a plain-HTTP client has usually sent its request already
            settle(connection)
        }
        if stopDeadline == nil, state.isStopping { beginStop() }
    }

    /// Stop: no new connections, idle ones close now, the rest finish their request (then close, as
    /// their responses say) or are closed when the grace period ends.
    private func beginStop() {
        stopDeadline = .after(seconds: Self.stopGraceSeconds)
        for connection in Array(connections.values) { settle(connection) }
    }

    /// Bookkeeping after a connection ran: forget it if closed, else update epoll and the next deadline.
    private func settle(_ connection: ServerConnection) {
        if !connection.isClosed, stopDeadline != nil, connection.isIdle { connection.close() }
        let fd = connection.stream.fd
        if connection.isClosed {
            // close() already removed the descriptor from epoll (no other references to it exist).
            if connections.removeValue(forKey: fd) != nil { state.connectionEnded() }
            return
        }
        if connection.interest != connection.registeredInterest,
           control(EPOLL_CTL_MOD, fd, key: UInt64(fd), interest: connection.interest) {
            connection.registeredInterest = connection.interest
        }
        if connection.yielded { runnable.append(connection) }
        nextCheck = min(nextCheck, connection.deadline)
    }

    private func resumeYielded() {
        guard !runnable.isEmpty else { return }
        let batch = runnable
        runnable.removeAll()
        for connection in batch where !connection.isClosed {
            connection.advance()
            settle(connection)
        }
    }

    private func expireDeadlines(_ now: Deadline) {
        nextCheck = .distantFuture
        var expired: [ServerConnection] = []
        for connection in connections.values {
            if connection.deadline <= now {
                expired.append(connection)
            } else {
                nextCheck = min(nextCheck, connection.deadline)
            }
        }
        for connection in expired {
            connection.expire()
            settle(connection)
        }
    }

    private func closeAll() {
        for connection in connections.values { connection.close() }
        for _ in connections { state.connectionEnded() }
        connections.removeAll()
        runnable.removeAll()
    }

    /// A socket that arrived after the stop: closed unserved, like the accept loop's refusals.
    private func discard(_ socket: AcceptedSocket) {
        _ = Glibc.close(socket.fd)
        state.connectionEnded()
    }

    private func control(_ operation: Int32, _ fd: Int32, key: UInt64, interest: ServerConnection.Interest) -> Bool {
        var event = epoll_event()
        event.events = interest == .read ? EPOLLIN.rawValue : EPOLLOUT.rawValue
        event.data.u64 = key
        return epoll_ctl(epollFD, operation, fd, &event) == 0
    }
}
