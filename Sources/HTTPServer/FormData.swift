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
        var result: [(name: String, value: String)] = []
        var pairIndex = 0
        for segment in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = segment.firstIndex(of: UInt8(ascii: "="))
            let rawName = equals.map { segment[..<$0] } ?? segment[...]
            let rawValue = equals.map { segment[segment.index(after: $0)...] } ?? segment[segment.endIndex...]
            guard let nameBytes = PercentEncoding.decodeBytes(rawName, plusAsSpace: true),
                  let valueBytes = PercentEncoding.decodeBytes(rawValue, plusAsSpace: true) else {
                throw .malformedEscape(pairIndex: pairIndex)
            }
            guard let name = PercentEncoding.validUTF8(nameBytes),
                  let value = PercentEncoding.validUTF8(valueBytes) else {
                throw .invalidUTF8(pairIndex: pairIndex)
            }
            result.append((name: name, value: value))
            pairIndex += 1
        }
        pairs = result
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
