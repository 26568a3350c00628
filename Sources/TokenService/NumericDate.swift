import Foundation
import JOSE

/// JWT NumericDate claims (`exp`, `nbf`, `iat`): seconds since 1970.
///
/// Only dates of years 1 to 9999 are dates: that is what Entra's .NET `DateTime` holds, and what
/// the rest of MockEntra can format and compare (an `exp` of 1e19 once trapped while its error
/// message was written). A value outside that range is malformed, like one that is not a number.
enum NumericDate {
    /// 0001-01-01T00:00:00Z ... 9999-12-31T23:59:59Z.
    static let range: ClosedRange<Double> = -62_135_596_800 ... 253_402_300_799

    /// A client assertion's claim as real clients write it: an integer, a float (MSAL Python) or
    /// a string of decimal digits (MSAL.NET). nil when absent or `null`.
    static func read(_ value: JSONValue?, claim: String) throws(EntraError) -> Date? {
        switch value {
        case nil, .null?:
            return nil
        case .number(let seconds)?:
            guard let date = date(seconds) else { throw notANumber(claim) }
            return date
        case .string(let text)?:
            guard isDecimal(text), let seconds = Double(text), let date = date(seconds) else { throw notANumber(claim) }
            return date
        default:
            throw notANumber(claim)
        }
    }

    /// A claim of a token this service issued (always a JSON number); nil when absent, not a
    /// number or out of range.
    static func issued(_ value: JSONValue?) -> Date? {
        value?.doubleValue.flatMap(date)
    }

    private static func date(_ seconds: Double) -> Date? {
        range.contains(seconds) ? Date(timeIntervalSince1970: seconds) : nil
    }

    /// `-`? digits, optionally `.` digits: what `Double(String)` would read besides hex, `inf`,
    /// `nan` and exponents, none of which a client writes.
    private static func isDecimal(_ text: String) -> Bool {
        var bytes = text.utf8[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty }) else { return false }
        return parts.allSatisfy { $0.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }
    }

    private static func notANumber(_ claim: String) -> EntraError {
        .malformedJWT("The '\(claim)' claim is not a valid number.")
    }
}
