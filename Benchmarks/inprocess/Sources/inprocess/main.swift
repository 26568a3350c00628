// inprocess GRANT N [timed]
//
// Runs N token requests of GRANT (`cc`: client credentials; `obo`: On-Behalf-Of with alice's
// token; `refresh`: alice's refresh token replayed, as the wrk benchmark does) of the default scenario through the server's own path, without sockets or TLS:
// request-head parsing, the router, the token service, response serialization. With `timed`,
// five rounds alternate N requests with N bare signatures over a payload of token size (same key,
// same signer), and print the difference: the work MockEntra adds to its one signature.
import EntraDirectory
import Foundation
@testable import HTTPServer
import JOSE
@testable import MockEntra
@testable import TokenService

let arguments = CommandLine.arguments
let grant = arguments.count > 1 ? arguments[1] : "cc"
let count = max(1, arguments.count > 2 ? Int(arguments[2]) ?? 1000 : 1000)
let timed = arguments.count > 3 && arguments[3] == "timed"

let scenario = try ScenarioLoader.load(file: BundledFiles.defaultScenario)
let keys = try KeyRing.load(directory: BundledFiles.keysDirectory)
let service = TokenService(directory: scenario.directory, keys: keys, log: try ExchangeLog())
let handler = InProcessHandler(service: service)
let tenant = scenario.directory.tenants[0].id

func requestBytes(_ form: String) -> [UInt8] {
    Array(("POST /\(tenant)/oauth2/v2.0/token HTTP/1.1\r\nHost: localhost:8443\r\n"
        + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(form.utf8.count)\r\n\r\n" + form).utf8)
}

/// What a worker does with a request that has arrived, short of reading and writing the socket.
@inline(never) func handle(_ bytes: [UInt8]) -> [UInt8] {
    guard case .head(let head, let length) = HTTPRequestParser.parseHead(bytes[...]) else { fatalError("unparsable request") }
    let request = HTTPRequest(method: head.method, target: head.target, headers: head.headers, body: Array(bytes[length...]),
                              remoteAddress: "127.0.0.1", localPort: 8443, isTLS: true)
    return ResponseSerializer.serialize(handler.handle(request), omitBody: false, close: false)
}

func field(_ name: String, in response: [UInt8]) -> String? {
    let text = String(decoding: response, as: UTF8.self)
    guard let body = text.range(of: "\r\n\r\n").map({ text[$0.upperBound...] }),
          case .object(let members)? = try? JSONValue.parseStrict(Array(body.utf8)) else { return nil }
    return members[name]?.stringValue
}

func accessToken(in response: [UInt8]) -> String? { field("access_token", in: response) }

let form: String
switch grant {
case "obo":
    let signIn = handle(requestBytes("grant_type=password&client_id=4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"
        + "&username=alice%40contoso.test&password=alice-password&scope=api%3A%2F%2Fcontoso-api%2Faccess_as_user"))
    guard let assertion = accessToken(in: signIn) else { fatalError(String(decoding: signIn, as: UTF8.self)) }
    form = "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&requested_token_use=on_behalf_of"
        + "&client_id=6a0c3e8f-5d2b-4b7e-8f1a-9c3d2e1b0a4f&client_secret=contoso-api-secret"
        + "&assertion=\(assertion)&scope=https%3A%2F%2Fgraph.microsoft.com%2FUser.Read"
case "refresh":
    let signIn = handle(requestBytes("grant_type=password&client_id=4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"
        + "&username=alice%40contoso.test&password=alice-password"
        + "&scope=api%3A%2F%2Fcontoso-api%2Faccess_as_user%20offline_access"))
    guard let refreshToken = field("refresh_token", in: signIn) else { fatalError(String(decoding: signIn, as: UTF8.self)) }
    form = "grant_type=refresh_token&client_id=4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f&refresh_token=\(refreshToken)"
        + "&scope=api%3A%2F%2Fcontoso-api%2Faccess_as_user%20offline_access"
case "cc":
    form = "client_id=2d6f6a9c-3b8e-4f1a-9c2d-7e5b4a3f1c0d&client_secret=contoso-daemon-secret"
        + "&grant_type=client_credentials&scope=api%3A%2F%2Fcontoso-api%2F.default"
default:
    FileHandle.standardError.write(Data("usage: inprocess cc|obo|refresh [N] [timed]\n".utf8))
    exit(64)
}
let request = requestBytes(form)
let first = handle(request)
guard accessToken(in: first) != nil else { fatalError(String(decoding: first, as: UTF8.self)) }

guard timed else {
    var total = 0
    for _ in 0..<count { total &+= handle(request).count }
    print("\(grant): \(count) requests, \(total / count) response bytes each")
    exit(0)
}

func microseconds(_ work: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try work()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / Double(count) / 1000
}
let header = JWSHeader(alg: .rs256, kid: keys.active.keyId, x5t: keys.active.keyId)
let payload = Array(String(repeating: "x", count: 1000).utf8)
for _ in 0..<100 { _ = try keys.signer.sign(header: header, payloadJSON: payload) }
for _ in 0..<5 {
    let signature = try microseconds { for _ in 0..<count { _ = try keys.signer.sign(header: header, payloadJSON: payload) } }
    let whole = microseconds { for _ in 0..<count { _ = handle(request) } }
    let rest = grant == "obo" ? "the rest (with the assertion's RSA verification)" : "the rest"
    print(String(format: "%@: request %.1f us, signature %.1f us, %@ %.1f us", grant, whole, signature, rest, whole - signature))
}
