import XCTest
@testable import HTTPServer

final class HTTPRequestParserTests: XCTestCase {
    private func parse(_ text: String, limits: HTTPParserLimits = HTTPParserLimits()) -> HTTPRequestParser.HeadResult {
        HTTPRequestParser.parseHead(Array(text.utf8)[...], limits: limits)
    }

    private func head(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> HTTPRequestHead? {
        guard case .head(let head, let length) = parse(text) else {
            XCTFail("expected a head, got \(parse(text))", file: file, line: line)
            return nil
        }
        XCTAssertEqual(length, text.utf8.count, file: file, line: line)
        return head
    }

    private func assertError(_ text: String, _ status: Int, file: StaticString = #filePath, line: UInt = #line) {
        guard case .error(let error) = parse(text) else {
            return XCTFail("expected \(status), got \(parse(text))", file: file, line: line)
        }
        XCTAssertEqual(error.status, status, "\(error.reason)", file: file, line: line)
        XCTAssertFalse(error.reason.isEmpty, file: file, line: line)
    }

    func testSimpleGet() throws {
        let head = try XCTUnwrap(head("GET /a/b%20c?x=1&y=2 HTTP/1.1\r\nHost: localhost\r\nX-A:  v  \r\n\r\n"))
        XCTAssertEqual(head.method, "GET")
        XCTAssertEqual(head.target, "/a/b%20c?x=1&y=2")
        XCTAssertEqual(head.minorVersion, 1)
        XCTAssertEqual(head.headers["host"], "localhost")
        XCTAssertEqual(head.headers["x-a"], "v", "optional whitespace is trimmed")
        XCTAssertEqual(head.framing, .none)
        XCTAssertTrue(head.keepAlive)
        XCTAssertFalse(head.expectsContinue)
        let request = HTTPRequest(method: head.method, target: head.target)
        XCTAssertEqual(request.path, "/a/b%20c")
        XCTAssertEqual(request.query, "x=1&y=2")
    }

    func testIncompleteHeadNeedsMore() {
        XCTAssertEqual(parse("GET / HTTP/1.1\r\nHost: a\r\n"), .needMore)
        XCTAssertEqual(parse("GET / HTTP/1.1\r\nHost: a\r\n\r"), .needMore)
        XCTAssertEqual(parse(""), .needMore)
        XCTAssertEqual(parse("\r\n"), .needMore)
    }

    func testLeadingEmptyLinesAreSkippedAndBytesAfterHeadAreLeft() {
        let text = "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        guard case .head(_, let length) = parse(text + "GET /next") else { return XCTFail() }
        XCTAssertEqual(length, text.utf8.count)
    }

    func testConnectionSemantics() throws {
        XCTAssertFalse(try XCTUnwrap(head("GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n")).keepAlive)
        XCTAssertFalse(try XCTUnwrap(head("GET / HTTP/1.0\r\n\r\n")).keepAlive)
        // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding is answered, then the connection closes.
        XCTAssertFalse(try XCTUnwrap(head("POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n")).keepAlive)
        XCTAssertTrue(try XCTUnwrap(head("POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n")).keepAlive)
        XCTAssertTrue(try XCTUnwrap(head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")).keepAlive)
        XCTAssertTrue(try XCTUnwrap(head("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, keep-alive\r\n\r\n")).keepAlive)
    }

    func testContentLengthAndExpect() throws {
        let head = try XCTUnwrap(head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\nExpect: 100-Continue\r\n\r\n"))
        XCTAssertEqual(head.framing, .contentLength(12))
        XCTAssertTrue(head.expectsContinue)
        XCTAssertEqual(try XCTUnwrap(self.head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")).framing, .none)
        XCTAssertEqual(try XCTUnwrap(self.head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n")).framing,
                       .contentLength(5), "identical duplicates are allowed")
    }

    func testChunkedFraming() throws {
        XCTAssertEqual(try XCTUnwrap(head("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n")).framing, .chunked)
    }

    func testRejectsFramingAttacks() {
        assertError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400)
        assertError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400)
        assertError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400)
        assertError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 400)
        assertError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400)
        assertError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400)
        assertError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501)
        assertError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 501)
        assertError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 501)
    }

    func testBodyLimitDecidedFromContentLength() {
        let limits = HTTPParserLimits(maxHeaderBytes: 1024, maxBodyBytes: 100)
        guard case .head = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n", limits: limits) else { return XCTFail() }
        guard case .error(let error) = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n", limits: limits) else { return XCTFail() }
        XCTAssertEqual(error.status, 413)
        assertError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999999\r\n\r\n", 413)
    }

    func testRejectsMalformedHeaderLines() {
        assertError("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n", 400)
        assertError("GET / HTTP/1.1\r\nHost: a\r\n\tfolded: x\r\n\r\n", 400)
        assertError("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400)
        assertError("GET / HTTP/1.1\r\nHost: a\r\nX-A : 1\r\n\r\n", 400)
        assertError("GET / HTTP/1.1\r\nHost: a\r\n: 1\r\n\r\n", 400)
        assertError("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r2\r\n\r\n", 400)
        assertError("GET / HTTP/1.1\r\nHost: a\nX-A: 1\r\n\r\n", 400)
        assertError("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\u{0}2\r\n\r\n", 400)
        assertError("GET / HTTP/1.1\r\nHost: a\r\nX(A): 1\r\n\r\n", 400)
    }

    func testRejectsMalformedRequestLines() {
        assertError("GET /\r\n\r\n", 400) // HTTP/0.9
        assertError("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertError("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400)
        assertError("GET / http/1.1\r\nHost: a\r\n\r\n", 400)
        assertError("GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400)
        assertError("G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertError("GET /\u{7F} HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertError("GET / HTTP/1.1\r\n\r\n", 400) // HTTP/1.1 requires Host
        assertError("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400)
    }

    func testUnsupportedVersions() {
        assertError("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505)
        assertError("GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505)
        assertError("GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505)
    }

    func testBinaryGarbageFailsFastWithoutWaitingForBlankLine() {
        // A TLS ClientHello on the plain port starts with 0x16 0x03.
        guard case .error(let error) = HTTPRequestParser.parseHead([0x16, 0x03, 0x01, 0x02, 0x00][...]) else { return XCTFail() }
        XCTAssertEqual(error.status, 400)
    }

    /// A head ended by bare LFs is refused at once instead of waiting for the read timeout.
    func testBareLFHeadFailsFast() {
        assertError("GET / HTTP/1.1\nHost: a\n\n", 400)
        assertError("GET / HTTP/1.1\r\nHost: a\r\n\n", 400)
        XCTAssertEqual(parse("GET / HTTP/1.1\nHost: a\n"), .needMore, "not yet a blank line")
    }

    func testHeaderSizeLimit() {
        let limits = HTTPParserLimits(maxHeaderBytes: 64, maxBodyBytes: 10)
        let big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "a", count: 100)
        guard case .error(let error) = parse(big, limits: limits) else { return XCTFail() }
        XCTAssertEqual(error.status, 431)
        guard case .error(let complete) = parse(big + "\r\n\r\n", limits: limits) else { return XCTFail() }
        XCTAssertEqual(complete.status, 431)
        XCTAssertEqual(parse("GET / HTTP/1.1\r\nHost: a\r\nX: 1", limits: limits), .needMore)
        guard case .error(let blankLines) = parse(String(repeating: "\r\n", count: 40), limits: limits) else { return XCTFail() }
        XCTAssertEqual(blankLines.status, 431, "endless empty lines must not grow the buffer forever")
    }

    func testParsesAFromArraySliceWithNonZeroStartIndex() {
        let bytes = Array("xxGET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        guard case .head(let head, let length) = HTTPRequestParser.parseHead(bytes[2...]) else { return XCTFail() }
        XCTAssertEqual(head.target, "/")
        XCTAssertEqual(length, bytes.count - 2)
    }
}
