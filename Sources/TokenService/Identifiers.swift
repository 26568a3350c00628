import EntraDirectory
import Foundation
import JOSE

/// Random and derived identifiers that appear in tokens and errors.
public enum Identifiers {
    /// A random lowercase version-4 GUID (trace ids, correlation ids). Not `UUID()`: on Linux that
    /// opens /dev/urandom on every call, a syscall trio per request; this uses OpenSSL's DRBG.
    public static func randomGUID() -> String {
        var bytes = randomBytes(16)
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return GUID.format(bytes)
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        SecureRandom.bytes(count)
    }

    /// `uti`: Entra's unique token id, 22 base64url characters (16 random bytes).
    static func tokenId() -> String {
        Base64URL.encode(randomBytes(16))
    }

    /// Opaque claims (`aio`, `rh`) are derived from what the token is about rather than drawn at
    /// random, so two runs of a scenario produce the same tokens apart from times and `uti`.
    static func opaque(_ parts: String..., length: Int) -> String {
        // The cache is keyed by the parts themselves: no joined string is built on a hit.
        let key = OpaqueKey(parts: parts, length: length)
        if let cached = opaqueCache.value(for: key) { return cached }
        let value = derived(parts, length: length)
        opaqueCache.store(value, for: key)
        return value
    }

    /// A token's `aio` and `rh` (in its `0.<opaque>.` form): `opaque("aio", parts…, length: 43)` and
    /// `opaque("rh", parts…, length: 40)`, derived from the same parts and so found with one lookup.
    static func aioAndRH(_ parts: String...) -> (aio: String, rh: String) {
        let key = OpaqueKey(parts: parts, length: 0)
        if let cached = pairCache.value(for: key) { return cached }
        let pair = (aio: derived(["aio"] + parts, length: 43), rh: "0." + derived(["rh"] + parts, length: 40) + ".")
        pairCache.store(pair, for: key)
        return pair
    }

    private static func derived(_ parts: [String], length: Int) -> String {
        String(Base64URL.encode(Digest.sha256(Array(parts.joined(separator: "|").utf8))).prefix(length))
    }

    /// How exchange records name an authorization code or a refresh token: a digest, so a record
    /// never holds the secret, yet the record that issued it and the one that redeemed it match.
    static func grantId(authorizationCode code: String) -> String { digest("code", code) }
    static func grantId(refreshToken token: String) -> String { digest("rt", token) }

    private static func digest(_ kind: String, _ secret: String) -> String {
        String(Base64URL.encode(Digest.sha256(Array((kind + "|" + secret).utf8))).prefix(22))
    }

    /// The same few (tenant, client, resource, user) combinations recur on every request; their
    /// derived values are kept rather than hashed again. Bounded: cleared when it grows large.
    private static let opaqueCache = OpaqueCache<String>()
    private static let pairCache = OpaqueCache<(aio: String, rh: String)>()

    private struct OpaqueKey: Hashable {
        let parts: [String]
        let length: Int
    }

    private final class OpaqueCache<Value>: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [OpaqueKey: Value] = [:]

        func value(for key: OpaqueKey) -> Value? {
            lock.lock()
            defer { lock.unlock() }
            return values[key]
        }

        func store(_ value: Value, for key: OpaqueKey) {
            lock.lock()
            defer { lock.unlock() }
            if values.count >= 10_000 { values.removeAll(keepingCapacity: true) }
            values[key] = value
        }
    }

    /// True for `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in any case.
    public static func isGUID(_ text: String) -> Bool {
        GUID.isValid(text)
    }
}
