/// Percent-encoding as used in URLs and `application/x-www-form-urlencoded` bodies.
public enum PercentEncoding {
    /// Decodes `%XX` escapes (and `+` as space when `plusAsSpace`). Returns nil for a malformed
    /// escape or when the decoded bytes are not valid UTF-8.
    public static func decode(_ s: some StringProtocol, plusAsSpace: Bool) -> String? {
        decodeBytes(s.utf8, plusAsSpace: plusAsSpace).flatMap(validUTF8)
    }

    /// Encodes everything except RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`), so the
    /// result is safe as a query or form component and as a path segment.
    public static func encodeComponent(_ s: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for byte in s.utf8 {
            if isUnreserved(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Form encoding of a component: like `encodeComponent` but space becomes `+`.
    public static func encodeFormComponent(_ s: String) -> String {
        encodeComponent(s).split(separator: "%20", omittingEmptySubsequences: false).joined(separator: "+")
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case 48...57, 65...90, 97...122, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default: return false
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 65...70: return byte - 55
        case 97...102: return byte - 87
        default: return nil
        }
    }

    /// Byte-level decoding; nil on a truncated or non-hex escape.
    static func decodeBytes(_ input: some Sequence<UInt8>, plusAsSpace: Bool) -> [UInt8]? {
        let bytes = input as? [UInt8] ?? Array(input)
        return bytes.withUnsafeBufferPointer { decodeBytes($0, plusAsSpace: plusAsSpace) }
    }

    /// The concrete version the form parser uses (no generic dispatch per byte).
    static func decodeBytes(_ input: UnsafeBufferPointer<UInt8>, plusAsSpace: Bool) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            let byte = input[index]
            switch byte {
            case UInt8(ascii: "%"):
                guard index + 2 < input.count, let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2]) else {
                    return nil
                }
                out.append(high << 4 | low)
                index += 3
                continue
            case UInt8(ascii: "+") where plusAsSpace:
                out.append(ASCII.space)
            default:
                out.append(byte)
            }
            index += 1
        }
        return out
    }

    /// A String only if `bytes` are valid UTF-8 (String(decoding:) would silently repair them).
    static func validUTF8(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer(validUTF8)
    }

    /// ASCII, the usual case, is valid UTF-8 as it stands, so it skips `String(validating:)`,
    /// whose unspecialised generic path looks up type metadata at run time on every call.
    static func validUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if !bytes.contains(where: { $0 >= 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }
}
