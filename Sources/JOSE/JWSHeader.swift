/// The protected header MockEntra writes on the tokens it issues.
public struct JWSHeader: Sendable {
    public var alg: JWSAlgorithm
    public var typ: String? = "JWT"
    public var kid: String?
    public var x5t: String?

    public init(alg: JWSAlgorithm, typ: String? = "JWT", kid: String? = nil, x5t: String? = nil) {
        self.alg = alg
        self.typ = typ
        self.kid = kid
        self.x5t = x5t
    }

    /// The header as compact JSON in Entra's member order: typ, alg, x5t, kid (nil members
    /// omitted). JSONEncoder does not keep member order, and this runs for every token.
    var jsonBytes: [UInt8] {
        var writer = JSONObjectWriter(capacity: 128)
        writer.string("typ", typ)
        writer.string("alg", alg.rawValue)
        writer.string("x5t", x5t)
        writer.string("kid", kid)
        return writer.finish()
    }

    /// base64url of `jsonBytes`: the token's first segment. Constant for a given header, so a
    /// signer that uses one header for every token can encode it once.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        Base64URL.append(jsonBytes, to: &bytes)
        return bytes
    }
}

/// Minimal JSON string escaping (RFC 8259 §7), matching JSONEncoder with `.withoutEscapingSlashes`.
enum JSONString {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Whether any byte is a control character, `"` or a backslash. Eight bytes at a time: every token
    /// response copies kilobytes of JWT through here, and a byte loop was most of that copy's cost.
    static func needsEscaping(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        /// A high bit set in each byte of `word` that is below `limit` (limit ≤ 0x80; exact for ASCII,
        /// and a non-ASCII byte never lands here because its own high bit is masked out).
        @inline(__always) func below(_ word: UInt64, _ limit: UInt8) -> UInt64 {
            (word &- ones &* UInt64(limit)) & ~word & highs
        }
        let quotes = ones &* 0x22, backslashes = ones &* 0x5C
        var index = 0
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= bytes.count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if below(word, 0x20) | below(word ^ quotes, 1) | below(word ^ backslashes, 1) != 0 { return true }
                index += 8
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return true }
            index += 1
        }
        return false
    }

    /// `"bytes"`, for bytes known to need no escaping.
    @inline(__always) static func appendQuoted(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: bytes)
        out.append(UInt8(ascii: "\""))
    }

    static func append(_ value: String, to out: inout [UInt8]) {
        // Fast path: tokens, GUIDs and URLs need no escaping, so copy them in one go.
        // One pass over the contiguous UTF-8 both to check and to copy.
        var text = value
        let copied = text.withUTF8 { bytes -> Bool in
            guard !needsEscaping(bytes) else { return false }
            appendQuoted(bytes, to: &out)
            return true
        }
        if copied { return }
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x00..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
