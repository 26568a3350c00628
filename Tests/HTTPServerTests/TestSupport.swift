#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
@testable import HTTPServer

/// The committed development PKI (Keys/ at the repository root).
enum TestKeys {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Keys").path
    static var serverChain: String { directory + "/localhost.pem" }
    static var serverKey: String { directory + "/localhost.key" }
    static var ca: String { directory + "/ca.pem" }
    /// A self-signed certificate that did not sign the server's: a wrong CA for the client.
    static var unrelatedCA: String { directory + "/test-client.pem" }
    static var tls: TLSConfiguration { TLSConfiguration(certificateChainFile: serverChain, privateKeyFile: serverKey) }
}

/// Handler used by the live tests: echoes what it received so tests can check the parse.
let echoHandler: HTTPHandler = { request in
    if request.path == "/sleep" { usleep(300_000) }
    var headers = HTTPHeaders([("Content-Type", "text/plain")])
    headers.add("X-Method", request.method)
    headers.add("X-Path", request.path)
    headers.add("X-Query", request.query)
    headers.add("X-Remote", request.remoteAddress)
    headers.add("X-TLS", request.isTLS ? "yes" : "no")
    return HTTPResponse(status: 200, headers: headers, body: request.body.isEmpty ? Array("hello \(request.path)".utf8) : request.body)
}

/// Starts a server on an ephemeral port and stops it when the test ends.
func startServer(_ test: XCTestCase, host: String = "127.0.0.1", tls: Bool = false, limits: ServerLimits = .default,
                 handler: @escaping HTTPHandler = echoHandler) throws -> (HTTPServer, Int) {
    let server = try HTTPServer(listeners: [ListenerConfiguration(host: host, port: 0, tls: tls ? TestKeys.tls : nil)],
                                limits: limits, handler: handler)
    let bound = try server.start()
    test.addTeardownBlock { server.stop() }
    return (server, bound[0].port)
}

/// A raw blocking TCP client, to send exactly the bytes a test wants (malformed, partial, pipelined).
final class RawSocket {
    let fd: Int32

    init(port: Int, host: String = "127.0.0.1", receiveTimeout: Double = 5) throws {
        let address = try SocketAddress.resolve(host: host, port: port, passive: false)[0]
        fd = socket(address.family, SocketOps.streamType, 0)
        var timeout = timeval(tv_sec: Int(receiveTimeout), tv_usec: Int((receiveTimeout - Double(Int(receiveTimeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        if result != 0 {
            Glibc.close(fd)
            throw HTTPServerError.connect(host: host, port: port, reason: String(cString: strerror(errno)))
        }
    }

    deinit { Glibc.close(fd) }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Reads until the peer closes or the receive timeout hits.
    func readAll() -> String {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            data.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads until `text` occurs `count` times in what was received (or timeout / close).
    func read(until text: String, count: Int = 1) -> String {
        var data = ""
        var chunk = [UInt8](repeating: 0, count: 65536)
        while data.components(separatedBy: text).count - 1 < count {
            let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if received <= 0 { break }
            data += String(decoding: chunk[0..<received], as: UTF8.self)
        }
        return data
    }

    /// True if the peer closed the connection (recv returns 0 or reset) within the timeout.
    func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        while true {
            let count = recv(fd, &byte, 1, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }
}

func openFileDescriptorCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
}
