/// Incremental decoder for `Transfer-Encoding: chunked` (RFC 9112 §7.1). Feed it bytes as they
/// arrive; it copies chunk data into `body`, enforces the body limit as it goes, and says where the
/// message ended so pipelined bytes after it are kept for the next message. Trailers are read and
/// discarded. Pure and allocation-light, so it is fuzzable.
public struct ChunkedBodyDecoder: Sendable {
    public enum Progress: Equatable, Sendable {
        /// Every byte fed so far was consumed; the body is not complete.
        case needMore
        /// The body is complete; `consumed` bytes of the last input belonged to it.
        case done(consumed: Int)
        case error(HTTPParseError)
    }

    private enum State: Sendable {
        case size(value: Int, digits: Int)
        /// After the size (kept in `value`), inside `;name=value` extensions, which are skipped.
        case extensions(value: Int)
        case sizeLF(value: Int)
        case data(remaining: Int)
        case dataCR, dataLF
        case trailerStart, trailerLine, trailerLineLF, finalLF
        case done
        case failed(HTTPParseError)
    }

    public private(set) var body: [UInt8] = []
    private var state = State.size(value: 0, digits: 0)
    private let maxBodyBytes: Int
    private let maxMetadataBytes: Int
    /// Bytes spent on chunk extensions and trailers, bounded so they cannot grow without limit.
    private var metadataBytes = 0

    public init(maxBodyBytes: Int, maxMetadataBytes: Int = 16 * 1024) {
        self.maxBodyBytes = maxBodyBytes
        self.maxMetadataBytes = maxMetadataBytes
    }

    public mutating func feed(_ input: ArraySlice<UInt8>) -> Progress {
        var index = input.startIndex
        while index < input.endIndex {
            switch state {
            case .done:
                return .done(consumed: index - input.startIndex)
            case .failed(let error):
                return .error(error)
            case .data(let remaining):
                let take = min(remaining, input.endIndex - index)
                body.append(contentsOf: input[index..<(index + take)])
                index += take
                state = remaining == take ? .dataCR : .data(remaining: remaining - take)
            default:
                step(input[index])
                index += 1
            }
        }
        switch state {
        case .done: return .done(consumed: index - input.startIndex)
        case .failed(let error): return .error(error)
        default: return .needMore
        }
    }

    private mutating func fail(_ status: Int, _ reason: String) {
        state = .failed(HTTPParseError(status, reason))
    }

    private mutating func countMetadata() -> Bool {
        metadataBytes += 1
        if metadataBytes > maxMetadataBytes {
            fail(431, "chunk extensions or trailers too large")
            return false
        }
        return true
    }

    private mutating func step(_ byte: UInt8) {
        switch state {
        case .size(let value, let digits):
            if let digit = PercentEncoding.hexValue(byte) {
                // 15 hex digits cannot overflow Int; more is an attack, not a real chunk.
                guard digits < 15 else { return fail(400, "chunk size too long") }
                state = .size(value: value << 4 | Int(digit), digits: digits + 1)
            } else if digits == 0 {
                fail(400, "malformed chunk size")
            } else if byte == UInt8(ascii: ";") || byte == ASCII.space || byte == ASCII.tab {
                state = .extensions(value: value)
            } else if byte == ASCII.cr {
                state = .sizeLF(value: value)
            } else {
                fail(400, "malformed chunk size")
            }
        case .extensions(let value):
            if byte == ASCII.cr {
                state = .sizeLF(value: value)
            } else if byte == ASCII.lf {
                fail(400, "bare LF in chunk extension")
            } else {
                _ = countMetadata()
            }
        case .sizeLF(let value):
            guard byte == ASCII.lf else { return fail(400, "malformed chunk size line") }
            if value == 0 {
                state = .trailerStart
            } else if value > maxBodyBytes - body.count {
                fail(413, "request body larger than \(maxBodyBytes) bytes")
            } else {
                state = .data(remaining: value)
            }
        case .dataCR:
            state = byte == ASCII.cr ? .dataLF : .failed(HTTPParseError(400, "chunk data longer than its size"))
        case .dataLF:
            state = byte == ASCII.lf ? .size(value: 0, digits: 0) : .failed(HTTPParseError(400, "bare CR after chunk data"))
        case .trailerStart:
            if byte == ASCII.cr {
                state = .finalLF
            } else if byte == ASCII.lf {
                fail(400, "bare LF in trailer")
            } else if countMetadata() {
                state = .trailerLine
            }
        case .trailerLine:
            if byte == ASCII.cr {
                state = .trailerLineLF
            } else if byte == ASCII.lf {
                fail(400, "bare LF in trailer")
            } else {
                _ = countMetadata()
            }
        case .trailerLineLF:
            state = byte == ASCII.lf ? .trailerStart : .failed(HTTPParseError(400, "bare CR in trailer"))
        case .finalLF:
            state = byte == ASCII.lf ? .done : .failed(HTTPParseError(400, "bare CR after last chunk"))
        case .data, .done, .failed:
            break // handled in feed(_:)
        }
    }
}
