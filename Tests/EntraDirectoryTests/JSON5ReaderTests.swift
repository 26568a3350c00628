import Foundation
import XCTest
@testable import EntraDirectory
import JOSE

/// The scenario reader: JSON5 read to the same values as Foundation's JSON5 decoder (which the
/// loader used before and which traps on some inputs), and the first fault of a broken file with
/// its line and column.
final class JSON5ReaderTests: XCTestCase {
    func located(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard case .failure(let failure) = JSON5Reader.read(bytes) else { return nil }
        let position = SyntaxErrorText.lineAndColumn(of: failure.offset, in: bytes)
        return "\(position.line):\(position.column) \(failure.message)"
    }

    func read(_ text: String) throws -> JSONValue {
        try JSON5Reader.read(Array(text.utf8)).get()
    }

    func testValuesAreReadAsJSON5Means() throws {
        let strings = #"{ a: '\x41\u00e9\ud83d\ude00', b: "tab\there", c: 'it\'s', d: 'one \"# + "\n" + #" two', e: '\/' }"#
        XCTAssertEqual(try read(strings), ["a": "Aé😀", "b": "tab\there", "c": "it's", "d": "one  two", "e": "/"])
        XCTAssertEqual(try read("[.5, 5., +1, -2, 0x1F, -0xff, 1e-3, 2E+2, -.25, 5.e1]"),
                       [0.5, 5, 1, -2, 31, -255, 0.001, 200, -0.25, 50])
        XCTAssertEqual(try read("[Infinity, -Infinity, true, false, null]"), [.number(.infinity), .number(-.infinity), true, false, nil])
        XCTAssertEqual(located("{ a: 1, 'a': 2 }"), "1:9 the member name \"a\" appears twice in this object")
        XCTAssertEqual(located("{ a: '\\ud800' }"), "1:13 a \\u escape of a lone surrogate (U+D800)")
    }

    func testJSON5ThatFoundationAcceptsReadsTheSame() throws {
        let samples = [
            "// comment\n{ unquoted: 1, 'single': 'it\\'s', \"double\": \"a\\u00e9\\x41\", trailing: [1, 2,], }",
            "{ hex: 0x1F, neg: -0xff, plus: +1, lead: .5, trail: 5., exp: 1e-3, big: 2E+10, inf: -Infinity, nan: NaN }",
            "{ /* block\n comment */ a: null, b: true, c: false, $d_1: [], e: {}, f: [[[]]], }",
            "{ s: 'line \\\n continued', t: '\\t\\n\\r\\b\\f\\/', u: \"\u{00E9}t\u{00E9}\" }",
            "\u{FEFF}{ a: 1 }\r\n",
            "[1, 'two', {three: 3}]",
        ]
        for sample in samples {
            let foundation = try JSONValue.parse(Array(sample.utf8), allowJSON5: true)
            // NaN is never equal to itself; a line continuation is empty in JSON5 (spec §5.1, as in
            // ECMAScript) while Foundation keeps the line break.
            if !sample.contains("NaN"), !sample.contains("\\\n") { XCTAssertEqual(try read(sample), foundation, sample) }
            XCTAssertNil(located(sample), sample)
        }
        // Every shipped scenario, too.
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") && !$0.contains("schema") }
        XCTAssertFalse(files.isEmpty)
        for file in files {
            let bytes = try Array(Data(contentsOf: folder.appendingPathComponent(file)))
            XCTAssertEqual(try JSON5Reader.read(bytes).get(), try JSONValue.parse(bytes, allowJSON5: true), file)
        }
    }

    func testFaultsAreNamedWhereTheyAre() {
        let cases: [(String, String)] = [
            ("{\n  a: 1\n  b: 2\n}", "3:3 expected ',' or '}' after the value of \"a\", found 'b'"),
            ("{ a: 1,, }", "1:8 expected a member name or '}', found ','"),
            ("{ a 1 }", "1:5 expected ':' after the member name \"a\", found '1'"),
            ("{ a: [1 2] }", "1:9 expected ',' or ']' after array element 0, found '2'"),
            ("{ a: yes }", "1:6 expected a value, found 'yes' (strings need quotes; the literals are true, false and null)"),
            ("{ a: \"open }", "1:6 a string that is never closed (no matching \")"),
            ("{ a: 'x\ny' }", "1:8 a line break inside a string (write it as \\n, or end the line with a backslash)"),
            ("{ a: '\\u12G4' }", "1:11 \\u must be followed by 4 hexadecimal digits, found 'G'"),
            ("{ a: 01 }", "1:6 a number cannot start with 0 followed by digits (octal is not JSON5)"),
            ("{ a: 1e }", "1:8 a number's exponent needs digits"),
            ("{ a: 0x }", "1:8 a hexadecimal number needs digits after 0x"),
            ("{ a: 1 } }", "1:10 unexpected '}' after the end of the top-level value"),
            ("{ a: 1 /* never closed", "1:8 a /* comment that is never closed"),
            ("{ a: 1 / }", "1:8 a lone '/' (comments start with // or /*)"),
            ("{ 1a: 1 }", "1:3 expected a member name or '}', found '1'"),
            ("{ \"é\": 1 \"b\": 2 }", "1:10 expected ',' or '}' after the value of \"é\", found '\"'"),
            ("", "1:1 the file holds no value (an object `{ … }` was expected)"),
            ("{ a: ", "1:6 the file ends where a value was expected"),
            ("{ a: [", "1:7 the file ends where a value was expected"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try JSONValue.parse(Array(text.utf8), allowJSON5: true), "Foundation must refuse: \(text)")
            XCTAssertEqual(located(text), expected, text)
        }
    }

    func testNumbersADoubleCannotHoldAreRefusedAndEverySpaceSeparatorIsWhitespace() throws {
        // Read as Infinity and 0 before; JSON5 spells Infinity out, and JOSE's parser refuses both.
        XCTAssertEqual(located("{ a: 1e400 }"), "1:6 number out of range")
        XCTAssertEqual(located("{ a: -1.5e-400 }"), "1:6 number out of range")
        XCTAssertEqual(located("{ a: 0x" + String(repeating: "F", count: 300) + " }"), "1:6 number out of range")
        XCTAssertEqual(try read("[0e-400, 0.0e999, 1e308]"), [0, 0, 1e308])
        XCTAssertEqual(try read("{\u{1680}a:\u{205F}1,\u{3000}b: 2\u{2003}}"), ["a": 1, "b": 2])
    }

    func testDeepNestingIsBoundedNotRecursedWithoutLimit() {
        let deep = String(repeating: "[", count: 100_000)
        XCTAssertEqual(located(deep), "1:513 values are nested more than 512 levels deep")
    }
}
