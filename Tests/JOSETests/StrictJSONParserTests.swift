import Foundation
import XCTest
@testable import JOSE

final class StrictJSONParserTests: XCTestCase {
    func testAgreesWithJSONDecoderOnValidInput() throws {
        let documents = [
            #"{"a":"x","b":-0.5e-3,"c":[true,false,null,{}],"d":{"e":[]},"f":12345678901}"#,
            #"  [ 1 , 2.5E+2 , "\u00e9\ud83d\ude00\n\t\"\\\/" , "é😀" ]  "#,
            #""plain""#, "0", "-0", "1e2", "true", "null",
            #"{"nested":[[[[{"deep":"yes"}]]]]}"#,
        ]
        for document in documents {
            let ours = try JSONValue.parseStrict(Array(document.utf8))
            let foundation = try JSONValue.parse(Array(document.utf8))
            XCTAssertEqual(ours, foundation, document)
        }
        XCTAssertEqual(try JSONValue.parseStrict(Array(#""\u00e9\ud83d\ude00""#.utf8)), "é😀")
    }

    func testRefusesWhatStrictJSONForbids() {
        let refused = [
            "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "'a'", "01", "1.", ".5", "-", "1e", "+1",
            "NaN", "Infinity", "1e400", "8e-999", "tru", "nulll", "[1] 2", "\"abc", "\"a\u{01}b\"", "\"\\x\"", "\"\\u12\"",
            "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "// c\n1",
            #"{"alg":"RS256","alg":"none"}"#,   // duplicate member: RFC 7515 §5.2
        ]
        for text in refused {
            XCTAssertThrowsError(try JSONValue.parseStrict(Array(text.utf8)), text)
        }
        XCTAssertThrowsError(try JSONValue.parseStrict([0x22, 0xC3, 0x28, 0x22]))   // invalid UTF-8
        XCTAssertThrowsError(try JSONValue.parseStrict([0x22, 0xFF, 0x22]))
        XCTAssertThrowsError(try JSONValue.parseStrict([0x22, 0x61, 0xC3, 0x22]), "a truncated sequence after ASCII")
    }

    func testReadsRawNonASCIIStrings() throws {
        XCTAssertEqual(try JSONValue.parseStrict(Array(#"{"name":"Zoë Ångström","a":"plain"}"#.utf8)),
                       .object(["name": .string("Zoë Ångström"), "a": .string("plain")]))
    }

    func testBoundsNestingDepth() {
        let ok = String(repeating: "[", count: JSONValue.maximumDepth) + String(repeating: "]", count: JSONValue.maximumDepth)
        XCTAssertNoThrow(try JSONValue.parseStrict(Array(ok.utf8)))
        let deep = "[" + ok + "]"
        XCTAssertThrowsError(try JSONValue.parseStrict(Array(deep.utf8)))
        XCTAssertThrowsError(try JSONValue.parseStrict(Array(String(repeating: "{\"a\":", count: 100_000).utf8)))
    }

    func testJWTWithDuplicateAlgIsMalformed() {
        let token = TokenForge.unsigned(header: #"{"alg":"RS256","alg":"none"}"#) + ".AAAA"
        XCTAssertThrowsError(try JWT.decode(token)) { XCTAssertEqual($0 as? JWTError, .malformed("header: invalid JSON at byte 15: duplicate member name")) }
    }
}
