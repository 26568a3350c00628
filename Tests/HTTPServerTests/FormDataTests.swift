import XCTest
@testable import HTTPServer

final class FormDataTests: XCTestCase {
    private func form(_ text: String) throws -> FormData { try FormData(parsing: Array(text.utf8)) }

    func testPlusPercentAndOrder() throws {
        let data = try form("scope=openid+profile%20offline_access&redirect_uri=http%3A%2F%2Flocalhost%3a3000&a=1&a=2")
        XCTAssertEqual(data.first("scope"), "openid profile offline_access")
        XCTAssertEqual(data.first("redirect_uri"), "http://localhost:3000", "lower-case hex is accepted")
        XCTAssertEqual(data.all("a"), ["1", "2"], "duplicates kept in order")
        XCTAssertEqual(data.pairs.map(\.name), ["scope", "redirect_uri", "a", "a"])
        XCTAssertNil(data.first("missing"))
        XCTAssertEqual(try form("A=1").first("a"), nil, "names are case-sensitive")
    }

    func testEdgeShapes() throws {
        XCTAssertTrue(try form("").pairs.isEmpty)
        XCTAssertEqual(try form("a").pairs.map { [$0.name, $0.value] }, [["a", ""]])
        XCTAssertEqual(try form("a=&b").pairs.map { [$0.name, $0.value] }, [["a", ""], ["b", ""]])
        XCTAssertEqual(try form("a=1&&b=2&").pairs.count, 2, "empty segments are skipped")
        XCTAssertEqual(try form("a=b=c").first("a"), "b=c", "only the first '=' separates")
        XCTAssertEqual(try form("%2B=%2b+").first("+"), "+ ", "an encoded plus is a literal plus")
        XCTAssertEqual(try form("k=%E2%9C%93").first("k"), "✓")
    }

    func testBadEscapes() {
        XCTAssertThrowsError(try form("a=%zz")) { XCTAssertEqual($0 as? FormDataError, .malformedEscape(pairIndex: 0)) }
        XCTAssertThrowsError(try form("a=1&b=%4")) { XCTAssertEqual($0 as? FormDataError, .malformedEscape(pairIndex: 1)) }
        XCTAssertThrowsError(try form("a=%")) { XCTAssertEqual($0 as? FormDataError, .malformedEscape(pairIndex: 0)) }
        XCTAssertThrowsError(try form("%g1=x"))
    }

    func testInvalidUTF8() {
        XCTAssertThrowsError(try form("a=%C3")) { XCTAssertEqual($0 as? FormDataError, .invalidUTF8(pairIndex: 0)) }
        XCTAssertThrowsError(try form("a=%FF%FE"))
        XCTAssertThrowsError(try FormData(parsing: [UInt8(ascii: "a"), UInt8(ascii: "="), 0xC3]), "raw invalid bytes too")
        XCTAssertThrowsError(try form("a=%ED%A0%80"), "surrogate code points are not UTF-8")
        XCTAssertEqual((try? form("a=%C3%A9"))?.first("a"), "é")
        // Raw bytes take the non-ASCII path: valid UTF-8 is kept as is, invalid is refused in a name too.
        XCTAssertEqual((try? FormData(parsing: Array("a=é&b=x".utf8)))?.first("a"), "é")
        XCTAssertThrowsError(try FormData(parsing: [0xFF, UInt8(ascii: "="), UInt8(ascii: "x")])) {
            XCTAssertEqual($0 as? FormDataError, .invalidUTF8(pairIndex: 0))
        }
    }

    func testLongComponentsAndSeparatorsAtTheEdges() throws {
        let assertion = String(repeating: "eyJhbGciOiJSUzI1NiJ9.", count: 80)
        let parsed = try form("=&assertion=\(assertion)&&x&y=&=z")
        XCTAssertEqual(parsed.pairs.map(\.name), ["", "assertion", "x", "y", ""])
        XCTAssertEqual(parsed.pairs.map(\.value), ["", assertion, "", "", "z"])
    }

    func testErrorDescriptionsAreReadable() {
        XCTAssertEqual(FormDataError.malformedEscape(pairIndex: 1).description, "form field 2: malformed percent-escape")
    }

    func testPercentEncodingRoundTrip() throws {
        let original = "a b+c/d?e=f&g~h.i_j-k✓"
        let encoded = PercentEncoding.encodeComponent(original)
        XCTAssertEqual(encoded, "a%20b%2Bc%2Fd%3Fe%3Df%26g~h.i_j-k%E2%9C%93")
        XCTAssertEqual(PercentEncoding.decode(encoded, plusAsSpace: false), original)
        XCTAssertEqual(PercentEncoding.decode("a+b", plusAsSpace: false), "a+b")
        XCTAssertEqual(PercentEncoding.decode("a+b", plusAsSpace: true), "a b")
        XCTAssertNil(PercentEncoding.decode("%", plusAsSpace: false))
        let data = FormData(pairs: [("x y", "1+2&3"), ("z", "")])
        XCTAssertEqual(data.encoded, "x+y=1%2B2%263&z=")
        let parsed = try form(data.encoded)
        XCTAssertEqual(parsed.pairs.map { [$0.name, $0.value] }, [["x y", "1+2&3"], ["z", ""]])
    }
}
