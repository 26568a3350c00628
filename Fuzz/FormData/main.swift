// Fuzz target for form / query parsing and percent-decoding: arbitrary bytes never trap, and what
// parses survives an encode → parse round trip unchanged.
import FuzzSupport
import HTTPServer

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { FormDataFuzz.fuzz(data, size) }
#endif

#if !FUZZING
@main
#endif
enum FormDataFuzz: FuzzTarget {
    static func exercise(_ bytes: [UInt8]) {
        _ = PercentEncoding.decode(String(decoding: bytes, as: UTF8.self), plusAsSpace: false)
        guard let form = try? FormData(parsing: bytes) else { return }
        let encoded = form.encoded
        guard let again = try? FormData(parsing: Array(encoded.utf8)) else {
            fatalError("re-encoded form does not parse: \(encoded)")
        }
        guard again.pairs.count == form.pairs.count,
              zip(again.pairs, form.pairs).allSatisfy({ $0.name == $1.name && $0.value == $1.value }) else {
            fatalError("form round trip changed the pairs: \(encoded)")
        }
        for pair in form.pairs {
            guard PercentEncoding.decode(PercentEncoding.encodeComponent(pair.value), plusAsSpace: false) == pair.value else {
                fatalError("component round trip failed for \(pair.value)")
            }
        }
    }
}
