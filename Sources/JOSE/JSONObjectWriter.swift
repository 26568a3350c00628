/// Writes one JSON object with members in the order they are added.
///
/// JSONEncoder on Linux orders members differently from run to run (or sorts them), and costs
/// microseconds per object; Entra's responses and tokens have a fixed member order. Hot paths
/// (token payloads, token and error responses) write their JSON with this instead.
public struct JSONObjectWriter: Sendable {
    public private(set) var bytes: [UInt8]
    private var empty = true

    public init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// Member names are literals in the code (`StaticString`): their bytes are read in place, with
    /// no String to retain and nothing to escape (a name needing escapes fails in debug builds).
    private mutating func key(_ name: StaticString) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        name.withUTF8Buffer { utf8 in
            assert(!JSONString.needsEscaping(utf8), "JSON member names are written unescaped")
            JSONString.appendQuoted(utf8, to: &bytes)
        }
        bytes.append(UInt8(ascii: ":"))
    }

    /// A string member; nil leaves the member out.
    public mutating func string(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        JSONString.append(value, to: &bytes)
    }

    /// A compact JWT member (base64url segments and dots: nothing to escape), copied without the
    /// escape scan a kilobyte of token costs; nil leaves the member out. Checked in debug builds.
    public mutating func compactJWT(_ name: StaticString, _ value: String?) {
        guard var value else { return }
        key(name)
        value.withUTF8 { utf8 in
            assert(utf8.allSatisfy { Base64URL.isSymbol($0) || $0 == UInt8(ascii: ".") }, "not a compact JWT")
            JSONString.appendQuoted(utf8, to: &bytes)
        }
    }

    /// An integer member; nil leaves the member out.
    public mutating func integer(_ name: StaticString, _ value: Int?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A boolean member; nil leaves the member out.
    public mutating func bool(_ name: StaticString, _ value: Bool?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// An array of strings; nil leaves the member out.
    public mutating func strings(_ name: StaticString, _ values: [String]?) {
        guard let values else { return }
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONString.append(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// An array of integers; nil leaves the member out.
    public mutating func integers(_ name: StaticString, _ values: [Int]?) {
        guard let values else { return }
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: String(value).utf8)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Already-serialized JSON (an object or array written elsewhere) as a member's value.
    public mutating func raw(_ name: StaticString, json: [UInt8]) {
        key(name)
        bytes.append(contentsOf: json)
    }

    /// The finished object. Consuming: the closing brace is appended in place and the buffer
    /// handed over, where a copy-and-append reallocated and copied the whole object.
    public consuming func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}
