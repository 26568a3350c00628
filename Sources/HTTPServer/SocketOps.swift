#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the socket calls the server and client need.
enum SocketOps {
    #if canImport(Glibc)
    static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
    static let streamType = SOCK_STREAM
    #endif

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    static func setCloseOnExec(_ fd: Int32) {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32 = 1) {
        var value = value
        _ = setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Small responses go out in one segment at once; without this, Nagle + delayed ACK cost ~40 ms.
    static func setNoDelay(_ fd: Int32) {
        setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY)
    }

    /// A non-blocking listening socket bound to `address` (SO_REUSEADDR so restarts do not wait for TIME_WAIT).
    static func makeListener(on address: SocketAddress, hostForErrors host: String, port: Int) throws(HTTPServerError) -> Int32 {
        let fd = socket(address.family, streamType, 0)
        guard fd >= 0 else { throw .socket(operation: "socket", errno: errno) }
        setCloseOnExec(fd)
        setOption(fd, SOL_SOCKET, SO_REUSEADDR)
        if address.family == AF_INET6 { setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY) }
        let bound = address.withSockaddr { bind(fd, $0, $1) }
        guard bound == 0 else {
            let code = errno
            _ = close(fd)
            throw .bind(host: host, port: port, errno: code)
        }
        guard listen(fd, 1024) == 0 else {
            let code = errno
            _ = close(fd)
            throw .socket(operation: "listen", errno: code)
        }
        setNonBlocking(fd)
        return fd
    }

    enum WaitResult { case ready, timeout, woken }

    /// Waits until `fd` is readable (or writable), the deadline passes, or `wakeFD` becomes readable
    /// (the server's stop signal, for the accept loops). EINTR is retried.
    static func wait(_ fd: Int32, forWrite: Bool, deadline: Deadline, wakeFD: Int32 = -1) -> WaitResult {
        var fds = [pollfd(fd: fd, events: Int16(forWrite ? POLLOUT : POLLIN), revents: 0),
                   pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        while true {
            let timeout = deadline.pollTimeoutMilliseconds
            let count = poll(&fds, wakeFD >= 0 ? 2 : 1, timeout)
            if count < 0 {
                if errno == EINTR { continue }
                return .ready // let the following read/write report the real error
            }
            if wakeFD >= 0, fds[1].revents != 0 { return .woken }
            if count > 0 { return .ready }
            if timeout == 0 || Deadline.now >= deadline { return .timeout }
        }
    }
}
