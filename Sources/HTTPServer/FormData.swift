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
        var pairIndex = 0
        var start = 0
        while start <= input.count {
            var end = start
            while end < input.count && input[end] != UInt8(ascii: "&") { end += 1 }
            if end > start {
                var equals = start
                while equals < end && input[equals] != UInt8(ascii: "=") { equals += 1 }
                let nameRange = start..<equals
                let valueRange = equals < end ? (equals + 1)..<end : end..<end
                let nameInput = UnsafeBufferPointer(rebasing: input[nameRange])
                let valueInput = UnsafeBufferPointer(rebasing: input[valueRange])
                // Most components have nothing to decode: make the String from the input directly
                // (still validated) instead of copying the bytes into an array first.
                let name: String?, value: String?
                if needsDecoding(nameInput) || needsDecoding(valueInput) {
                    guard let nameBytes = PercentEncoding.decodeBytes(nameInput, plusAsSpace: true),
                          let valueBytes = PercentEncoding.decodeBytes(valueInput, plusAsSpace: true) else {
                        throw .malformedEscape(pairIndex: pairIndex)
                    }
                    name = PercentEncoding.validUTF8(nameBytes)
                    value = PercentEncoding.validUTF8(valueBytes)
                } else {
                    name = String(validating: nameInput, as: UTF8.self)
                    value = String(validating: valueInput, as: UTF8.self)
                }
                guard let name, let value else { throw .invalidUTF8(pairIndex: pairIndex) }
                result.append((name: name, value: value))
                pairIndex += 1
            }
            start = end + 1
        }
        return result
    }

    private static func needsDecoding(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.contains { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }
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
