/// Base64url without padding (RFC 4648 §5, RFC 7515 §2), as JWS and JWK use it.
///
/// Table-driven in both directions: tokens are encoded on every issuance and decoded on every
/// validation, and the `replacingOccurrences` approach costs ≈ 60× more (swift-openssl.md).
public enum Base64URL {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Two symbols per entry, for each 12-bit value (first symbol in the low byte): the encoder
    /// writes a 3-byte group as two 16-bit stores. 8 KiB, built once.
    private static let symbolPairs: [UInt16] = (0..<4096).map { UInt16(alphabet[$0 >> 6]) | UInt16(alphabet[$0 & 63]) << 8 }

    /// 0xFF marks a byte outside the base64url alphabet (this includes '+', '/' and '=').
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, symbol) in alphabet.enumerated() { table[Int(symbol)] = UInt8(index) }
        return table
    }()

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        if let encoded = bytes.withContiguousStorageIfAvailable({ encode(buffer: $0) }) { return encoded }
        return Array(bytes).withUnsafeBufferPointer { encode(buffer: $0) }
    }

    /// Symbols for the last 0, 1 or 2 bytes of a 3-byte group.
    @inline(__always) private static func encodedTail(_ count: Int) -> Int {
        count % 3 == 0 ? 0 : count % 3 + 1
    }

    /// Appends the encoding of `bytes` to `output` (building a token in one buffer).
    static func append(_ bytes: [UInt8], to output: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { input in
            let count = input.count
            let outputCount = (count / 3) * 4 + encodedTail(count)
            let start = output.count
            output.append(contentsOf: repeatElement(0, count: outputCount))
            output.withUnsafeMutableBufferPointer { buffer in
                let written = encode(input, into: UnsafeMutableBufferPointer(rebasing: buffer[start...]))
                assert(written == outputCount)
            }
        }
    }

    private static func encode(buffer input: UnsafeBufferPointer<UInt8>) -> String {
        let count = input.count
        let outputCount = (count / 3) * 4 + encodedTail(count)
        if outputCount == 0 { return "" }
        return String(unsafeUninitializedCapacity: outputCount) { output in encode(input, into: output) }
    }

    /// Encodes `input` into the start of `output` (which has room); returns the count written.
    private static func encode(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let count = input.count
        guard count > 0, let outBase = output.baseAddress else { return 0 }
        // The loop writes 4 symbols per 3 bytes, which `output` has room for by the callers' sizing.
        precondition(output.count >= (count / 3) * 4 + encodedTail(count), "base64url output too small")
        let raw = UnsafeMutableRawPointer(outBase)
        var inIndex = 0
        var outIndex = 0
        symbolPairs.withUnsafeBufferPointer { pairs in
            while inIndex + 3 <= count {
                let chunk = Int(input[inIndex]) << 16 | Int(input[inIndex + 1]) << 8 | Int(input[inIndex + 2])
                raw.storeBytes(of: pairs[chunk >> 12], toByteOffset: outIndex, as: UInt16.self)
                raw.storeBytes(of: pairs[chunk & 0xFFF], toByteOffset: outIndex + 2, as: UInt16.self)
                inIndex += 3
                outIndex += 4
            }
        }
        return alphabet.withUnsafeBufferPointer { table in
            switch count - inIndex {
            case 1:
                let chunk = UInt32(input[inIndex]) << 16
                output[outIndex] = table[Int(chunk >> 18 & 0x3F)]
                output[outIndex + 1] = table[Int(chunk >> 12 & 0x3F)]
                outIndex += 2
            case 2:
                let chunk = UInt32(input[inIndex]) << 16 | UInt32(input[inIndex + 1]) << 8
                output[outIndex] = table[Int(chunk >> 18 & 0x3F)]
                output[outIndex + 1] = table[Int(chunk >> 12 & 0x3F)]
                output[outIndex + 2] = table[Int(chunk >> 6 & 0x3F)]
                outIndex += 3
            default:
                break
            }
            return outIndex
        }
    }

    /// Whether `byte` is one of the 64 base64url symbols.
    static func isSymbol(_ byte: UInt8) -> Bool { reverse[Int(byte)] != 0xFF }

    /// Decodes base64url, with or without trailing '=' padding.
    ///
    /// Returns nil for any byte outside the base64url alphabet (standard base64's '+' and '/'
    /// included: a token that uses them was not produced by a JOSE encoder), for '=' anywhere
    /// but at the end, for wrong padding, and for lengths no encoder can produce (4n+1).
    /// Non-zero trailing bits are tolerated, as most decoders (Python's included) do.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        if let decoded = text.utf8.withContiguousStorageIfAvailable({ decode(buffer: $0) }) { return decoded }
        // Bridged or otherwise non-contiguous text: copy once.
        return Array(text.utf8).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    /// Decodes only the one canonical spelling: no padding and zero trailing bits, as RFC 7515 §2
    /// requires of JWS segments. The lenient `decode` would let one signature be written several
    /// ways ("Zg", "Zh", "Zg==" are the same byte), and a token must have exactly one form.
    /// Works on bytes already in memory: JWT.decode passes slices of the token's buffer.
    static func decodeCanonical(buffer input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let count = input.count
        guard let last = input.last else { return [] }
        guard last != UInt8(ascii: "=") else { return nil }
        // The last symbol of a 2- or 3-symbol tail carries 4 or 2 spare bits, which must be zero.
        let spareBits: UInt8
        switch count % 4 {
        case 2: spareBits = 0x0F
        case 3: spareBits = 0x03
        default: spareBits = 0
        }
        let value = reverse[Int(last)]
        guard value != 0xFF, value & spareBits == 0 else { return nil }
        return decode(buffer: input)
    }

    private static func decode(buffer input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var count = input.count
        // Padding: only at the end, at most two, and only to complete a 4-symbol group.
        var padding = 0
        while count > 0 && input[count - 1] == UInt8(ascii: "=") {
            count -= 1
            padding += 1
        }
        if padding > 0 && (padding > 2 || (count + padding) % 4 != 0) { return nil }
        let remainder = count % 4
        if remainder == 1 { return nil }
        if padding > 0 && padding != (4 - remainder) % 4 { return nil }

        let outputCount = (count / 4) * 3 + (remainder == 0 ? 0 : remainder - 1)
        var failed = false
        let output = reverse.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: outputCount) { output, initialized in
                var inIndex = 0
                var outIndex = 0
                var accumulated: UInt32 = 0
                var bits = 0
                while inIndex < count {
                    let value = table[Int(input[inIndex])]
                    if value == 0xFF {
                        failed = true
                        break
                    }
                    accumulated = accumulated << 6 | UInt32(value)
                    bits += 6
                    if bits >= 8 {
                        bits -= 8
                        output[outIndex] = UInt8(truncatingIfNeeded: accumulated >> UInt32(bits))
                        outIndex += 1
                    }
                    inIndex += 1
                }
                initialized = failed ? 0 : outIndex
            }
        }
        return failed ? nil : output
    }
}
