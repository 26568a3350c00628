/// What a connection needs from its listener; shared by all its connections, never mutated.
struct ConnectionContext: Sendable {
    let limits: ServerLimits
    let handler: HTTPHandler
    let tls: TLSContext?
    let state: ServerState
    let localPort: Int
}

/// One accepted connection as a state machine driven by its worker's epoll loop: TLS handshake, read a
/// head, maybe answer 100-continue, read the body, call the handler, write the response, then the next
/// request or close. `advance()` makes all the progress possible without blocking and leaves
/// `interest` and `deadline` saying what to wait for. Confined to its worker thread.
final class ServerConnection {
    enum Interest { case read, write }

    private enum Phase { case handshake, readHead, readBody, write, linger, closed }

    /// What follows a completely written output.
    private enum AfterWrite { case readBody, nextRequest, close, linger }

    let stream: StreamConnection
    private let context: ConnectionContext
    private let remoteAddress: String
    private var limits: ServerLimits { context.limits }

    private var phase: Phase
    private(set) var interest = Interest.read
    /// When the current wait gives up (see `expire()`).
    private(set) var deadline: Deadline
    /// The interest epoll currently has for this socket (kept by the worker to skip needless epoll_ctl).
    var registeredInterest = Interest.read
    /// False once a read said "nothing there": the socket is then read only after epoll reports it readable.
    var socketMayHaveData = true

    /// Bytes received but not yet consumed; with pipelining it holds the start of the next request.
    private var buffer: [UInt8] = []
    /// Set at the first byte of a request: the whole request must arrive before it.
    private var requestDeadline: Deadline?
    private var head: HTTPRequestHead?
    private var decoder = ChunkedBodyDecoder(maxBodyBytes: 0)
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var afterWrite = AfterWrite.close
    /// A wait for request bytes is under way, its deadline already set (see `waitForInput`).
    private var waitingForInput = false
    private var discarded = 0

    /// Responses written in one `advance()` before yielding to other connections (pipelining fairness).
    static let responsesPerTurn = 16
    private var responsesThisTurn = 0
    /// True when `advance()` stopped only to let others run: call it again without waiting for epoll.
    private(set) var yielded = false

    init(stream: StreamConnection, remoteAddress: String, context: ConnectionContext) {
        self.stream = stream
        self.remoteAddress = remoteAddress
        self.context = context
        phase = context.tls == nil ? .readHead : .handshake
        deadline = .after(seconds: context.limits.readTimeout)
        if let tls = context.tls, !stream.attachTLS(context: tls) { close() }
    }

    var isClosed: Bool { phase == .closed }

    /// Nothing of a request has arrived: stop() may close it at once, a timeout closes it silently.
    var isIdle: Bool {
        switch phase {
        case .handshake, .linger: return true
        case .readHead: return buffer.isEmpty && requestDeadline == nil && !stream.hasBufferedTLSData
        case .readBody, .write, .closed: return false
        }
    }

    /// Makes all the progress possible without blocking.
    func advance() {
        yielded = false
        responsesThisTurn = 0
        while step() {}
    }

    /// One step; false when the connection waits (interest and deadline set), yielded or closed.
    private func step() -> Bool {
        switch phase {
        case .handshake:
            switch stream.handshakeStep(asServer: true) {
            case .bytes:
                phase = .readHead
                return true
            case let stalled:
                // The handshake as a whole keeps the deadline set at accept. A failure (a plain-HTTP
                // client on the TLS port, a scanner) just closes.
                return wait(after: stalled)
            }
        case .readHead:
            switch HTTPRequestParser.parseHead(buffer[...], limits: limits.parserLimits) {
            case .head(let parsed, let length):
                if requestDeadline == nil { requestDeadline = .after(seconds: limits.requestDeadline) }
                buffer.removeFirst(length)
                beginBody(parsed)
                return true
            case .error(let error):
                fail(error)
                return true
            case .needMore:
                return readMore()
            }
        case .readBody:
            return readBody()
        case .write:
            return flush()
        case .linger:
            return drain()
        case .closed:
            return false
        }
    }

    private func beginBody(_ parsed: HTTPRequestHead) {
        head = parsed
        if parsed.framing == .chunked {
            decoder = ChunkedBodyDecoder(maxBodyBytes: limits.maxBodyBytes, maxMetadataBytes: limits.maxHeaderBytes)
        }
        if parsed.expectsContinue, parsed.framing != .none, buffer.isEmpty {
            // curl waits (1 s) for this before sending a body larger than 1 KiB.
            startWriting(ResponseSerializer.continueResponse, then: .readBody, within: limits.readTimeout)
        } else {
            phase = .readBody
        }
    }

    private func readBody() -> Bool {
        guard let head else {
            close()
            return false
        }
        switch head.framing {
        case .none:
            respond(to: head, body: [])
            return true
        case .contentLength(let length):
            guard buffer.count >= length else { return readMore() }
            let body = Array(buffer[0..<length])
            buffer.removeFirst(length)
            respond(to: head, body: body)
            return true
        case .chunked:
            switch decoder.feed(buffer[...]) {
            case .done(let consumed):
                buffer.removeFirst(consumed)
                respond(to: head, body: decoder.body)
                return true
            case .error(let error):
                fail(error)
                return true
            case .needMore:
                buffer.removeAll(keepingCapacity: true)
                return readMore()
            }
        }
    }

    private func respond(to head: HTTPRequestHead, body: [UInt8]) {
        let request = HTTPRequest(method: head.method, target: head.target, headers: head.headers, body: body,
                                  remoteAddress: remoteAddress, localPort: context.localPort, isTLS: context.tls != nil)
        // Handlers are CPU-bound and never block, so they run right here on the worker.
        let response = context.handler(request)
        let close = !head.keepAlive || context.state.isStopping || ResponseSerializer.handlerRequestsClose(response)
        let bytes = ResponseSerializer.serialize(response, omitBody: head.method == "HEAD", close: close,
                                                 announceKeepAlive: head.minorVersion == 0)
        self.head = nil
        startWriting(bytes, then: close ? .close : .nextRequest, within: limits.readTimeout)
    }

    /// Reads more of the current request. True when bytes arrived; false when waiting or closed.
    private func readMore() -> Bool {
        // Between keep-alive requests nothing is usually waiting yet: let epoll say when, saving the
        // read(2) that would only say EAGAIN. Bytes OpenSSL already holds are invisible to epoll.
        guard socketMayHaveData || stream.hasBufferedTLSData else {
            waitForInput(wantWrite: false)
            return false
        }
        switch stream.readOnce(into: &buffer) {
        case .bytes(let count):
            waitingForInput = false
            if requestDeadline == nil { requestDeadline = .after(seconds: limits.requestDeadline) }
            // A short read drained the socket; level-triggered epoll reports anything newer.
            socketMayHaveData = count == StreamConnection.readSize
            return true
        case .wouldBlock(let wantWrite):
            socketMayHaveData = false
            waitForInput(wantWrite: wantWrite)
            return false
        case .eof, .failed:
            close()
            return false
        }
    }

    /// Waits for request bytes: silent for readTimeout, or past the whole-request deadline, times out.
    /// The wait's deadline is set once, when it begins: a wake-up that yields no request byte (part of
    /// a TLS record, an empty record) must not restart it, or a drip of such bytes would hold the
    /// connection open forever.
    private func waitForInput(wantWrite: Bool) {
        interest = wantWrite ? .write : .read
        guard !waitingForInput else { return }
        waitingForInput = true
        let silence = Deadline.after(seconds: limits.readTimeout)
        deadline = requestDeadline.map { min(silence, $0) } ?? silence
    }

    private func startWriting(_ bytes: [UInt8], then next: AfterWrite, within seconds: Double) {
        waitingForInput = false
        output = bytes
        outputOffset = 0
        afterWrite = next
        deadline = .after(seconds: seconds)
        phase = .write
    }

    private func flush() -> Bool {
        while outputOffset < output.count {
            switch stream.writeOnce(output, from: outputOffset) {
            case .bytes(let count):
                outputOffset += count
            case let stalled:
                return wait(after: stalled)
            }
        }
        output = []
        switch afterWrite {
        case .readBody:
            phase = .readBody
        case .nextRequest:
            phase = .readHead
            // Pipelined bytes already buffered start the next request's deadline now.
            requestDeadline = buffer.isEmpty ? nil : .after(seconds: limits.requestDeadline)
            // The client usually sends its next request only after reading this response.
            socketMayHaveData = false
            responsesThisTurn += 1
            if responsesThisTurn >= Self.responsesPerTurn {
                yielded = true
                return false
            }
        case .close:
            close()
            return false
        case .linger:
            startLingering()
        }
        return true
    }

    /// Answers a protocol error with a short text body, then closes gracefully.
    private func fail(_ error: HTTPParseError) {
        let bytes = ResponseSerializer.serialize(ResponseSerializer.errorResponse(error), omitBody: false, close: true)
        startWriting(bytes, then: .linger, within: min(limits.readTimeout, 5))
    }

    /// After an error response: send our FIN (and TLS close_notify), then discard what the client still
    /// sends for a moment, so the kernel does not answer unread data with a RST that would destroy the
    /// response before the client reads it.
    private func startLingering() {
        stream.shutdownWrite()
        phase = .linger
        discarded = 0
        deadline = .after(seconds: 1)
        socketMayHaveData = true
    }

    private func drain() -> Bool {
        buffer.removeAll(keepingCapacity: true)
        switch stream.readOnce(into: &buffer) {
        case .bytes(let count):
            discarded += count
            if discarded >= 256 * 1024 { close() }
            return discarded < 256 * 1024
        case let stalled:
            return wait(after: stalled)
        }
    }

    /// A step that made no progress: wait for the direction OpenSSL or the socket asked for, or close
    /// on end of stream and failure. Always false (the connection waits or is gone).
    private func wait(after attempt: StreamConnection.Attempt) -> Bool {
        if case .wouldBlock(let wantWrite) = attempt { interest = wantWrite ? .write : .read } else { close() }
        return false
    }

    /// The deadline passed: a silent request gets 408, anything else closes.
    func expire() {
        switch phase {
        case .readHead where !isIdle:
            fail(HTTPParseError(408, "request not received in time"))
            advance()
        case .readBody:
            fail(HTTPParseError(408, "request body not received in time"))
            advance()
        default:
            close()
        }
    }

    func close() {
        phase = .closed
        stream.close()
    }
}
