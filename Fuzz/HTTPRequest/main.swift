// Fuzz target for the HTTP request parser and the chunked body decoder: arbitrary bytes must give a
// verdict (need more / head / error), never a trap, and a valid head must describe the bytes consistently.
import FuzzSupport
import HTTPServer

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { HTTPRequestFuzz.fuzz(data, size) }
#endif

#if !FUZZING
@main
#endif
enum HTTPRequestFuzz: FuzzTarget {
    static func exercise(_ bytes: [UInt8]) {
        let limits = HTTPParserLimits(maxHeaderBytes: 4096, maxBodyBytes: 65536)
        // Parse the whole input, and every prefix split at a few places, as a socket would deliver it.
        let result = HTTPRequestParser.parseHead(bytes[...], limits: limits)
        for cut in [1, 7, bytes.count / 2] where cut < bytes.count {
            if case .head = HTTPRequestParser.parseHead(bytes[..<cut], limits: limits), case .needMore = result {
                fatalError("a prefix parsed as a complete head but the whole input needs more")
            }
        }
        guard case .head(let head, let length) = result else { return }
        guard length > 0, length <= bytes.count else { fatalError("head length \(length) outside the input") }
        if case .contentLength(let count) = head.framing, count > limits.maxBodyBytes || count <= 0 {
            fatalError("content length \(count) escaped the limits")
        }
        _ = HTTPRequest(method: head.method, target: head.target, headers: head.headers)

        // The rest of the input as a chunked body, delivered in one piece and then byte-split in two.
        let rest = bytes[length...]
        var whole = ChunkedBodyDecoder(maxBodyBytes: limits.maxBodyBytes, maxMetadataBytes: 1024)
        let wholeResult = whole.feed(rest)
        var split = ChunkedBodyDecoder(maxBodyBytes: limits.maxBodyBytes, maxMetadataBytes: 1024)
        let middle = rest.startIndex + rest.count / 2
        var splitResult = split.feed(rest[..<middle])
        if case .needMore = splitResult {
            splitResult = split.feed(rest[middle...])
            if case .done(let consumed) = splitResult { splitResult = .done(consumed: consumed + (middle - rest.startIndex)) }
        }
        if case .done = wholeResult, wholeResult != splitResult || whole.body != split.body {
            fatalError("chunked decoding depends on how the bytes were split")
        }
        if whole.body.count > limits.maxBodyBytes { fatalError("chunked body exceeded the limit") }
    }
}
