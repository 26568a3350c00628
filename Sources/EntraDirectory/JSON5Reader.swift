import Foundation
import JOSE

/// Reads scenario files: JSON5 (https://spec.json5.org/) into `JSONValue`, or the first fault with
/// its byte offset and what was expected there.
///
/// Our own reader rather than Foundation's JSON5 decoder, for two reasons found by fuzzing: that
/// decoder traps (a crash, not an error) on some inputs — invalid UTF-8, and a number at the very
/// end of the file read past its buffer — and its errors rarely say where. This one walks the
/// grammar once: comments, trailing commas, unquoted member names, single-quoted strings and their
/// escapes, hexadecimal, `Infinity`/`NaN`, signs and bare decimal points. Nesting is bounded so no
/// input can exhaust the stack; a member name given twice in one object is a fault (one of the two
/// would be silently lost).
struct JSON5Reader {
    struct Failure: Error, Equatable {
        /// Byte offset of the offending input.
        let offset: Int
        let message: String
    }

    static let maximumDepth = 512

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    static func read(_ bytes: [UInt8]) -> Result<JSONValue, Failure> {
        var reader = JSON5Reader(bytes)
        do {
            return .success(try reader.document())
        } catch {
            return .failure(error)
        }
    }

    // MARK: Grammar

    private mutating func document() throws(Failure) -> JSONValue {
        try skipTrivia()
        guard index < bytes.count else { throw fail("the file holds no value (an object `{ … }` was expected)") }
        let result = try value()
        try skipTrivia()
        if index < bytes.count { throw fail("unexpected \(found) after the end of the top-level value") }
        return result
    }

    private mutating func value() throws(Failure) -> JSONValue {
        guard index < bytes.count else { throw fail("the file ends where a value was expected") }
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < Self.maximumDepth else { throw fail("values are nested more than \(Self.maximumDepth) levels deep") }
            depth += 1
            defer { depth -= 1 }
            return bytes[index] == UInt8(ascii: "{") ? try object() : try array()
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try number())
        default:
            let start = index
            switch identifierWord() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            case "Infinity": return .number(.infinity)
            case "NaN": return .number(.nan)
            case let word:
                index = start
                throw fail(word.isEmpty ? "expected a value, found \(found)"
                           : "expected a value, found '\(word)' (strings need quotes; the literals are true, false and null)")
            }
        }
    }

    private mutating func object() throws(Failure) -> JSONValue {
        index += 1  // {
        var members: [String: JSONValue] = [:]
        try skipTrivia()
        if consume(UInt8(ascii: "}")) { return .object(members) }
        while true {
            let nameStart = index
            let name = try memberName()
            guard members[name] == nil else {
                index = nameStart
                throw fail("the member name \"\(name)\" appears twice in this object")
            }
            try skipTrivia()
            guard consume(UInt8(ascii: ":")) else { throw fail("expected ':' after the member name \"\(name)\", found \(found)") }
            try skipTrivia()
            members[name] = try value()
            if try endOfMember(closing: UInt8(ascii: "}"), after: "the value of \"\(name)\"") { return .object(members) }
        }
    }

    private mutating func array() throws(Failure) -> JSONValue {
        index += 1  // [
        var elements: [JSONValue] = []
        try skipTrivia()
        if consume(UInt8(ascii: "]")) { return .array(elements) }
        while true {
            elements.append(try value())
            if try endOfMember(closing: UInt8(ascii: "]"), after: "array element \(elements.count - 1)") { return .array(elements) }
        }
    }

    /// After a member or element: `,` (a trailing one may close, as JSON5 allows) or the closing
    /// bracket. True when the object or array is closed; false when another member follows.
    private mutating func endOfMember(closing: UInt8, after what: @autoclosure () -> String) throws(Failure) -> Bool {
        try skipTrivia()
        if consume(UInt8(ascii: ",")) {
            try skipTrivia()
            return consume(closing)
        }
        if consume(closing) { return true }
        throw fail("expected ',' or '\(Character(Unicode.Scalar(closing)))' after \(what()), found \(found)")
    }

    /// A quoted string or an identifier (letters, digits, `$`, `_`, non-ASCII letters; JSON5's `\u`
    /// escapes in identifiers are refused, not misread).
    private mutating func memberName() throws(Failure) -> String {
        guard index < bytes.count else { throw fail("the file ends where a member name or '}' was expected") }
        if bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") { return try string() }
        let start = index
        let word = identifierWord()
        guard !word.isEmpty, !Self.isDigit(word.utf8.first ?? 0) else {
            index = start
            throw fail("expected a member name or '}', found \(found)")
        }
        return word
    }

    private mutating func string() throws(Failure) -> String {
        let start = index
        let quote = bytes[index]
        index += 1
        var text: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == quote {
                index += 1
                return try utf8String(text, from: start)
            }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                throw fail("a line break inside a string (write it as \\n, or end the line with a backslash)")
            }
            if byte == UInt8(ascii: "\\") {
                index += 1
                try escape(into: &text)
                continue
            }
            text.append(byte)
            index += 1
        }
        index = start
        throw fail("a string that is never closed (no matching \(quote == UInt8(ascii: "'") ? "'" : "\""))")
    }

    /// The loader checks the file is UTF-8 before reading, and every escape appends a whole encoded
    /// character, so the collected bytes are valid UTF-8; the reader does not rely on either.
    private mutating func utf8String(_ text: [UInt8], from start: Int) throws(Failure) -> String {
        guard let string = String(validating: text, as: UTF8.self) else {
            index = start
            throw fail("a string that is not valid UTF-8")
        }
        return string
    }

    /// After a backslash: appends what the escape stands for (JSON5 §5.1, ECMAScript escapes).
    private mutating func escape(into text: inout [UInt8]) throws(Failure) {
        guard index < bytes.count else { throw fail("the file ends inside an escape sequence") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "v"): text.append(0x0B)
        case UInt8(ascii: "x"):
            // \xHH is the character U+00HH (ECMAScript), not a raw byte.
            let scalar = Unicode.Scalar(UInt8(try hexValue(digits: 2, "\\x")))
            text.append(contentsOf: Array(String(Character(scalar)).utf8))
        case UInt8(ascii: "u"):
            var scalar = try hexValue(digits: 4, "\\u")
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by `\u` and a low one: together one character.
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw fail("a \\u escape of a lone surrogate (U+\(String(scalar, radix: 16, uppercase: true)))")
                }
                index += 2
                let low = try hexValue(digits: 4, "\\u")
                guard (0xDC00...0xDFFF).contains(low) else { throw fail("a \\u escape of a lone surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw fail("a \\u escape of a lone surrogate (U+\(String(scalar, radix: 16, uppercase: true)))")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw fail("an invalid \\u escape") }
            text.append(contentsOf: Array(String(Character(unicode)).utf8))
        case UInt8(ascii: "0"):
            if index < bytes.count, Self.isDigit(bytes[index]) {
                index -= 2
                throw fail("invalid escape sequence '\\0' followed by a digit")
            }
            text.append(0)
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            index -= 2
            throw fail("invalid escape sequence '\\\(Character(UnicodeScalar(byte)))'")
        case UInt8(ascii: "\n"):
            break  // line continuation
        case UInt8(ascii: "\r"):
            _ = consume(UInt8(ascii: "\n"))
        case 0xE2 where index + 1 < bytes.count && bytes[index] == 0x80 && (bytes[index + 1] == 0xA8 || bytes[index + 1] == 0xA9):
            index += 2  // continuation over U+2028 / U+2029
        default:
            text.append(byte)  // any other character stands for itself (\' \" \\ \/ …)
        }
    }

    private mutating func hexValue(digits count: Int, _ escape: String) throws(Failure) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard index < bytes.count, let digit = Self.hexDigit(bytes[index]) else {
                throw fail("\(escape) must be followed by \(count) hexadecimal digits, found \(found)")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func number() throws(Failure) -> Double {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        let unsignedStart = index
        let word = identifierWord()
        if word == "Infinity" { return negative ? -.infinity : .infinity }
        if word == "NaN" { return .nan }
        index = unsignedStart
        if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "0"), bytes[index + 1] | 0x20 == UInt8(ascii: "x") {
            index += 2
            var magnitude: Double = 0
            let digitsStart = index
            while index < bytes.count, let digit = Self.hexDigit(bytes[index]) {
                magnitude = magnitude * 16 + Double(digit)
                index += 1
            }
            if index == digitsStart { throw fail("a hexadecimal number needs digits after 0x") }
            guard magnitude.isFinite else {
                index = start
                throw fail("number out of range")
            }
            return negative ? -magnitude : magnitude
        }
        while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        let integerDigits = index - unsignedStart
        if integerDigits > 1, bytes[unsignedStart] == UInt8(ascii: "0") {
            index = unsignedStart
            throw fail("a number cannot start with 0 followed by digits (octal is not JSON5)")
        }
        var fractionDigits = 0
        if consume(UInt8(ascii: ".")) {
            let fractionStart = index
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            fractionDigits = index - fractionStart
        }
        guard integerDigits + fractionDigits > 0 else {
            index = start
            throw fail("malformed number")
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let exponentStart = index
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            if index == exponentStart { throw fail("a number's exponent needs digits") }
        }
        // Only a sign, ASCII digits, one '.' and an exponent are left: strtod's grammar, which
        // Double(_:) reads, bare-point forms (`.5`, `5.`, `+.5e1`) included.
        guard let number = Double(String(decoding: bytes[start..<index], as: UTF8.self)) else {
            index = start
            throw fail("malformed number")
        }
        // As in JOSE's strict parser: a literal too large for a Double is refused, not read as
        // Infinity (JSON5 spells that out), and one too small is not read as 0.
        let hasNonZeroDigit = bytes[start..<index].prefix { $0 | 0x20 != UInt8(ascii: "e") }
            .contains { $0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "9") }
        guard number.isFinite, number != 0 || !hasNonZeroDigit else {
            index = start
            throw fail("number out of range")
        }
        return number
    }

    // MARK: Lexical pieces

    /// Letters, digits, `$`, `_` and any non-ASCII byte (Unicode identifier characters, leniently).
    private mutating func identifierWord() -> String {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            let isLetter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            guard isLetter || Self.isDigit(byte) || byte == UInt8(ascii: "$") || byte == UInt8(ascii: "_") || byte >= 0x80 else { break }
            index += 1
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Whitespace (JSON5's set, Unicode spaces included) and comments.
    private mutating func skipTrivia() throws(Failure) {
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20:
                index += 1
            case UInt8(ascii: "/"):
                guard index + 1 < bytes.count else { throw fail("a lone '/' (comments start with // or /*)") }
                if bytes[index + 1] == UInt8(ascii: "/") {
                    while index < bytes.count, bytes[index] != 0x0A, bytes[index] != 0x0D { index += 1 }
                } else if bytes[index + 1] == UInt8(ascii: "*") {
                    let start = index
                    index += 2
                    while index + 1 < bytes.count, !(bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/")) { index += 1 }
                    guard index + 1 < bytes.count else {
                        index = start
                        throw fail("a /* comment that is never closed")
                    }
                    index += 2
                } else {
                    throw fail("a lone '/' (comments start with // or /*)")
                }
            case 0xC2 where index + 1 < bytes.count && bytes[index + 1] == 0xA0:  // no-break space
                index += 2
            case 0xEF where index + 2 < bytes.count && bytes[index + 1] == 0xBB && bytes[index + 2] == 0xBF:  // BOM
                index += 3
            case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80
                && (bytes[index + 2] <= 0x8A || bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9 || bytes[index + 2] == 0xAF):
                index += 3  // U+2000–U+200A, line and paragraph separators, narrow no-break space
            case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x81 && bytes[index + 2] == 0x9F,  // U+205F
                 0xE1 where index + 2 < bytes.count && bytes[index + 1] == 0x9A && bytes[index + 2] == 0x80,  // U+1680
                 0xE3 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && bytes[index + 2] == 0x80:  // U+3000
                index += 3  // the other Unicode space separators (Zs)
            default:
                return
            }
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// What is at the current position, for messages.
    private var found: String {
        guard index < bytes.count else { return "the end of the file" }
        let byte = bytes[index]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(UnicodeScalar(byte)))'" }
        if byte == 0x20 { return "a space" }
        if byte >= 0x80, let scalar = String(decoding: bytes[index..<min(bytes.count, index + 4)], as: UTF8.self).unicodeScalars.first,
           scalar != "\u{FFFD}" {
            return "'\(scalar)' (U+\(String(scalar.value, radix: 16, uppercase: true)))"
        }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    private func fail(_ message: String) -> Failure {
        Failure(offset: index, message: message)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        if isDigit(byte) { return byte - 0x30 }
        let lower = byte | 0x20
        return lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "f") ? lower - UInt8(ascii: "a") + 10 : nil
    }
}
