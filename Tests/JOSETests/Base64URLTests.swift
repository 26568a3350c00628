import Foundation
import XCTest
@testable import JOSE

final class Base64URLTests: XCTestCase {
    func testKnownVectors() {
        // RFC 4648 §10 vectors, in the URL alphabet and without padding.
        let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64URL.encode(Array(plain.utf8)), encoded)
            XCTAssertEqual(Base64URL.decode(encoded), Array(plain.utf8))
        }
        // Bytes that use the two URL-specific symbols.
        XCTAssertEqual(Base64URL.encode([0xFB, 0xFF, 0xBF]), "-_-_")
        XCTAssertEqual(Base64URL.decode("-_-_"), [0xFB, 0xFF, 0xBF])
    }

    func testRoundTripsEveryLengthAndMatchesFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Base64URL.encode(bytes)
            let foundation = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            XCTAssertEqual(encoded, foundation)
            XCTAssertEqual(Base64URL.decode(encoded), bytes)
            XCTAssertEqual(Base64URL.decode(Substring(encoded)), bytes)
            // Padded input is accepted as well (x5t values sometimes arrive padded).
            let padded = encoded + String(repeating: "=", count: (4 - encoded.count % 4) % 4)
            XCTAssertEqual(Base64URL.decode(padded), bytes)
        }
    }

    func testEncodesNonContiguousSequences() {
        XCTAssertEqual(Base64URL.encode((0..<3).map { UInt8($0) }.lazy.map { $0 }), "AAEC")
        XCTAssertEqual(Base64URL.encode(stride(from: UInt8(0), to: 3, by: 1)), "AAEC")
    }

    func testRejectsCharactersOutsideTheAlphabet() {
        for bad in ["Zm9v+g", "Zm9v/g", "Zm 9v", "Zm9v\n", "Zm9v.", "Zm9vé", "Zm\u{0}9v", "Zm9v%3D"] {
            XCTAssertNil(Base64URL.decode(bad), bad)
        }
    }

    func testRejectsImpossibleLengthsAndBadPadding() {
        XCTAssertNil(Base64URL.decode("A"))          // 4n+1 symbols: no encoder produces this
        XCTAssertNil(Base64URL.decode("Zm9vY"))
        XCTAssertNil(Base64URL.decode("Zg="))         // padding that does not complete a group
        XCTAssertNil(Base64URL.decode("Zg==="))
        XCTAssertNil(Base64URL.decode("Zm8=="))       // two pads where one belongs
        XCTAssertNil(Base64URL.decode("Zm9v===="))    // padding on a complete group
        XCTAssertNil(Base64URL.decode("Zg==Zg=="))    // '=' in the middle
        XCTAssertNil(Base64URL.decode("="))
        XCTAssertEqual(Base64URL.decode("Zg=="), Array("f".utf8))
        XCTAssertEqual(Base64URL.decode("Zm8="), Array("fo".utf8))
    }
}
