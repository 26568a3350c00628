import XCTest
@testable import HTTPServer

final class ChunkedBodyDecoderTests: XCTestCase {
    private func decode(_ text: String, max: Int = 1000) -> (ChunkedBodyDecoder.Progress, String) {
        var decoder = ChunkedBodyDecoder(maxBodyBytes: max, maxMetadataBytes: 64)
        let progress = decoder.feed(Array(text.utf8)[...])
        return (progress, String(decoding: decoder.body, as: UTF8.self))
    }

    func testDecodesChunksExtensionsAndTrailers() {
        let message = "4;name=value\r\nWiki\r\n5\r\npedia\r\nB\r\n in\r\n\r\nchun\r\n0\r\nX-Trailer: 1\r\n\r\n"
        let (progress, body) = decode(message + "NEXT")
        XCTAssertEqual(progress, .done(consumed: message.utf8.count), "bytes after the body belong to the next request")
        XCTAssertEqual(body, "Wikipedia in\r\n\r\nchun")
    }

    func testByteByByteFeedingGivesTheSameResult() {
        let message = Array("3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n".utf8)
        var decoder = ChunkedBodyDecoder(maxBodyBytes: 100)
        for (index, byte) in message.enumerated() {
            let progress = decoder.feed([byte][...])
            XCTAssertEqual(progress, index == message.count - 1 ? .done(consumed: 1) : .needMore)
        }
        XCTAssertEqual(String(decoding: decoder.body, as: UTF8.self), "abc0123456789abcdef")
    }

    func testLimitIsEnforcedFromChunkSizes() {
        guard case .error(let error) = decode("400\r\n", max: 1000).0 else { return XCTFail() }
        XCTAssertEqual(error.status, 413, "decided from the size line, before the data arrives")
        guard case .error(let second) = decode("300\r\n" + String(repeating: "a", count: 768) + "\r\n200\r\n", max: 1000).0 else { return XCTFail() }
        XCTAssertEqual(second.status, 413)
    }

    func testRejectsMalformedFraming() {
        for bad in ["\r\n", "g\r\n", "3\r\nabcd\r\n", "3\nabc\r\n", "3\r\nabc\n", "ffffffffffffffff1\r\n",
                    "0\r\nbad\ntrailer\r\n\r\n", "0\r\n\rx", "-1\r\n"] {
            guard case .error(let error) = decode(bad).0 else { XCTFail("accepted \(bad.debugDescription)"); continue }
            XCTAssertEqual(error.status, 400, bad.debugDescription)
        }
    }

    func testTrailerAndExtensionSizeIsBounded() {
        guard case .error(let error) = decode("1;" + String(repeating: "x", count: 100)).0 else { return XCTFail() }
        XCTAssertEqual(error.status, 431)
        guard case .error(let trailer) = decode("0\r\nX: " + String(repeating: "y", count: 100)).0 else { return XCTFail() }
        XCTAssertEqual(trailer.status, 431)
    }

    func testIncompleteBodyNeedsMore() {
        XCTAssertEqual(decode("5\r\nab").0, .needMore)
        XCTAssertEqual(decode("0\r\n\r").0, .needMore)
    }
}
