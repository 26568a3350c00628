import Foundation
import XCTest
@testable import JOSE

final class JSONValueTests: XCTestCase {
    func testParsesEveryKindAndAccessors() throws {
        let value = try JSONValue.parse(Array(#"{"s":"x","n":1.5,"i":3,"b":true,"z":null,"a":[1,"two"],"o":{"k":false}}"#.utf8))
        XCTAssertEqual(value["s"]?.stringValue, "x")
        XCTAssertEqual(value["n"]?.doubleValue, 1.5)
        XCTAssertEqual(value["i"], .number(3))
        XCTAssertEqual(value["b"]?.boolValue, true)
        XCTAssertEqual(value["z"], .null)
        XCTAssertEqual(value["a"]?.arrayValue, [1, "two"])
        XCTAssertEqual(value["o"]?["k"], false)
        XCTAssertNil(value["missing"])
        XCTAssertNil(value["s"]?["x"])           // subscript on a non-object
        XCTAssertNil(value["b"]?.doubleValue)    // true is not the number 1
        XCTAssertNil(value["i"]?.boolValue)      // and 1 is not true
    }

    func testRoundTripsThroughJSONEncoder() throws {
        let value: JSONValue = ["list": [1, 2.5, "x", nil, true], "nested": ["k": "v/w"]]
        let decoded = try JSONValue.parse(Array(JSONEncoder().encode(value)))
        XCTAssertEqual(decoded, value)
    }

    func testJSON5OnlyWhenAsked() throws {
        let text = Array("{\n // comment\n \"a\": 1,\n}".utf8)
        XCTAssertThrowsError(try JSONValue.parse(text))
        XCTAssertEqual(try JSONValue.parse(text, allowJSON5: true)["a"], 1)
    }

    func testRejectsBrokenAndDeeplyNestedInputWithoutCrashing() {
        for text in ["", "{", "{\"a\":}", "nul", "\u{FEFF}\u{0}"] {
            XCTAssertThrowsError(try JSONValue.parse(Array(text.utf8)), text)
        }
        XCTAssertThrowsError(try JSONValue.parse(Array(String(repeating: "[", count: 100_000).utf8)))
        XCTAssertThrowsError(try JSONValue.parse(Array((String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)).utf8)))
    }
}
