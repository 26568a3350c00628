/// Finds where a scenario file stops being JSON5 (https://spec.json5.org/), to say so precisely.
///
/// Foundation's JSON5 reader decides whether a file parses; when it refuses one, its error often
/// carries no position ("The given data was not valid JSON."). This scanner walks the same grammar
/// — comments, trailing commas, unquoted member names, single-quoted strings, hexadecimal,
/// `Infinity`/`NaN`, signs and bare decimal points — building nothing, and reports the first byte
/// that breaks it with what was expected there. It only explains a refusal: a document it finds no
/// fault in keeps Foundation's message. Nesting is bounded so no input can exhaust the stack.
struct JSON5SyntaxLocator {
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

    /// The first syntax error in `bytes`, or nil when the scanner finds none.
    static func firstError(in bytes: [UInt8]) -> Failure? {
        var scanner = JSON5SyntaxLocator(bytes)
        do {
            try scanner.document()
            return nil
        } catch {
            return error
        }
    }

    // MARK: Grammar

    private mutating func document() throws(Failure) {
        try skipTrivia()
        guard index < bytes.count else { throw fail("the file holds no value (an object `{ … }` was expected)") }
        try value()
        try skipTrivia()
        if index < bytes.count { throw fail("unexpected \(found) after the end of the top-level value") }
    }

    private mutating func value() throws(Failure) {
        guard index < bytes.count else { throw fail("the file ends where a value was expected") }
        switch bytes[index] {
        case UInt8(ascii: "{"): try nested { (scanner: inout JSON5SyntaxLocator) throws(Failure) in try scanner.object() }
        case UInt8(ascii: "["): try nested { (scanner: inout JSON5SyntaxLocator) throws(Failure) in try scanner.array() }
        case UInt8(ascii: "\""), UInt8(ascii: "'"): try string()
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default:
            let start = index
            let word = identifierWord()
            guard ["true", "false", "null", "Infinity", "NaN"].contains(word) else {
                index = start
                throw fail(word.isEmpty ? "expected a value, found \(found)"
                           : "expected a value, found '\(word)' (strings need quotes; the literals are true, false and null)")
            }
        }
    }

    private mutating func nested(_ body: (inout JSON5SyntaxLocator) throws(Failure) -> Void) throws(Failure) {
        guard depth < Self.maximumDepth else { throw fail("values are nested more than \(Self.maximumDepth) levels deep") }
        depth += 1
        try body(&self)
        depth -= 1
    }

    private mutating func object() throws(Failure) {
        index += 1  // {
        try skipTrivia()
        if consume(UInt8(ascii: "}")) { return }
        while true {
            let name = try memberName()
            try skipTrivia()
            guard consume(UInt8(ascii: ":")) else { throw fail("expected ':' after the member name \"\(name)\", found \(found)") }
            try skipTrivia()
            try value()
            try skipTrivia()
            if consume(UInt8(ascii: ",")) {
                try skipTrivia()
                if consume(UInt8(ascii: "}")) { return }
                continue
            }
            if consume(UInt8(ascii: "}")) { return }
            throw fail("expected ',' or '}' after the value of \"\(name)\", found \(found)")
        }
    }

    private mutating func array() throws(Failure) {
        index += 1  // [
        try skipTrivia()
        if consume(UInt8(ascii: "]")) { return }
        var position = 0
        while true {
            try value()
            try skipTrivia()
            if consume(UInt8(ascii: ",")) {
                try skipTrivia()
                if consume(UInt8(ascii: "]")) { return }
                position += 1
                continue
            }
            if consume(UInt8(ascii: "]")) { return }
            throw fail("expected ',' or ']' after array element \(position), found \(found)")
        }
    }

    /// A quoted string or an ECMAScript identifier; returns the name for messages.
    private mutating func memberName() throws(Failure) -> String {
        guard index < bytes.count else { throw fail("the file ends where a member name or '}' was expected") }
        let start = index
        if bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") {
            try string()
            return String(decoding: bytes[(start + 1)..<max(start + 1, index - 1)], as: UTF8.self)
        }
        let word = identifierWord()
        guard !word.isEmpty, !Self.isDigit(word.utf8.first ?? 0) else {
            index = start
            throw fail("expected a member name or '}', found \(found)")
        }
        return word
    }

    private mutating func string() throws(Failure) {
        let start = index
        let quote = bytes[index]
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == quote {
                index += 1
                return
            }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                throw fail("a line break inside a string (write it as \\n, or end the line with a backslash)")
            }
            if byte == UInt8(ascii: "\\") {
                index += 1
                try escape()
                continue
            }
            index += 1
        }
        index = start
        throw fail("a string that is never closed (no matching \(quote == UInt8(ascii: "'") ? "'" : "\""))")
    }

    private mutating func escape() throws(Failure) {
        guard index < bytes.count else { throw fail("the file ends inside an escape sequence") }
        let byte = bytes[index]
        switch byte {
        case UInt8(ascii: "x"):
            index += 1
            try hexDigits(2, "\\x")
        case UInt8(ascii: "u"):
            index += 1
            try hexDigits(4, "\\u")
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            index -= 1
            throw fail("invalid escape sequence '\\\(Character(UnicodeScalar(byte)))'")
        case UInt8(ascii: "0"):
            index += 1
            if index < bytes.count, Self.isDigit(bytes[index]) {
                index -= 2
                throw fail("invalid escape sequence '\\0' followed by a digit")
            }
        case UInt8(ascii: "\r"):
            index += 1
            _ = consume(UInt8(ascii: "\n"))
        default:
            index += 1
        }
    }

    private mutating func hexDigits(_ count: Int, _ escape: String) throws(Failure) {
        for _ in 0..<count {
            guard index < bytes.count, Self.isHexDigit(bytes[index]) else {
                throw fail("\(escape) must be followed by \(count) hexadecimal digits, found \(found)")
            }
            index += 1
        }
    }

    private mutating func number() throws(Failure) {
        let start = index
        if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        let word = identifierWord()
        if word == "Infinity" || word == "NaN" { return }
        guard word.isEmpty || Self.isDigit(word.utf8.first ?? 0) else {
            index = start
            throw fail("malformed number")
        }
        index = start + (bytes[start] == UInt8(ascii: "+") || bytes[start] == UInt8(ascii: "-") ? 1 : 0)
        if consume(UInt8(ascii: "0")), index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "x") {
            index += 1
            let digitsStart = index
            while index < bytes.count, Self.isHexDigit(bytes[index]) { index += 1 }
            if index == digitsStart { throw fail("a hexadecimal number needs digits after 0x") }
            return
        }
        index = start + (bytes[start] == UInt8(ascii: "+") || bytes[start] == UInt8(ascii: "-") ? 1 : 0)
        let integerStart = index
        while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        let integerDigits = index - integerStart
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") {
            index = integerStart
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

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || ((byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "f"))
    }
}
