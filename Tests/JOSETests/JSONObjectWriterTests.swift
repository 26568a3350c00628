import Foundation
import XCTest
@testable import JOSE

final class JSONObjectWriterTests: XCTestCase {
    func testWritesMembersInOrderAndParsesBack() throws {
        var writer = JSONObjectWriter()
        writer.string("aud", "api://x/y")
        writer.string("skipped", nil)
        writer.integer("exp", 1_900_000_000)
        writer.bool("ok", true)
        writer.bool("skippedToo", nil)
        writer.strings("roles", ["a\"b", "c\\d", "é\n"])
        writer.integers("codes", [50076, -1])
        writer.raw("obj", json: Array(#"{"k":1}"#.utf8))
        let bytes = writer.finish()
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self),
                       #"{"aud":"api://x/y","exp":1900000000,"ok":true,"roles":["a\"b","c\\d","é\n"],"codes":[50076,-1],"obj":{"k":1}}"#)
        let parsed = try JSONValue.parseStrict(bytes)
        XCTAssertEqual(parsed["roles"], ["a\"b", "c\\d", "é\n"])
        XCTAssertEqual(try JSONValue.parse(bytes), parsed)
        XCTAssertEqual(String(decoding: JSONObjectWriter().finish(), as: UTF8.self), "{}")
    }

    func testSignerAcceptsPreWrittenPayload() throws {
        var writer = JSONObjectWriter()
        writer.string("sub", "alice")
        let token = try JWTSigner(key: TestKeys.signing1()).sign(header: JWSHeader(alg: .rs256), payloadJSON: writer.finish())
        let jwt = try JWT.decode(token)
        XCTAssertEqual(jwt.payload["sub"], "alice")
        XCTAssertNoThrow(try jwt.verifySignature(with: TestKeys.signing1().publicKey, allowed: [.rs256]))
    }

    func testEscapeScanAgreesWithAByteLoopForEveryByteAtEveryPosition() {
        for length in [1, 7, 8, 9, 16, 17, 23] {
            for position in 0..<length {
                for byte in UInt8.min...UInt8.max {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes[position] = byte
                    let expected = byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
                    let found = bytes.withUnsafeBufferPointer { JSONString.needsEscaping($0) }
                    XCTAssertEqual(found, expected, "byte \(byte) at \(position) of \(length)")
                }
            }
        }
        // Multi-byte UTF-8 next to a character that must be escaped, and only multi-byte UTF-8.
        XCTAssertTrue(Array("é\u{1}ü".utf8).withUnsafeBufferPointer { JSONString.needsEscaping($0) })
        XCTAssertFalse(Array("ÿÿÿÿéééé€€".utf8).withUnsafeBufferPointer { JSONString.needsEscaping($0) })
    }

    func testEscapesControlCharacters() throws {
        var writer = JSONObjectWriter()
        writer.string("c", "\u{01}\u{1F}\t")
        XCTAssertEqual(String(decoding: writer.finish(), as: UTF8.self), #"{"c":"\u0001\u001f\t"}"#)
    }
}
