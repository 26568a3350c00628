/// Turns a response value into the exact bytes sent: status line, headers, blank line, body, in
/// one buffer so it goes out in one send.
enum ResponseSerializer {
    /// - Parameters:
    ///   - omitBody: HEAD requests get the headers (with the body's Content-Length) but no body.
    ///   - close: adds `Connection: close` unless the handler set a Connection header itself.
    ///   - announceKeepAlive: HTTP/1.0 clients that asked for keep-alive need it confirmed.
    static func serialize(_ response: HTTPResponse, omitBody: Bool, close: Bool, announceKeepAlive: Bool = false) -> [UInt8] {
        // Written straight into one byte buffer (no intermediate Strings): this runs once per
        // request, and the string-interpolation version cost several microseconds per token.
        let status = (100...999).contains(response.status) ? response.status : 500
        let sendsBody = !HTTPStatus.forbidsBody(status)
        let block = response.headers.block
        var headerBytes = block?.serialized.count ?? 0
        for field in response.headers.ownFields { headerBytes += field.name.utf8.count + field.value.utf8.count + 4 }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128 + headerBytes + (omitBody || !sendsBody ? 0 : response.body.count))
        append("HTTP/1.1 ", to: &bytes)
        appendDecimal(status, to: &bytes)
        bytes.append(ASCII.space)
        append(HTTPStatus.reason(status), to: &bytes)
        appendCRLF(to: &bytes)
        // The serializer owns the message framing: a handler's Content-Length or Transfer-Encoding
        // could disagree with the body and desynchronise a keep-alive connection, so they are
        // dropped and Content-Length is always the body's real length.
        var hasDate = block?.hasDate ?? false
        var hasConnection = block?.hasConnection ?? false
        if let block { bytes.append(contentsOf: block.serialized) }  // checked when the block was made
        for field in response.headers.ownFields where isWritable(field) {
            appendLine(field, to: &bytes)
            if !hasDate, HTTPHeaders.sameName(field.name, "Date") { hasDate = true }
            if !hasConnection, HTTPHeaders.sameName(field.name, "Connection") { hasConnection = true }
        }
        if !hasDate {
            append("Date: ", to: &bytes)
            append(HTTPDate.now(), to: &bytes)
            appendCRLF(to: &bytes)
        }
        if sendsBody {
            append("Content-Length: ", to: &bytes)
            appendDecimal(response.body.count, to: &bytes)
            appendCRLF(to: &bytes)
        }
        if !hasConnection {
            if close {
                append("Connection: close\r\n", to: &bytes)
            } else if announceKeepAlive {
                append("Connection: keep-alive\r\n", to: &bytes)
            }
        }
        appendCRLF(to: &bytes)
        if !omitBody, sendsBody { bytes.append(contentsOf: response.body) }
        return bytes
    }

    /// A field is written unless it could split the response (CR or LF) or is framing, which the
    /// serializer owns.
    static func isWritable(_ field: HTTPHeaders.Field) -> Bool {
        isSafe(field.name) && isSafe(field.value) && !isFraming(field.name)
    }

    /// `Name: value\r\n`.
    static func appendLine(_ field: HTTPHeaders.Field, to bytes: inout [UInt8]) {
        append(field.name, to: &bytes)
        bytes.append(ASCII.colon)
        bytes.append(ASCII.space)
        append(field.value, to: &bytes)
        appendCRLF(to: &bytes)
    }

    @inline(__always) private static func append(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    @inline(__always) private static func appendCRLF(to bytes: inout [UInt8]) {
        bytes.append(ASCII.cr)
        bytes.append(ASCII.lf)
    }

    /// A non-negative decimal (status codes and body lengths), without a String in between.
    private static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        guard value > 0 else {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[count] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                rest /= 10
                count += 1
            }
            var index = count - 1
            while index >= 0 {
                bytes.append(buffer[index])
                index -= 1
            }
        }
    }

    /// A handler bug must not become response splitting: fields with CR or LF are dropped.
    private static func isSafe(_ text: String) -> Bool {
        !text.utf8.contains { $0 == ASCII.cr || $0 == ASCII.lf }
    }

    /// ASCII case-insensitive, without allocating a lower-cased copy per header.
    private static func isFraming(_ name: String) -> Bool {
        HTTPHeaders.sameName(name, "Content-Length") || HTTPHeaders.sameName(name, "Transfer-Encoding")
    }

    /// Whether the handler asked to close the connection (`Connection: close`).
    static func handlerRequestsClose(_ response: HTTPResponse) -> Bool {
        func asksToClose(_ fields: [HTTPHeaders.Field]) -> Bool {
            fields.contains { HTTPHeaders.sameName($0.name, "Connection") && ASCII.tokenList($0.value).contains("close") }
        }
        if let block = response.headers.block, asksToClose(block.fields) { return true }
        return asksToClose(response.headers.ownFields)
    }

    static func errorResponse(_ error: HTTPParseError) -> HTTPResponse {
        HTTPResponse.text(error.status, error.reason + "\n")
    }

    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
}
