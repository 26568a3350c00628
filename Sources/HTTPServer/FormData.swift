#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a form body or query string was rejected.
public enum FormDataError: Error, Equatable, CustomStringConvertible {
    /// A `%` not followed by two hex digits, in the pair at this position (0-based).
    case malformedEscape(pairIndex: Int)
    /// The decoded name or value of the pair at this position is not valid UTF-8.
    case invalidUTF8(pairIndex: Int)

    public var description: String {
        switch self {
        case .malformedEscape(let index): return "form field \(index + 1): malformed percent-escape"
        case .invalidUTF8(let index): return "form field \(index + 1): not valid UTF-8 after decoding"
        }
    }
}

/// `application/x-www-form-urlencoded` data (request bodies and query strings): pairs separated
/// by `&`, name and value by the first `=`, `+` is a space, `%XX` is a byte; order and duplicates kept.
public struct FormData: Sendable {
    public private(set) var pairs: [(name: String, value: String)]

    public init(pairs: [(String, String)]) {
        self.pairs = pairs.map { (name: $0.0, value: $0.1) }
    }

    /// Empty input has no pairs; `a` is (`a`, ""); empty segments (`a=1&&b=2`) are skipped.
    public init(parsing bytes: some Collection<UInt8>) throws(FormDataError) {
        // One concrete, non-generic pass over contiguous bytes: every token request parses a form,
        // and the generic split/iterator version cost ≈ 10 µs per body across the module boundary.
        let contiguous = bytes as? [UInt8] ?? Array(bytes)
        pairs = try contiguous.withUnsafeBufferPointer { buffer throws(FormDataError) in try Self.parse(buffer) }
    }

    private static func parse(_ input: UnsafeBufferPointer<UInt8>) throws(FormDataError) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        result.reserveCapacity(8)  // a token request's handful, without regrowing
        var pairIndex = 0
        var start = 0
        while start <= input.count {
            // Separators are found with memchr: an assertion or a client assertion is over a
            // kilobyte, and a byte-by-byte loop over it cost more than the rest of the parse.
            let end = find(UInt8(ascii: "&"), in: input, from: start, to: input.count)
            if end > start {
                let equals = find(UInt8(ascii: "="), in: input, from: start, to: end)
                let nameRange = start..<equals
                let valueRange = equals < end ? (equals + 1)..<end : end..<end
                let nameInput = UnsafeBufferPointer(rebasing: input[nameRange])
                let valueInput = UnsafeBufferPointer(rebasing: input[valueRange])
                // Most components have nothing to decode and are ASCII: make the String from the
                // input directly instead of copying the bytes into an array first.
                let name: String?, value: String?
                let nameKind = kind(of: nameInput), valueKind = kind(of: valueInput)
                if nameKind == .needsDecoding || valueKind == .needsDecoding {
                    guard let nameBytes = PercentEncoding.decodeBytes(nameInput, plusAsSpace: true),
                          let valueBytes = PercentEncoding.decodeBytes(valueInput, plusAsSpace: true) else {
                        throw .malformedEscape(pairIndex: pairIndex)
                    }
                    name = PercentEncoding.validUTF8(nameBytes)
                    value = PercentEncoding.validUTF8(valueBytes)
                } else {
                    name = nameKind == .ascii ? String(decoding: nameInput, as: UTF8.self) : PercentEncoding.validUTF8(nameInput)
                    value = valueKind == .ascii ? String(decoding: valueInput, as: UTF8.self) : PercentEncoding.validUTF8(valueInput)
                }
                guard let name, let value else { throw .invalidUTF8(pairIndex: pairIndex) }
                result.append((name: name, value: value))
                pairIndex += 1
            }
            start = end + 1
        }
        return result
    }

    /// The index of the first `byte` in `input[from..<to]`, or `to`.
    private static func find(_ byte: UInt8, in input: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        guard from < to, let base = input.baseAddress, let hit = memchr(base + from, Int32(byte), to - from) else { return to }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    private enum ComponentKind { case ascii, other, needsDecoding }

    /// One pass: does the component hold `%` or `+`, else is it plain ASCII?
    private static func kind(of bytes: UnsafeBufferPointer<UInt8>) -> ComponentKind {
        var ascii = true
        for byte in bytes {
            if byte == UInt8(ascii: "%") || byte == UInt8(ascii: "+") { return .needsDecoding }
            ascii = ascii && byte < 0x80
        }
        return ascii ? .ascii : .other
    }

    public func first(_ name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    public func all(_ name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    /// The encoded form (`a=b+c&d=%2F`), e.g. for a client request body.
    public var encoded: String {
        pairs.map { PercentEncoding.encodeFormComponent($0.name) + "=" + PercentEncoding.encodeFormComponent($0.value) }
            .joined(separator: "&")
    }
}
