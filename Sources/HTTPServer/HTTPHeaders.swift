/// An ordered list of header fields. Order and spelling are kept as given (handlers' headers
/// are written exactly as set); look-ups compare names ASCII case-insensitively, as HTTP requires.
/// A response may start with a shared `HTTPHeaderBlock` (fields fixed for a kind of response);
/// its fields come first, in every view of the headers.
public struct HTTPHeaders: Sendable, Sequence {
    public typealias Field = (name: String, value: String)

    /// The shared leading fields, if any (see `HTTPHeaderBlock`).
    public private(set) var block: HTTPHeaderBlock?
    /// The fields after the block's.
    public private(set) var ownFields: [Field]

    public init(_ pairs: [(String, String)] = []) {
        ownFields = pairs.map { (name: $0.0, value: $0.1) }
    }

    /// The block's fields, then `pairs`.
    public init(block: HTTPHeaderBlock, _ pairs: [(String, String)] = []) {
        self.block = block
        ownFields = pairs.map { (name: $0.0, value: $0.1) }
    }

    /// Every field in order, the block's first.
    public var fields: [Field] {
        guard let block else { return ownFields }
        return block.fields + ownFields
    }

    /// The first value for `name`, or nil.
    public subscript(name: String) -> String? {
        if let block { for field in block.fields where Self.sameName(field.name, name) { return field.value } }
        for field in ownFields where Self.sameName(field.name, name) { return field.value }
        return nil
    }

    public func values(for name: String) -> [String] {
        fields.filter { Self.sameName($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    public var count: Int { (block?.fields.count ?? 0) + ownFields.count }

    /// Room for `count` more fields without regrowing (a parser knows how many lines it has).
    mutating func reserveCapacity(_ count: Int) {
        ownFields.reserveCapacity(ownFields.count + count)
    }

    /// Appends a field, keeping any existing ones with the same name.
    public mutating func add(_ name: String, _ value: String) {
        ownFields.append((name: name, value: value))
    }

    /// Replaces every field named `name` by one field (at the position of the first, or appended).
    public mutating func set(_ name: String, _ value: String) {
        dissolveBlock(ifItHas: name)
        if let first = ownFields.firstIndex(where: { Self.sameName($0.name, name) }) {
            ownFields[first] = (name: name, value: value)
            var index = ownFields.count - 1
            while index > first {
                if Self.sameName(ownFields[index].name, name) { ownFields.remove(at: index) }
                index -= 1
            }
        } else {
            add(name, value)
        }
    }

    public mutating func remove(_ name: String) {
        dissolveBlock(ifItHas: name)
        ownFields.removeAll { Self.sameName($0.name, name) }
    }

    /// A change to one of the block's fields makes them own fields (the block is shared).
    private mutating func dissolveBlock(ifItHas name: String) {
        guard let block, block.fields.contains(where: { Self.sameName($0.name, name) }) else { return }
        ownFields = block.fields + ownFields
        self.block = nil
    }

    public func makeIterator() -> IndexingIterator<[Field]> {
        fields.makeIterator()
    }

    /// ASCII case-insensitive comparison without allocating lowercased copies (hot path).
    static func sameName(_ a: String, _ b: String) -> Bool {
        // Most fields of a request differ from the name looked up in length: one O(1) check.
        guard a.utf8.count == b.utf8.count else { return false }
        // Usually spelled alike: one String comparison, a byte compare for ASCII (the parser admits
        // only token characters in names, so Unicode equivalence never decides here).
        if a == b { return true }
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return true
            case let (x?, y?):
                if ASCII.lower(x) != ASCII.lower(y) { return false }
            default: return false
            }
        }
    }
}

/// Header fields fixed for a kind of response (say, the caching and security headers of every
/// token response), shared by the responses that start with them. The serializer's checks (no CR
/// or LF, no framing header) run once here, and the serialized lines are copied as they are.
public final class HTTPHeaderBlock: Sendable {
    public let fields: [HTTPHeaders.Field]
    /// `Name: value\r\n` for each field the serializer would write.
    let serialized: [UInt8]
    /// Whether a written field is a Date or a Connection header (the serializer adds its own otherwise).
    let hasDate: Bool
    let hasConnection: Bool

    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { (name: $0.0, value: $0.1) }
        let written = fields.filter(ResponseSerializer.isWritable)
        var bytes: [UInt8] = []
        for field in written { ResponseSerializer.appendLine(field, to: &bytes) }
        serialized = bytes
        hasDate = written.contains { HTTPHeaders.sameName($0.name, "Date") }
        hasConnection = written.contains { HTTPHeaders.sameName($0.name, "Connection") }
    }
}

/// Byte-level helpers shared by the parsers (no Foundation, no allocation).
enum ASCII {
    static let cr: UInt8 = 13, lf: UInt8 = 10, space: UInt8 = 32, tab: UInt8 = 9, colon: UInt8 = 58

    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 {
        (byte >= 65 && byte <= 90) ? byte + 32 : byte
    }

    /// RFC 9110 `tchar`: the characters allowed in a method or a header name.
    static func isTokenChar(_ byte: UInt8) -> Bool {
        switch byte {
        case 48...57, 65...90, 97...122: return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default: return false
        }
    }

    /// Lower-cased ASCII copy, for comparing header values such as `chunked` or `close`.
    static func lowercased(_ s: String) -> String {
        String(decoding: s.utf8.map(lower), as: UTF8.self)
    }

    /// Trims spaces and tabs (HTTP's optional whitespace) at both ends.
    static func trimOWS(_ s: Substring) -> Substring {
        var result = s
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }

    /// Comma-separated list elements, trimmed and lower-cased, empty elements dropped.
    static func tokenList(_ value: String) -> [String] {
        value.split(separator: ",").map { lowercased(String(trimOWS($0))) }.filter { !$0.isEmpty }
    }
}
