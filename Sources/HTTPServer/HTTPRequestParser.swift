#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the body of a request is delimited on the wire.
public enum BodyFraming: Equatable, Sendable {
    case none
    case contentLength(Int)
    case chunked
}

/// The request line and header section of one request, validated.
public struct HTTPRequestHead: Equatable, Sendable {
    public var method: String
    public var target: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    public var headers: HTTPHeaders
    public var framing: BodyFraming
    /// Whether the connection may carry another request after this one.
    public var keepAlive: Bool
    /// `Expect: 100-continue`: the client waits for an interim response before sending the body.
    public var expectsContinue: Bool

    public static func == (a: Self, b: Self) -> Bool {
        a.method == b.method && a.target == b.target && a.minorVersion == b.minorVersion
            && a.framing == b.framing && a.keepAlive == b.keepAlive && a.expectsContinue == b.expectsContinue
            && a.headers.fields.elementsEqual(b.headers.fields) { $0.name == $1.name && $0.value == $1.value }
    }
}

public struct HTTPParserLimits: Sendable {
    public var maxHeaderBytes: Int
    public var maxBodyBytes: Int
    public init(maxHeaderBytes: Int = 16 * 1024, maxBodyBytes: Int = 1024 * 1024) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }
}

/// A pure parser for the head of an HTTP/1.x request: bytes in, a verdict out. No sockets, no
/// state, so it is unit-testable and fuzzable. Every index is checked: hostile input is normal input.
public enum HTTPRequestParser {
    public enum HeadResult: Equatable, Sendable {
        /// The head is not complete yet (and within limits): read more bytes.
        case needMore
        /// A complete head that occupied `length` bytes from the start of the buffer.
        case head(HTTPRequestHead, length: Int)
        case error(HTTPParseError)
    }

    public static func parseHead(_ buffer: ArraySlice<UInt8>, limits: HTTPParserLimits = HTTPParserLimits()) -> HeadResult {
        var start = buffer.startIndex
        // RFC 9112 §2.2: ignore empty lines before the request line (old clients add CRLF after a body).
        while start + 1 < buffer.endIndex, buffer[start] == ASCII.cr, buffer[start + 1] == ASCII.lf { start += 2 }
        if start - buffer.startIndex > limits.maxHeaderBytes {
            return .error(HTTPParseError(431, "request header section larger than \(limits.maxHeaderBytes) bytes"))
        }
        if start < buffer.endIndex, !ASCII.isTokenChar(buffer[start]), buffer[start] != ASCII.cr {
            // Fail fast on binary garbage (e.g. a TLS ClientHello on the plain port) instead of
            // waiting for a blank line that will never come.
            return .error(HTTPParseError(400, "malformed request line"))
        }
        guard let end = findHeadEnd(buffer, from: start, limit: limits.maxHeaderBytes) else {
            if buffer.endIndex - start > limits.maxHeaderBytes {
                return .error(HTTPParseError(431, "request header section larger than \(limits.maxHeaderBytes) bytes"))
            }
            // A head ended by bare LFs would otherwise wait for a CRLFCRLF that never comes.
            if containsBareLFBlankLine(buffer, from: start) {
                return .error(HTTPParseError(400, "request lines must end in CRLF"))
            }
            return .needMore
        }
        let length = end + 4 - buffer.startIndex
        do {
            let head = try parseHeadLines(buffer[start..<(end + 2)], limits: limits)
            return .head(head, length: length)
        } catch {
            return .error(error)
        }
    }

    /// Index of the CR of the first CRLFCRLF at or after `from`, looking no further than `limit` bytes.
    static func findHeadEnd(_ buffer: ArraySlice<UInt8>, from: Int, limit: Int) -> Int? {
        let stop = buffer.endIndex - from > limit ? from + limit : buffer.endIndex
        guard stop - from >= 4 else { return nil }
        // From CR to CR with memchr over exactly buffer[from..<stop] (one per header line), rather
        // than a byte loop over the whole head on every request.
        return buffer.withUnsafeBufferPointer { bytes -> Int? in
            let start = from - buffer.startIndex, end = stop - buffer.startIndex
            guard let base = bytes.baseAddress else { return nil }
            var index = start
            while index + 4 <= end {
                guard let hit = memchr(base + index, Int32(ASCII.cr), end - 3 - index) else { return nil }
                index = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
                if bytes[index + 1] == ASCII.lf, bytes[index + 2] == ASCII.cr, bytes[index + 3] == ASCII.lf {
                    return buffer.startIndex + index
                }
                index += 1
            }
            return nil
        }
    }

    /// An LF LF pair: a blank line ended by a bare LF, never part of a CRLF head.
    static func containsBareLFBlankLine(_ buffer: ArraySlice<UInt8>, from: Int) -> Bool {
        var index = from
        while index + 1 < buffer.endIndex {
            if buffer[index] == ASCII.lf, buffer[index + 1] == ASCII.lf { return true }
            index += 1
        }
        return false
    }

    /// Splits `bytes` (ending in CRLF) into lines, rejecting a bare CR or bare LF.
    static func splitLines(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        lines.reserveCapacity(16)
        var lineStart = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == ASCII.cr {
                guard index + 1 < bytes.endIndex, bytes[index + 1] == ASCII.lf else {
                    throw HTTPParseError(400, "bare CR in request head")
                }
                lines.append(bytes[lineStart..<index])
                index += 2
                lineStart = index
            } else if byte == ASCII.lf {
                throw HTTPParseError(400, "bare LF in request head")
            } else {
                index += 1
            }
        }
        return lines
    }

    static func parseHeadLines(_ bytes: ArraySlice<UInt8>, limits: HTTPParserLimits) throws(HTTPParseError) -> HTTPRequestHead {
        let lines = try splitLines(bytes)
        guard let requestLine = lines.first else { throw HTTPParseError(400, "missing request line") }
        let (method, target, minor) = try parseRequestLine(requestLine)
        let headers = try HeaderFieldParser.parseFields(lines.dropFirst())
        return try interpret(method: method, target: target, minor: minor, headers: headers, limits: limits)
    }

    static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String, Int) {
        // Index scanning rather than split(): no intermediate arrays on every request.
        var spaceCount = 0
        var firstSpace = line.endIndex, secondSpace = line.endIndex
        for index in line.indices where line[index] == ASCII.space {
            if spaceCount == 0 { firstSpace = index } else if spaceCount == 1 { secondSpace = index }
            spaceCount += 1
        }
        guard spaceCount == 2 else {
            if spaceCount == 1 { throw HTTPParseError(400, "HTTP/0.9 requests are not supported") }
            throw HTTPParseError(400, "malformed request line")
        }
        let methodBytes = line[line.startIndex..<firstSpace]
        let targetBytes = line[(firstSpace + 1)..<secondSpace]
        let version = line[(secondSpace + 1)...]
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(ASCII.isTokenChar) else {
            throw HTTPParseError(400, "malformed method")
        }
        guard !targetBytes.isEmpty, targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HTTPParseError(400, "malformed request target")
        }
        let v = version.startIndex
        guard version.count == 8, version[v] == UInt8(ascii: "H"), version[v + 1] == UInt8(ascii: "T"),
              version[v + 2] == UInt8(ascii: "T"), version[v + 3] == UInt8(ascii: "P"), version[v + 4] == UInt8(ascii: "/"),
              version[v + 6] == UInt8(ascii: "."), (48...57).contains(version[v + 5]), (48...57).contains(version[v + 7]) else {
            throw HTTPParseError(400, "malformed HTTP version")
        }
        guard version[v + 5] == UInt8(ascii: "1"), version[v + 7] <= UInt8(ascii: "1") else {
            throw HTTPParseError(505, "only HTTP/1.0 and HTTP/1.1 are supported")
        }
        return (String(decoding: methodBytes, as: UTF8.self), String(decoding: targetBytes, as: UTF8.self),
                Int(version[v + 7] - 48))
    }

    /// Applies the message-framing rules of RFC 9112 §6 and the connection options.
    static func interpret(method: String, target: String, minor: Int, headers: HTTPHeaders,
                          limits: HTTPParserLimits) throws(HTTPParseError) -> HTTPRequestHead {
        // One pass over the fields (no per-name arrays); the checks below keep their order.
        var hostCount = 0
        var firstLength: String?
        var lengthsAgree = true
        var sawTransferEncoding = false
        var codings: [String] = []
        var options: [String] = []
        var expects: [String] = []
        for field in headers.fields {
            let name = field.name
            switch name.utf8.count {
            case 4 where HTTPHeaders.sameName(name, "Host"):
                hostCount += 1
            case 14 where HTTPHeaders.sameName(name, "Content-Length"):
                if let firstLength { lengthsAgree = lengthsAgree && firstLength == field.value } else { firstLength = field.value }
            case 17 where HTTPHeaders.sameName(name, "Transfer-Encoding"):
                sawTransferEncoding = true
                codings += ASCII.tokenList(field.value)
            case 10 where HTTPHeaders.sameName(name, "Connection"):
                options += ASCII.tokenList(field.value)
            case 6 where HTTPHeaders.sameName(name, "Expect"):
                expects += ASCII.tokenList(field.value)
            default:
                break
            }
        }
        if minor == 1, hostCount == 0 { throw HTTPParseError(400, "missing Host header") }
        if hostCount > 1 { throw HTTPParseError(400, "more than one Host header") }

        var framing = BodyFraming.none
        if sawTransferEncoding {
            guard firstLength == nil else { throw HTTPParseError(400, "both Transfer-Encoding and Content-Length") }
            guard codings == ["chunked"] else { throw HTTPParseError(501, "unsupported transfer coding") }
            framing = .chunked
        } else if let first = firstLength {
            guard lengthsAgree else { throw HTTPParseError(400, "conflicting Content-Length headers") }
            let length = try parseContentLength(first)
            if length > limits.maxBodyBytes {
                throw HTTPParseError(413, "request body larger than \(limits.maxBodyBytes) bytes")
            }
            if length > 0 { framing = .contentLength(length) }
        }

        var keepAlive = minor == 1 ? !options.contains("close") : options.contains("keep-alive") && !options.contains("close")
        // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message makes its framing suspect; answer it, then close.
        if minor == 0, framing == .chunked { keepAlive = false }
        return HTTPRequestHead(method: method, target: target, minorVersion: minor, headers: headers, framing: framing,
                               keepAlive: keepAlive, expectsContinue: minor == 1 && expects.contains("100-continue"))
    }

    /// A plain decimal; absurdly long values saturate to Int.max (so they become 413, not a trap).
    static func parseContentLength(_ value: String) throws(HTTPParseError) -> Int {
        let digits = Array(value.utf8)
        guard !digits.isEmpty, digits.allSatisfy({ (48...57).contains($0) }) else {
            throw HTTPParseError(400, "malformed Content-Length")
        }
        var result = 0
        for digit in digits {
            let (shifted, overflow1) = result.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(Int(digit - 48))
            if overflow1 || overflow2 { return Int.max }
            result = sum
        }
        return result
    }
}

/// Parses `name: value` lines (shared by the request parser and the client's response parser).
enum HeaderFieldParser {
    static func parseFields(_ lines: some Sequence<ArraySlice<UInt8>>) throws(HTTPParseError) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.reserveCapacity(lines.underestimatedCount)
        for line in lines {
            guard let first = line.first else { continue }
            if first == ASCII.space || first == ASCII.tab { throw HTTPParseError(400, "obsolete line folding in header") }
            guard let colon = line.firstIndex(of: ASCII.colon) else { throw HTTPParseError(400, "header line without colon") }
            let name = line[line.startIndex..<colon]
            guard !name.isEmpty else { throw HTTPParseError(400, "empty header name") }
            guard name.allSatisfy(ASCII.isTokenChar) else {
                if let last = name.last, last == ASCII.space || last == ASCII.tab {
                    throw HTTPParseError(400, "whitespace before colon in header")
                }
                throw HTTPParseError(400, "malformed header name")
            }
            var value = line[(colon + 1)...]
            while let byte = value.first, byte == ASCII.space || byte == ASCII.tab { value = value.dropFirst() }
            while let byte = value.last, byte == ASCII.space || byte == ASCII.tab { value = value.dropLast() }
            // Field values: VCHAR, SP, HTAB and obs-text; any other control byte (NUL, CR, DEL…) is an attack.
            guard value.allSatisfy({ $0 == ASCII.tab || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw HTTPParseError(400, "control character in header value")
            }
            headers.add(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
        }
        return headers
    }
}
