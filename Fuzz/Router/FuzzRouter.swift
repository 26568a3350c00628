// Fuzz target for everything behind the HTTP parser: the routes, the token service's grants, the
// sign-in and device-login pages, the managed-identity endpoints and the test-control API.
//
// One input is up to four requests in a row (head, then `Content-Length` bytes of body), served
// in order by a fresh emulator on the default scenario, so every input replays the same way and
// state one request makes reaches the next: a clock change, an injected fault, a sign-in page's
// form posted back. (Codes and tokens are random, so an input cannot redeem one it obtained.)
// Any request must get an answer with a valid status; a trap anywhere is a bug. Built normally,
// the target replays the files named on the command line (Fuzz/corpus/Router: recorded from a
// live server: every grant, the sign-in form with its real `ctx`, an On-Behalf-Of exchange behind
// a clock set back to when its assertion was valid, managed identity, discovery, the control API).
import EntraDirectory
import FuzzSupport
import HTTPServer
import MockEntra
import TokenService

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { RouterFuzz.fuzz(data, size) }
#endif

/// Loaded once (libFuzzer's main replaces top-level code): reading and checking the scenario and
/// the keys costs milliseconds, a fresh token service over them much less.
enum FuzzFixture {
    static let scenario: Scenario? = try? ScenarioLoader.load(file: BundledFiles.defaultScenario)
    static let keys: KeyRing? = try? KeyRing.load(directory: BundledFiles.keysDirectory)
}

#if !FUZZING
@main
#endif
enum RouterFuzz: FuzzTarget {
    static let maximumRequests = 4

    static func exercise(_ bytes: [UInt8]) {
        guard let scenario = FuzzFixture.scenario, let keys = FuzzFixture.keys,
              let log = try? ExchangeLog(capacity: 16) else { fatalError("default scenario or keys did not load") }
        let handler = InProcessHandler(service: TokenService(scenario: scenario, keys: keys, log: log))
        var rest = bytes[...]
        for _ in 0..<maximumRequests {
            guard case .head(let head, let length) = HTTPRequestParser.parseHead(rest) else { return }
            rest = rest.dropFirst(length)
            var body: [UInt8] = []
            if case .contentLength(let count) = head.framing {
                body = Array(rest.prefix(count))
                rest = rest.dropFirst(count)
            }
            let request = HTTPRequest(method: head.method, target: head.target, headers: head.headers, body: body,
                                      remoteAddress: "127.0.0.1", localPort: 8443, isTLS: true)
            let response = handler.handle(request)
            guard (100..<600).contains(response.status) else { fatalError("status \(response.status) for \(head.target)") }
        }
    }
}
