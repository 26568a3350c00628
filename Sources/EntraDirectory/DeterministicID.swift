import JOSE

// Name-based GUIDs so that ids not written in a scenario are the same on every run (and so are
// the tokens that carry them).

public enum DeterministicID {
    /// An RFC 4122 version-5-style GUID from `name`: SHA-1 of the UTF-8 name (the namespace is part of
    /// the name, e.g. "mockentra/<tenantId>/application/<displayName>"), version and variant bits set,
    /// lower-case.
    public static func guid(_ name: String) -> String {
        var bytes = Array(Digest.sha1(Array(name.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return GUID.format(bytes)
    }
}

/// GUID parsing and formatting. Scenario GUIDs are accepted in any case and stored lower-case.
public enum GUID {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` from 16 bytes.
    public static func format(_ bytes: [UInt8]) -> String {
        // Written straight into the string's storage: every token request makes a trace id.
        String(unsafeUninitializedCapacity: bytes.count * 2 + 4) { out in
            var index = 0
            for (position, byte) in bytes.enumerated() {
                if position == 4 || position == 6 || position == 8 || position == 10 {
                    out[index] = UInt8(ascii: "-")
                    index += 1
                }
                out[index] = hexDigits[Int(byte >> 4)]
                out[index + 1] = hexDigits[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }

    /// The 16 bytes of a GUID in .NET's order (the first three groups little-endian), as Entra
    /// encodes tenant and app ids inside Agent ID subjects; nil if `text` is not a GUID.
    public static func dotNetBytes(_ text: String) -> [UInt8]? {
        guard let normal = normalized(text) else { return nil }
        let hex = Array(normal.utf8).filter { $0 != UInt8(ascii: "-") }
        func value(_ digit: UInt8) -> UInt8 { digit <= UInt8(ascii: "9") ? digit - UInt8(ascii: "0") : digit - UInt8(ascii: "a") + 10 }
        var bytes = stride(from: 0, to: 32, by: 2).map { value(hex[$0]) << 4 | value(hex[$0 + 1]) }
        bytes[0..<4].reverse()
        bytes[4..<6].reverse()
        bytes[6..<8].reverse()
        return bytes
    }

    /// The lower-case form of `text` if it is a GUID in 8-4-4-4-12 form, otherwise nil.
    public static func normalized(_ text: String) -> String? {
        guard isValid(text) else { return nil }
        // A valid GUID is ASCII, where lowercased() maps exactly the letters A-F.
        return text.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "F") }) ? text.lowercased() : text
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex digits of any case, checked without copying
    /// (client ids are checked on every token request).
    public static func isValid(_ text: String) -> Bool {
        var position = 0
        for byte in text.utf8 {
            guard position < 36 else { return false }
            let isDashPosition = position == 8 || position == 13 || position == 18 || position == 23
            let fits = isDashPosition ? byte == UInt8(ascii: "-")
                : (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
                    || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
            guard fits else { return false }
            position += 1
        }
        return position == 36
    }
}

