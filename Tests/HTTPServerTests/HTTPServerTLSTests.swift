import Foundation
import XCTest
@testable import HTTPServer

/// TLS listeners with the committed development chain, and the client's certificate checks.
final class HTTPServerTLSTests: XCTestCase {
    func testKeepAliveOverTLS() throws {
        let (server, port) = try startServer(self, tls: true)
        let client = try HTTPClient(host: "localhost", port: port, caFile: TestKeys.ca)
        defer { client.close() }
        for index in 0..<50 {
            let response = try client.send(method: "POST", path: "/tls/\(index)", body: Array("body \(index)".utf8))
            XCTAssertEqual(response.text, "body \(index)")
            XCTAssertEqual(response.headers["X-TLS"], "yes")
        }
        XCTAssertEqual(server.openConnectionCount, 1)
        let ip = try HTTPClient(host: "127.0.0.1", port: port, caFile: TestKeys.ca)
        XCTAssertEqual(try ip.send(method: "GET", path: "/").status, 200, "the IP SAN verifies too")
    }

    func testLargeBodyAndChunkedUploadOverTLS() throws {
        let (_, port) = try startServer(self, tls: true)
        let client = try HTTPClient(host: "localhost", port: port, caFile: TestKeys.ca)
        let big = (0..<(900 * 1024)).map { UInt8(truncatingIfNeeded: $0 * 7) }
        XCTAssertEqual(try client.send(method: "POST", path: "/big", body: big).body, big)
        let chunked = try client.send(method: "POST", path: "/chunked", headers: [("Transfer-Encoding", "chunked")],
                                      body: Array("3\r\nabc\r\n0\r\n\r\n".utf8))
        XCTAssertEqual(chunked.text, "abc")
    }

    func testClientRejectsServerNotSignedByTheGivenCA() throws {
        let (_, port) = try startServer(self, tls: true)
        let client = try HTTPClient(host: "localhost", port: port, caFile: TestKeys.unrelatedCA)
        XCTAssertThrowsError(try client.send(method: "GET", path: "/")) { error in
            XCTAssertTrue("\(error)".contains("certificate verification failed"), "\(error)")
        }
    }

    func testClientRejectsWrongHostName() throws {
        let (_, port) = try startServer(self, tls: true)
        let client = try HTTPClient(host: "127.0.0.1", port: port, caFile: TestKeys.ca, serverName: "login.microsoftonline.com")
        XCTAssertThrowsError(try client.send(method: "GET", path: "/")) { error in
            XCTAssertTrue("\(error)".contains("hostname mismatch"), "\(error)")
        }
        let (_, anyPort) = try startServer(self, host: "0.0.0.0", tls: true)
        let wrongIP = try HTTPClient(host: "127.0.0.2", port: anyPort, caFile: TestKeys.ca)
        XCTAssertThrowsError(try wrongIP.send(method: "GET", path: "/"), "127.0.0.2 is not in the certificate") { error in
            // A verification failure, not any error (a refused connection would pass otherwise).
            XCTAssertTrue("\(error)".lowercased().contains("mismatch") || "\(error)".contains("verif"), "\(error)")
        }
    }

    func testPlainClientOnTLSPortIsClosedAndServerKeepsServing() throws {
        let (_, port) = try startServer(self, tls: true)
        let socket = try RawSocket(port: port)
        socket.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertFalse(socket.readAll().contains("200"))
        let client = try HTTPClient(host: "localhost", port: port, caFile: TestKeys.ca)
        XCTAssertEqual(try client.send(method: "GET", path: "/").status, 200)
    }

    func testSilentClientDuringHandshakeIsDroppedAndDoesNotBlockOthers() throws {
        var limits = ServerLimits()
        limits.readTimeout = 0.5
        let (server, port) = try startServer(self, tls: true, limits: limits)
        let silent = try RawSocket(port: port) // connects, never sends a ClientHello
        let client = try HTTPClient(host: "localhost", port: port, caFile: TestKeys.ca)
        XCTAssertEqual(try client.send(method: "GET", path: "/", headers: [("Connection", "close")]).status, 200)
        let started = Date()
        XCTAssertTrue(silent.isClosedByPeer())
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.5)
        for _ in 0..<50 where server.openConnectionCount > 0 { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertEqual(server.openConnectionCount, 0)
    }

    func testTLSConnectionsDoNotLeakDescriptors() throws {
        let (server, port) = try startServer(self, tls: true)
        let client = try HTTPClient(host: "localhost", port: port, caFile: TestKeys.ca)
        _ = try client.send(method: "GET", path: "/", headers: [("Connection", "close")])
        Thread.sleep(forTimeInterval: 0.1)
        let before = openFileDescriptorCount()
        for _ in 0..<200 {
            XCTAssertEqual(try client.send(method: "GET", path: "/", headers: [("Connection", "close")]).status, 200)
        }
        for _ in 0..<50 where server.openConnectionCount > 0 { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertLessThanOrEqual(openFileDescriptorCount(), before + 2)
    }

    /// After the handshake, a client that only ever sends part of a TLS record gives the server no
    /// request byte at all: it must still be closed after readTimeout, however often its bytes wake
    /// the worker (each wake-up once restarted the wait).
    func testDripOfAnUnfinishedTLSRecordIsCutOff() throws {
        var limits = ServerLimits()
        limits.readTimeout = 1
        limits.requestDeadline = 1
        let (_, port) = try startServer(self, tls: true, limits: limits)
        let raw = try RawSocket(port: port)
        let stream = StreamConnection(fd: dup(raw.fd))
        defer { stream.close() }
        XCTAssertTrue(stream.startTLS(context: try TLSContext.client(caFile: TestKeys.ca), asServer: false,
                                      deadline: .after(seconds: 5)))
        // An application-data record header announcing 64 bytes, then one byte every 200 ms.
        let started = Date()
        var closedAfter: Double?
        for byte in [0x17, 0x03, 0x03, 0x00, 0x40] + [UInt8](repeating: 0x41, count: 30) {
            guard raw.send([UInt8(byte)]) else {
                closedAfter = Date().timeIntervalSince(started)
                break
            }
            var probe = [UInt8](repeating: 0, count: 64)
            if recv(raw.fd, &probe, probe.count, Int32(MSG_DONTWAIT)) == 0 {
                closedAfter = Date().timeIntervalSince(started)
                break
            }
            usleep(200_000)
        }
        let elapsed = try XCTUnwrap(closedAfter, "the dripping TLS client was never cut off")
        XCTAssertGreaterThan(elapsed, 0.8)
        XCTAssertLessThan(elapsed, 3)
    }
}
