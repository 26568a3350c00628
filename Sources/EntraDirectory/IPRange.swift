// IPv4 and IPv6 addresses and CIDR ranges, for named locations. Parsing goes through inet_pton so
// every textual form the C library accepts (`::1`, `::ffff:10.0.0.1`, …) is read the same way.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An address as 4 (IPv4) or 16 (IPv6) bytes. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, what
/// a dual-stack listener reports for an IPv4 client) is read as the IPv4 address it carries.
public struct IPAddress: Sendable, Equatable {
    public let bytes: [UInt8]

    public init?(_ text: String) {
        // A zone index (`fe80::1%eth0`) names an interface, not part of the address.
        let trimmed = String(text.prefix { $0 != "%" })
        var v4 = in_addr()
        if inet_pton(AF_INET, trimmed, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, trimmed, &v6) == 1 else { return nil }
        let raw = withUnsafeBytes(of: &v6) { Array($0) }
        if raw.prefix(10).allSatisfy({ $0 == 0 }) && raw[10] == 0xFF && raw[11] == 0xFF {
            bytes = Array(raw.suffix(4))
        } else {
            bytes = raw
        }
    }

    public var isIPv4: Bool { bytes.count == 4 }

}

/// `cidrAddress` of an `iPv4CidrRange` or `iPv6CidrRange`: `10.0.0.0/8`, `2001:db8::/32`.
public struct IPRange: Sendable, Equatable {
    public let cidrAddress: String
    public let network: IPAddress
    public let prefixLength: Int

    /// The range, or why `text` is not a CIDR range; host bits must be zero, as Graph requires.
    public static func parse(_ text: String) -> Result<IPRange, IPRangeError> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let length = Int(parts[1]), String(length) == parts[1] else {
            return .failure(IPRangeError(reason: "'\(text)' is not a CIDR range (address/prefix length, e.g. 203.0.113.0/24)"))
        }
        // A dotted IPv4 address must not be read as an IPv4-mapped IPv6 one or the other way round:
        // the range's family is the family of its text.
        // A zone index (`fe80::%eth0`) names an interface of this host: no range in a directory has one.
        let addressText = String(parts[0])
        guard !addressText.contains("%"), let address = IPAddress(addressText), address.isIPv4 == !addressText.contains(":") else {
            return .failure(IPRangeError(reason: "'\(addressText)' is not an IPv4 or IPv6 address"))
        }
        let maximum = address.bytes.count * 8
        guard (0...maximum).contains(length) else {
            return .failure(IPRangeError(reason: "prefix length \(length) is out of range for \(address.isIPv4 ? "IPv4" : "IPv6") (0–\(maximum))"))
        }
        let range = IPRange(cidrAddress: text, network: address, prefixLength: length)
        guard range.hostBitsAreZero else {
            return .failure(IPRangeError(reason: "'\(text)' has host bits set (the network address must end in zero bits)"))
        }
        return .success(range)
    }

    private init(cidrAddress: String, network: IPAddress, prefixLength: Int) {
        self.cidrAddress = cidrAddress
        self.network = network
        self.prefixLength = prefixLength
    }

    private var hostBitsAreZero: Bool {
        for (index, byte) in network.bytes.enumerated() {
            let bitsInByte = min(8, max(0, prefixLength - index * 8))
            let hostMask: UInt8 = bitsInByte == 8 ? 0 : (0xFF >> UInt8(bitsInByte))
            if byte & hostMask != 0 { return false }
        }
        return true
    }

    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        var remaining = prefixLength
        for (a, n) in zip(address.bytes, network.bytes) where remaining > 0 {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if a & mask != n & mask { return false }
            remaining -= bits
        }
        return true
    }
}

public struct IPRangeError: Error, Sendable {
    public let reason: String
}
