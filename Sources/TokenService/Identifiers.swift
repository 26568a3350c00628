import Foundation
import JOSE

/// Random and derived identifiers that appear in tokens and errors.
public enum Identifiers {
    /// A random lowercase version-4 GUID (trace ids, correlation ids). Not `UUID()`: on Linux that
    /// opens /dev/urandom on every call, a syscall trio per request; this uses getrandom(2).
    public static func randomGUID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high: UInt64 = (generator.next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low: UInt64 = (generator.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return guidText(high: high, low: low)
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` from 128 bits.
    static func guidText(high: UInt64, low: UInt64) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 36) { out in
            var index = 0
            func put(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    out[index] = digits[Int((value >> UInt64(shift)) & 0xF)]
                    index += 1
                }
            }
            func dash() { out[index] = UInt8(ascii: "-"); index += 1 }
            put(high >> 32, nibbles: 8); dash()
            put(high >> 16, nibbles: 4); dash()
            put(high, nibbles: 4); dash()
            put(low >> 48, nibbles: 4); dash()
            put(low, nibbles: 12)
            return 36
        }
    }

    /// `uti`: Entra's unique token id, 22 base64url characters (16 random bytes).
    static func tokenId() -> String {
        var generator = SystemRandomNumberGenerator()
        let high: UInt64 = generator.next()
        let low: UInt64 = generator.next()
        var bytes = [UInt8]()
        bytes.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        return Base64URL.encode(bytes)
    }

    /// Opaque claims (`aio`, `rh`) are derived from what the token is about rather than drawn at
    /// random, so two runs of a scenario produce the same tokens apart from times and `uti`.
    static func opaque(_ parts: String..., length: Int) -> String {
        let digest = Digest.sha256(Array(parts.joined(separator: "|").utf8))
        return String(Base64URL.encode(digest).prefix(length))
    }

    /// True for `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in any case.
    public static func isGUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 8, 13, 18, 23:
                if byte != UInt8(ascii: "-") { return false }
            default:
                let isHex = (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 70) || (byte >= 97 && byte <= 102)
                if !isHex { return false }
            }
        }
        return true
    }
}
