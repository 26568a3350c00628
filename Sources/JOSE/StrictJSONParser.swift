/// A strict RFC 8259 parser producing `JSONValue`, for untrusted token headers and payloads.
///
/// Why not JSONDecoder: decoding an open-ended `JSONValue` through `Decodable` probes each value's
/// type by catching errors, which made JWT.decode ≈ 5× slower than the RSA verification it guards.
/// This parser is one pass over the bytes. It is also stricter, as RFC 7515 §5.2 asks of JWS
/// parsers: duplicate member names are refused (so no two components can read different `alg`s),
/// as are trailing commas, lone surrogates, invalid UTF-8, non-finite numbers and nesting deeper
/// than `maximumDepth`.
public struct StrictJSONError: Error, Equatable, Sendable, CustomStringConvertible {
    public let offset: Int
    public let reason: String
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

extension JSONValue {
    /// JWT headers and payloads, `claims` requests and control bodies nest a few levels; 32 is
    /// generous, and keeps the recursive parser far from any thread's stack limit.
    public static let maximumDepth = 32

    /// Parses `bytes` as strict JSON (see `StrictJSONError`'s type comment for what is refused).
    public static func parseStrict(_ bytes: some Collection<UInt8>) throws(StrictJSONError) -> JSONValue {
        let result: Result<JSONValue, StrictJSONError>
        if let contiguous = bytes.withContiguousStorageIfAvailable({ StrictJSONParser.parse($0) }) {
            result = contiguous
        } else {
            result = Array(bytes).withUnsafeBufferPointer { StrictJSONParser.parse($0) }
        }
        return try result.get()
    }
}

struct StrictJSONParser {
    private let input: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0

    static func parse(_ input: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, StrictJSONError> {
        var parser = StrictJSONParser(input: input)
        do throws(StrictJSONError) {
            let value = try parser.value()
            parser.skipWhitespace()
            guard parser.position == input.count else { throw parser.error("unexpected data after the value") }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    private init(input: UnsafeBufferPointer<UInt8>) { self.input = input }

    private func error(_ reason: String) -> StrictJSONError { StrictJSONError(offset: position, reason: reason) }

    private var current: UInt8? { position < input.count ? input[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private mutating func value() throws(StrictJSONError) -> JSONValue {
        skipWhitespace()
        guard let byte = current else { throw error("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(StrictJSONError) {
        let count = word.utf8CodeUnitCount
        guard input.count - position >= count else { throw error("invalid literal") }
        for index in 0..<count where input[position + index] != word.utf8Start[index] {
            throw error("invalid literal")
        }
        position += count
    }

    private mutating func nest() throws(StrictJSONError) {
        depth += 1
        guard depth <= JSONValue.maximumDepth else { throw error("nested deeper than \(JSONValue.maximumDepth)") }
    }

    private mutating func object() throws(StrictJSONError) -> JSONValue {
        try nest()
        position += 1   // '{'
        skipWhitespace()
        if close(UInt8(ascii: "}")) { return .object([:]) }
        // Room for a token header or a typical payload's claims from the start: growing from
        // empty rehashed a 25-claim payload five times.
        var members = [String: JSONValue](minimumCapacity: 16)
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let keyOffset = position
            let key = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':'") }
            position += 1
            let member = try value()
            guard members.updateValue(member, forKey: key) == nil else {
                throw StrictJSONError(offset: keyOffset, reason: "duplicate member name")
            }
            if try endOfMember(closing: UInt8(ascii: "}")) { return .object(members) }
        }
    }

    private mutating func array() throws(StrictJSONError) -> JSONValue {
        try nest()
        position += 1   // '['
        var elements: [JSONValue] = []
        skipWhitespace()
        if close(UInt8(ascii: "]")) { return .array(elements) }
        while true {
            elements.append(try value())
            if try endOfMember(closing: UInt8(ascii: "]")) { return .array(elements) }
        }
    }

    /// Consumes `closing` if it comes next, leaving the current nesting level.
    private mutating func close(_ closing: UInt8) -> Bool {
        guard current == closing else { return false }
        position += 1
        depth -= 1
        return true
    }

    /// After an object member or array element: true at the closing bracket (consumed), false
    /// after a ',' (consumed; another member must follow).
    private mutating func endOfMember(closing: UInt8) throws(StrictJSONError) -> Bool {
        skipWhitespace()
        if close(closing) { return true }
        guard current == UInt8(ascii: ",") else {
            throw error("expected ',' or '\(Character(Unicode.Scalar(closing)))'")
        }
        position += 1
        return false
    }

    private mutating func digits() -> Int {
        let start = position
        while let byte = current, byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { position += 1 }
        return position - start
    }

    private mutating func number() throws(StrictJSONError) -> Double {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") {
            position += 1
        } else if digits() == 0 {
            throw error("invalid number")
        }
        if current == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw error("invalid number") }
        }
        let mantissaEnd = position
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw error("invalid number") }
        }
        // Integers of up to 15 digits (times, counts: most numbers in tokens) are exact in a
        // Double and are computed directly; everything else goes through Double's own parser.
        let digitStart = input[start] == UInt8(ascii: "-") ? start + 1 : start
        if mantissaEnd == position, position - digitStart <= 15,
           !input[digitStart..<position].contains(UInt8(ascii: ".")) {
            var magnitude: Int64 = 0
            for index in digitStart..<position { magnitude = magnitude * 10 + Int64(input[index] - UInt8(ascii: "0")) }
            let value = Double(magnitude)
            return digitStart == start ? value : -value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<position]), as: UTF8.self)
        guard let number = Double(text), number.isFinite else {
            throw StrictJSONError(offset: start, reason: "number out of range")
        }
        // Refuse underflow to zero (as JSONDecoder does) rather than silently reading 8e-999 as 0.
        if number == 0 && input[start..<mantissaEnd].contains(where: { $0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "9") }) {
            throw StrictJSONError(offset: start, reason: "number out of range")
        }
        return number
    }

    private mutating func string() throws(StrictJSONError) -> String {
        position += 1   // opening quote
        let start = position
        // Fast path: no escapes, so the bytes are the string (after UTF-8 validation).
        var ascii = true
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte >= 0x20 {
            ascii = ascii && byte < 0x80
            position += 1
        }
        if current == UInt8(ascii: "\"") {
            let slice = UnsafeBufferPointer(rebasing: input[start..<position])
            position += 1
            // ASCII is valid UTF-8 as it stands: it skips `String(validating:)`, whose generic
            // path looks up type metadata at run time on every call (claims are nearly all ASCII).
            if ascii { return String(decoding: slice, as: UTF8.self) }
            guard let text = String(validating: slice, as: UTF8.self) else {
                throw StrictJSONError(offset: start, reason: "invalid UTF-8")
            }
            return text
        }
        var bytes = Array(UnsafeBufferPointer(rebasing: input[start..<position]))
        while true {
            guard let byte = current else { throw error("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw StrictJSONError(offset: start, reason: "invalid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                position += 1
                try escape(into: &bytes)
            case 0x00..<0x20:
                throw error("control character in string")
            default:
                bytes.append(byte)
                position += 1
            }
        }
    }

    private mutating func escape(into bytes: inout [UInt8]) throws(StrictJSONError) {
        guard let byte = current else { throw error("unterminated escape") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(byte)
        case UInt8(ascii: "b"): bytes.append(0x08)
        case UInt8(ascii: "f"): bytes.append(0x0C)
        case UInt8(ascii: "n"): bytes.append(0x0A)
        case UInt8(ascii: "r"): bytes.append(0x0D)
        case UInt8(ascii: "t"): bytes.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try hex4())
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard input.count - position >= 6, input[position] == UInt8(ascii: "\\"),
                      input[position + 1] == UInt8(ascii: "u") else { throw error("lone surrogate") }
                position += 2
                let low = UInt32(try hex4())
                guard (0xDC00..<0xE000).contains(low) else { throw error("lone surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw error("lone surrogate")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid code point") }
            bytes.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
            throw error("invalid escape")
        }
    }

    private mutating func hex4() throws(StrictJSONError) -> UInt16 {
        guard input.count - position >= 4 else { throw error("truncated \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = input[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }
}
