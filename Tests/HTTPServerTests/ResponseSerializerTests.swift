import XCTest
@testable import HTTPServer

final class ResponseSerializerTests: XCTestCase {
    private func text(_ response: HTTPResponse, omitBody: Bool = false, close: Bool = false) -> String {
        String(decoding: ResponseSerializer.serialize(response, omitBody: omitBody, close: close), as: UTF8.self)
    }

    func testIMFFixdate() {
        XCTAssertEqual(HTTPDate.format(epochSeconds: 784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 0), "Thu, 01 Jan 1970 00:00:00 GMT")
        XCTAssertEqual(HTTPDate.now().utf8.count, 29)
    }

    func testAddsLengthDateAndCloseButKeepsHandlerHeaders() {
        let response = HTTPResponse(status: 200, headers: HTTPHeaders([("content-type", "application/json"), ("Date", "fixed")]),
                                    body: Array("{}".utf8))
        XCTAssertEqual(text(response, close: true),
                       "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nDate: fixed\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    }

    func testTheBodyDecidesTheFramingWhateverTheHandlerSaid() {
        // A handler's Content-Length or Transfer-Encoding could disagree with the body and
        // desynchronise a keep-alive connection: the serializer drops them and counts the body.
        let response = HTTPResponse(status: 200, headers: HTTPHeaders([("Date", "d"), ("Content-Length", "99"),
                                                                       ("Transfer-Encoding", "chunked")]),
                                    body: Array("abc".utf8))
        XCTAssertEqual(text(response), "HTTP/1.1 200 OK\r\nDate: d\r\nContent-Length: 3\r\n\r\nabc")
        let split = HTTPResponse(status: 200, headers: HTTPHeaders([("Date", "d"), ("Content-Length", "1\r\nX: y")]), body: [65])
        XCTAssertEqual(text(split), "HTTP/1.1 200 OK\r\nDate: d\r\nContent-Length: 1\r\n\r\nA")
    }

    func testHeadAndBodilessStatuses() {
        let response = HTTPResponse(status: 200, headers: HTTPHeaders([("Date", "d")]), body: Array("hello".utf8))
        XCTAssertEqual(text(response, omitBody: true), "HTTP/1.1 200 OK\r\nDate: d\r\nContent-Length: 5\r\n\r\n")
        XCTAssertEqual(text(HTTPResponse(status: 204, headers: HTTPHeaders([("Date", "d")]), body: [1])), "HTTP/1.1 204 No Content\r\nDate: d\r\n\r\n")
        XCTAssertTrue(text(HTTPResponse(status: 42)).hasPrefix("HTTP/1.1 500 "), "an invalid status becomes 500")
    }

    func testAHeaderBlockIsWrittenFirstAndCheckedLikeAnyField() {
        // A shared block's lines are serialized once, with the same rules: no CR or LF, no framing.
        let block = HTTPHeaderBlock([("Cache-Control", "no-store"), ("Content-Length", "99"), ("X-Split", "a\r\nb"),
                                     ("Date", "fixed")])
        let response = HTTPResponse(status: 200, headers: HTTPHeaders(block: block, [("x-ms-request-id", "r1")]),
                                    body: Array("{}".utf8))
        XCTAssertEqual(text(response, close: true),
                       "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nDate: fixed\r\nx-ms-request-id: r1\r\n"
                       + "Content-Length: 2\r\nConnection: close\r\n\r\n{}")
        // A dropped field counts for nothing: the serializer still writes its own Connection header.
        let dropped = HTTPResponse(status: 204, headers: HTTPHeaders(block: HTTPHeaderBlock([("Connection", "x\r\ny"), ("Date", "d")])))
        XCTAssertEqual(text(dropped, close: true), "HTTP/1.1 204 No Content\r\nDate: d\r\nConnection: close\r\n\r\n")
        let closing = HTTPResponse(status: 200, headers: HTTPHeaders(block: HTTPHeaderBlock([("Connection", "close")])))
        XCTAssertTrue(ResponseSerializer.handlerRequestsClose(closing))
        XCTAssertFalse(ResponseSerializer.handlerRequestsClose(response))
    }

    func testABlocksFieldsAreHeadersLikeTheOthers() {
        var headers = HTTPHeaders(block: HTTPHeaderBlock([("Pragma", "no-cache"), ("Expires", "-1")]), [("X-Own", "1")])
        XCTAssertEqual(headers["pragma"], "no-cache")
        XCTAssertEqual(headers.count, 3)
        XCTAssertEqual(headers.map(\.name), ["Pragma", "Expires", "X-Own"])
        // Changing a block field changes these headers only, never the shared block.
        let shared = headers.block
        headers.set("Expires", "0")
        headers.remove("pragma")
        XCTAssertEqual(headers.fields.map { "\($0.name)=\($0.value)" }, ["Expires=0", "X-Own=1"])
        XCTAssertEqual(shared?.fields.map(\.value), ["no-cache", "-1"])
        headers.add("Date", "d")
        XCTAssertEqual(text(HTTPResponse(status: 204, headers: headers)),
                       "HTTP/1.1 204 No Content\r\nExpires: 0\r\nX-Own: 1\r\nDate: d\r\n\r\n")
    }

    func testHeadersLookupIsCaseInsensitiveAndOrdered() {
        var headers = HTTPHeaders([("Set-Cookie", "a"), ("X", "1"), ("set-cookie", "b")])
        XCTAssertEqual(headers["SET-COOKIE"], "a")
        XCTAssertEqual(headers.values(for: "Set-Cookie"), ["a", "b"])
        headers.set("SET-cookie", "c")
        XCTAssertEqual(headers.map(\.name), ["SET-cookie", "X"])
        XCTAssertEqual(headers.values(for: "set-cookie"), ["c"])
        headers.remove("x")
        XCTAssertEqual(headers.count, 1)
        XCTAssertFalse(HTTPHeaders.sameName("Hos", "Host"))
    }
}
