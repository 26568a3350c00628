/// Serves the requests of one accepted connection, on its own thread: optional TLS handshake, then
/// parse → read body → call the handler → write, repeated while keep-alive allows.
final class ConnectionHandler {
    struct Context: Sendable {
        let limits: ServerLimits
        let handler: HTTPHandler
        let tls: TLSContext?
        let state: ServerState
        let localPort: Int
    }

    private let stream: StreamConnection
    private let context: Context
    private let remoteAddress: String
    /// Bytes received but not yet consumed; with pipelining it holds the start of the next request.
    private var buffer: [UInt8] = []

    init(fd: Int32, remoteAddress: String, context: Context) {
        stream = StreamConnection(fd: fd, wakeFD: context.state.wakeReadFD)
        self.remoteAddress = remoteAddress
        self.context = context
    }

    func run() {
        defer { stream.close() }
        if let tls = context.tls {
            // A failed handshake (a plain-HTTP client on the TLS port, a scanner) just closes.
            guard stream.startTLS(context: tls, asServer: true, deadline: .after(seconds: context.limits.readTimeout)) else { return }
        }
        while serveOneRequest() {}
    }

    private enum Step<Value> { case value(Value), close }

    /// Serves one request; true to keep the connection open for another.
    private func serveOneRequest() -> Bool {
        var requestDeadline: Deadline? = buffer.isEmpty ? nil : .after(seconds: context.limits.requestDeadline)
        guard case .value(let (head, headLength)) = readHead(requestDeadline: &requestDeadline),
              let deadline = requestDeadline else { return false }
        buffer.removeFirst(headLength)

        if head.expectsContinue, head.framing != .none, buffer.isEmpty {
            // curl waits (1 s) for this before sending a body larger than 1 KiB.
            guard stream.write(ResponseSerializer.continueResponse, deadline: .after(seconds: context.limits.readTimeout)) else { return false }
        }
        guard case .value(let body) = readBody(head.framing, deadline: deadline) else { return false }

        let request = HTTPRequest(method: head.method, target: head.target, headers: head.headers, body: body,
                                  remoteAddress: remoteAddress, localPort: context.localPort, isTLS: context.tls != nil)
        let response = context.handler(request)
        let close = !head.keepAlive || context.state.isStopping || ResponseSerializer.handlerRequestsClose(response)
        let bytes = ResponseSerializer.serialize(response, omitBody: head.method == "HEAD", close: close,
                                                 announceKeepAlive: head.minorVersion == 0)
        guard stream.write(bytes, deadline: .after(seconds: context.limits.readTimeout)) else { return false }
        return !close
    }

    /// Reads until a complete head is buffered. Waiting with an empty buffer is idle keep-alive time:
    /// the stop signal interrupts it and a timeout closes silently. Once a byte arrived, the request
    /// deadline starts and a timeout is answered with 408.
    private func readHead(requestDeadline: inout Deadline?) -> Step<(HTTPRequestHead, Int)> {
        while true {
            switch HTTPRequestParser.parseHead(buffer[...], limits: context.limits.parserLimits) {
            case .head(let head, let length):
                if requestDeadline == nil { requestDeadline = .after(seconds: context.limits.requestDeadline) }
                return .value((head, length))
            case .error(let error):
                fail(error)
                return .close
            case .needMore:
                let idle = buffer.isEmpty
                switch stream.read(into: &buffer, deadline: readDeadline(requestDeadline), interruptible: idle) {
                case .bytes:
                    if requestDeadline == nil { requestDeadline = .after(seconds: context.limits.requestDeadline) }
                case .timeout:
                    if !idle { fail(HTTPParseError(408, "request not received in time")) }
                    return .close
                case .eof, .failed, .woken:
                    return .close
                }
            }
        }
    }

    private func readBody(_ framing: BodyFraming, deadline: Deadline) -> Step<[UInt8]> {
        switch framing {
        case .none:
            return .value([])
        case .contentLength(let length):
            while buffer.count < length {
                guard readMore(deadline: deadline) else { return .close }
            }
            let body = Array(buffer[0..<length])
            buffer.removeFirst(length)
            return .value(body)
        case .chunked:
            var decoder = ChunkedBodyDecoder(maxBodyBytes: context.limits.maxBodyBytes, maxMetadataBytes: context.limits.maxHeaderBytes)
            while true {
                switch decoder.feed(buffer[...]) {
                case .done(let consumed):
                    buffer.removeFirst(consumed)
                    return .value(decoder.body)
                case .error(let error):
                    fail(error)
                    return .close
                case .needMore:
                    buffer.removeAll(keepingCapacity: true)
                    guard readMore(deadline: deadline) else { return .close }
                }
            }
        }
    }

    /// Reads more body bytes; on timeout answers 408. False when the connection must close.
    private func readMore(deadline: Deadline) -> Bool {
        switch stream.read(into: &buffer, deadline: readDeadline(deadline), interruptible: false) {
        case .bytes: return true
        case .timeout:
            fail(HTTPParseError(408, "request body not received in time"))
            return false
        case .eof, .failed, .woken:
            return false
        }
    }

    /// The sooner of "silent for readTimeout" and the whole-request deadline.
    private func readDeadline(_ requestDeadline: Deadline?) -> Deadline {
        let silence = Deadline.after(seconds: context.limits.readTimeout)
        guard let requestDeadline else { return silence }
        return min(silence, requestDeadline)
    }

    /// Answers a protocol error with a short text body, then closes gracefully.
    private func fail(_ error: HTTPParseError) {
        let bytes = ResponseSerializer.serialize(ResponseSerializer.errorResponse(error), omitBody: false, close: true)
        if stream.write(bytes, deadline: .after(seconds: min(context.limits.readTimeout, 5))) {
            stream.lingeringClose()
        }
    }
}
