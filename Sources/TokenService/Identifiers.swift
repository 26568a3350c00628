import Foundation
import JOSE

/// Random and derived identifiers that appear in tokens and errors.
enum Identifiers {
    /// A random lowercase GUID (trace ids, correlation ids).
    static func randomGUID() -> String {
        UUID().uuidString.lowercased()
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
    static func isGUID(_ text: String) -> Bool {
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
