/// Turns a response value into the exact bytes sent: status line, headers, blank line, body, in
/// one buffer so it goes out in one send.
enum ResponseSerializer {
    /// - Parameters:
    ///   - omitBody: HEAD requests get the headers (with the body's Content-Length) but no body.
    ///   - close: adds `Connection: close` unless the handler set a Connection header itself.
    ///   - announceKeepAlive: HTTP/1.0 clients that asked for keep-alive need it confirmed.
    static func serialize(_ response: HTTPResponse, omitBody: Bool, close: Bool, announceKeepAlive: Bool = false) -> [UInt8] {
        let status = (100...999).contains(response.status) ? response.status : 500
        var head = "HTTP/1.1 \(status) \(HTTPStatus.reason(status))\r\n"
        // The serializer owns the message framing: a handler's Content-Length or Transfer-Encoding
        // could disagree with the body and desynchronise a keep-alive connection, so they are
        // dropped and Content-Length is always the body's real length.
        var headers = HTTPHeaders()
        for field in response.headers where isSafe(field.name) && isSafe(field.value)
            && !isFraming(field.name) {
            head += "\(field.name): \(field.value)\r\n"
            headers.add(field.name, field.value)
        }
        if !headers.contains("Date") { head += "Date: \(HTTPDate.now())\r\n" }
        if !HTTPStatus.forbidsBody(status) {
            head += "Content-Length: \(response.body.count)\r\n"
        }
        if !headers.contains("Connection") {
            if close {
                head += "Connection: close\r\n"
            } else if announceKeepAlive {
                head += "Connection: keep-alive\r\n"
            }
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if !omitBody, !HTTPStatus.forbidsBody(status) { bytes.append(contentsOf: response.body) }
        return bytes
    }

    /// A handler bug must not become response splitting: fields with CR or LF are dropped.
    private static func isSafe(_ text: String) -> Bool {
        !text.utf8.contains { $0 == ASCII.cr || $0 == ASCII.lf }
    }

    private static func isFraming(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return lowered == "content-length" || lowered == "transfer-encoding"
    }

    /// Whether the handler asked to close the connection (`Connection: close`).
    static func handlerRequestsClose(_ response: HTTPResponse) -> Bool {
        response.headers.values(for: "Connection").flatMap(ASCII.tokenList).contains("close")
    }

    static func errorResponse(_ error: HTTPParseError) -> HTTPResponse {
        HTTPResponse.text(error.status, error.reason + "\n")
    }

    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
}
