#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
@testable import HTTPServer

/// The server over real sockets (plain HTTP), every listener on an ephemeral port.
final class HTTPServerLiveTests: XCTestCase {
    func testKeepAliveManySequentialRequestsOnOneConnection() throws {
        let (server, port) = try startServer(self)
        let client = try HTTPClient(host: "127.0.0.1", port: port, caFile: nil)
        defer { client.close() }
        for index in 0..<200 {
            let response = try client.send(method: "GET", path: "/item/\(index)?q=\(index)")
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.text, "hello /item/\(index)")
            XCTAssertEqual(response.headers["X-Query"], "q=\(index)")
            XCTAssertEqual(response.headers["X-Remote"], "127.0.0.1")
            XCTAssertNotNil(response.headers["Date"])
        }
        XCTAssertEqual(server.openConnectionCount, 1, "all 200 requests used one connection")
        let posted = try client.send(method: "POST", path: "/echo", headers: [("Content-Type", "text/plain")], body: Array("payload".utf8))
        XCTAssertEqual(posted.text, "payload")
        XCTAssertEqual(posted.headers["X-Method"], "POST")
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let (_, port) = try startServer(self)
        let socket = try RawSocket(port: port)
        socket.send("GET /one HTTP/1.1\r\nHost: a\r\n\r\nPOST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                    + "POST /three HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"
                    + "GET /four HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        let text = socket.readAll()
        let bodies = ["hello /one", "abc", "xy", "hello /four"]
        var position = text.startIndex
        for body in bodies {
            guard let range = text.range(of: body, range: position..<text.endIndex) else { return XCTFail("missing \(body) in order: \(text)") }
            position = range.upperBound
        }
        XCTAssertEqual(text.components(separatedBy: "HTTP/1.1 200 OK").count - 1, 4)
        XCTAssertTrue(text.contains("Connection: close"))
    }

    func testLongPipelineOnOneWorkerIsAnsweredInOrderWhileOthersAreServed() throws {
        var limits = ServerLimits()
        limits.workerThreads = 1
        let (_, port) = try startServer(self, limits: limits)
        let pipelined = try RawSocket(port: port)
        // More requests than one turn of the event loop serves, all in one send: the rest sit in the
        // connection's buffer, where no epoll event announces them.
        let count = ServerConnection.responsesPerTurn * 3 + 1
        pipelined.send((0..<count).map { "GET /p/\($0) HTTP/1.1\r\nHost: a\r\n\r\n" }.joined())
        let client = try HTTPClient(host: "127.0.0.1", port: port, caFile: nil)
        XCTAssertEqual(try client.send(method: "GET", path: "/other").text, "hello /other")
        let text = pipelined.read(until: "hello /p/\(count - 1)")
        var position = text.startIndex
        for index in 0..<count {
            guard let range = text.range(of: "hello /p/\(index)", range: position..<text.endIndex) else {
                return XCTFail("missing response \(index) in order")
            }
            position = range.upperBound
        }
    }

    /// The fairness limit itself: one worker, a long pipeline of slow requests on one connection,
    /// and a request on another that arrives once the pipeline has begun. Served after at most a
    /// few turns of `responsesPerTurn`, not after the whole pipeline (which it would be without it).
    func testAnotherConnectionIsServedBeforeALongPipelineEnds() throws {
        final class Order: @unchecked Sendable {   // paths in the order the handler saw them, under `lock`
            let lock = NSLock()
            var paths: [String] = []
            func add(_ path: String) { lock.withLock { paths.append(path) } }
            var snapshot: [String] { lock.withLock { paths } }
        }
        let order = Order()
        var limits = ServerLimits()
        limits.workerThreads = 1
        let (_, port) = try startServer(self, limits: limits) { request in
            order.add(request.path)
            if request.path.hasPrefix("/p/") { usleep(1_000) }
            return .text(200, "hello \(request.path)")
        }
        let count = 128   // eight turns' worth
        XCTAssertLessThanOrEqual(ServerConnection.responsesPerTurn * 4, count / 2)
        let pipelined = try RawSocket(port: port)
        pipelined.send((0..<count).map { "GET /p/\($0) HTTP/1.1\r\nHost: a\r\n\r\n" }.joined())
        let deadline = Date().addingTimeInterval(5)
        while order.snapshot.isEmpty, Date() < deadline { usleep(200) }
        let client = try HTTPClient(host: "127.0.0.1", port: port, caFile: nil)
        XCTAssertEqual(try client.send(method: "GET", path: "/other").text, "hello /other")
        _ = pipelined.read(until: "hello /p/\(count - 1)")
        let position = try XCTUnwrap(order.snapshot.firstIndex(of: "/other"))
        XCTAssertLessThan(position, count / 2, "served after \(position) pipelined requests of \(count)")
    }

    func testExpectContinueGetsInterimResponseBeforeBody() throws {
        let (_, port) = try startServer(self)
        let socket = try RawSocket(port: port)
        socket.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(socket.read(until: "\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n")
        socket.send("12345")
        let response = socket.read(until: "12345")
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 200 OK"), response)
    }

    func testHugeContentLengthIs413WithoutSendingTheBody() throws {
        let (_, port) = try startServer(self)
        let socket = try RawSocket(port: port)
        socket.send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n\r\n")
        let response = socket.readAll()
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 413 "), response)
        XCTAssertTrue(response.contains("Connection: close"))
        XCTAssertTrue(response.contains("Content-Type: text/plain; charset=utf-8"))
        XCTAssertTrue(response.contains("larger than 1048576 bytes"), response)
    }

    func testOversizedHeaderIs431() throws {
        let (_, port) = try startServer(self)
        let socket = try RawSocket(port: port)
        socket.send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: 20 * 1024) + "\r\n\r\n")
        XCTAssertTrue(socket.readAll().hasPrefix("HTTP/1.1 431 "))
    }

    func testMalformedRequestsGetClearErrorsAndClose() throws {
        let (_, port) = try startServer(self)
        let cases: [(String, String)] = [
            ("GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n", "400"),
            ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "505"),
            ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", "501"),
            ("\u{16}\u{03}\u{01}binary", "400"),
        ]
        for (request, status) in cases {
            let socket = try RawSocket(port: port)
            socket.send(request)
            let response = socket.readAll()
            XCTAssertTrue(response.hasPrefix("HTTP/1.1 \(status) "), "\(request.debugDescription) → \(response)")
            XCTAssertTrue(response.contains("Connection: close"))
        }
    }

    func testHeadGetsHeadersOnlyAndHTTP10Closes() throws {
        let (_, port) = try startServer(self)
        let socket = try RawSocket(port: port)
        socket.send("HEAD /page HTTP/1.0\r\n\r\n")
        let response = socket.readAll()
        XCTAssertTrue(response.contains("Content-Length: 11\r\n"), response)
        XCTAssertTrue(response.hasSuffix("\r\n\r\n"), "no body after the head: \(response)")
        XCTAssertTrue(response.contains("Connection: close"))
    }

    func testHTTP10KeepAliveIsConfirmedAndHonoured() throws {
        let (_, port) = try startServer(self)
        let socket = try RawSocket(port: port)
        socket.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertTrue(socket.read(until: "hello /a").contains("Connection: keep-alive\r\n"))
        socket.send("GET /b HTTP/1.0\r\n\r\n")
        let second = socket.readAll()
        XCTAssertTrue(second.contains("hello /b") && second.contains("Connection: close"), second)
    }

    func testSilentClientDoesNotBlockOthersAndGets408() throws {
        var limits = ServerLimits()
        limits.readTimeout = 0.5
        let (_, port) = try startServer(self, limits: limits)
        let silent = try RawSocket(port: port)
        silent.send("GET / HTTP/1.1\r\nHost: a\r\n") // never finishes the head
        let started = Date()
        let client = try HTTPClient(host: "127.0.0.1", port: port, caFile: nil)
        XCTAssertEqual(try client.send(method: "GET", path: "/other").status, 200)
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.4, "the second client was served while the first stayed silent")
        let response = silent.readAll()
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 408 "), response)
    }

    func testIdleKeepAliveConnectionIsClosedAfterReadTimeout() throws {
        var limits = ServerLimits()
        limits.readTimeout = 0.3
        let (server, port) = try startServer(self, limits: limits)
        let socket = try RawSocket(port: port)
        socket.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertTrue(socket.read(until: "hello /").contains("200 OK"))
        XCTAssertTrue(socket.isClosedByPeer())
        Thread.sleep(forTimeInterval: 0.1)
        XCTAssertEqual(server.openConnectionCount, 0)
    }

    func testSlowDripClientIsCutOffAtTheRequestDeadline() throws {
        var limits = ServerLimits()
        limits.readTimeout = 1
        limits.requestDeadline = 1
        let (_, port) = try startServer(self, limits: limits)
        let socket = try RawSocket(port: port, receiveTimeout: 0.05)
        let started = Date()
        var closedAfter: Double?
        // One byte every 100 ms: never silent for readTimeout, but the whole request takes too long.
        for byte in ("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + String(repeating: "z", count: 100)).utf8 {
            socket.send([byte])
            var probe = [UInt8](repeating: 0, count: 512)
            let count = recv(socket.fd, &probe, probe.count, 0)
            if count > 0 {
                XCTAssertTrue(String(decoding: probe[0..<count], as: UTF8.self).hasPrefix("HTTP/1.1 408 "))
                closedAfter = Date().timeIntervalSince(started)
                break
            }
            usleep(50_000)
        }
        let elapsed = try XCTUnwrap(closedAfter, "the slow client was never cut off")
        XCTAssertGreaterThan(elapsed, 0.9)
        XCTAssertLessThan(elapsed, 2.5)
    }

    func testManyConcurrentClientsAreAllAnswered() throws {
        let (_, port) = try startServer(self)
        let successes = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 300) { index in
            guard let client = try? HTTPClient(host: "127.0.0.1", port: port, caFile: nil),
                  let response = try? client.send(method: "GET", path: "/c/\(index)"),
                  response.text == "hello /c/\(index)" else { return }
            client.close()
            successes.withLock { $0 += 1 }
        }
        XCTAssertEqual(successes.withLock { $0 }, 300)
    }

    func testConnectionsBeyondTheLimitGet503() throws {
        var limits = ServerLimits()
        limits.maxConnections = 2
        let (_, port) = try startServer(self, limits: limits)
        let first = try RawSocket(port: port), second = try RawSocket(port: port)
        first.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        second.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertTrue(first.read(until: "hello").contains("200"))
        XCTAssertTrue(second.read(until: "hello").contains("200"))
        let third = try RawSocket(port: port)
        XCTAssertTrue(third.readAll().hasPrefix("HTTP/1.1 503 "))
    }

    func testStopReturnsPromptlyWithIdleKeepAliveConnections() throws {
        let server = try HTTPServer(listeners: [ListenerConfiguration(port: 0)], handler: echoHandler)
        let port = try server.start()[0].port
        var sockets: [RawSocket] = []
        for _ in 0..<20 {
            let socket = try RawSocket(port: port)
            socket.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            XCTAssertTrue(socket.read(until: "hello").contains("200"))
            sockets.append(socket)
        }
        let silent = try RawSocket(port: port) // connected, never sends
        let started = Date()
        server.stop()
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.5)
        XCTAssertEqual(server.openConnectionCount, 0)
        for socket in sockets { XCTAssertTrue(socket.isClosedByPeer()) }
        XCTAssertTrue(silent.isClosedByPeer())
        XCTAssertThrowsError(try RawSocket(port: port), "the listener is closed")
        server.stop() // idempotent
    }

    func testStopIsBoundedWhenAClientStallsMidRequest() throws {
        let server = try HTTPServer(listeners: [ListenerConfiguration(port: 0)], handler: echoHandler)
        let port = try server.start()[0].port
        let stalled = try RawSocket(port: port)
        stalled.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc") // the rest never comes
        Thread.sleep(forTimeInterval: 0.1)
        let started = Date()
        server.stop()
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertGreaterThan(elapsed, 1.5, "an in-flight request is given time to finish")
        XCTAssertLessThan(elapsed, 3, "but stop() does not wait for it forever")
    }

    func testStopLetsAnInFlightRequestFinish() throws {
        let server = try HTTPServer(listeners: [ListenerConfiguration(port: 0)], handler: echoHandler)
        let port = try server.start()[0].port
        let socket = try RawSocket(port: port)
        socket.send("GET /sleep HTTP/1.1\r\nHost: a\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.1)
        server.stop()
        let response = socket.readAll()
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 200 OK"), response)
        XCTAssertTrue(response.contains("Connection: close"))
    }

    func testFileDescriptorCountStaysFlatAfterManyConnections() throws {
        let (server, port) = try startServer(self)
        let client = try HTTPClient(host: "127.0.0.1", port: port, caFile: nil)
        _ = try client.send(method: "GET", path: "/warm-up", headers: [("Connection", "close")])
        Thread.sleep(forTimeInterval: 0.1)
        let before = openFileDescriptorCount()
        for index in 0..<1000 {
            let response = try client.send(method: "GET", path: "/\(index)", headers: [("Connection", "close")])
            XCTAssertEqual(response.status, 200)
        }
        for _ in 0..<50 where server.openConnectionCount > 0 { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertEqual(server.openConnectionCount, 0)
        XCTAssertLessThanOrEqual(openFileDescriptorCount(), before + 2)
    }

    func testListensOnIPv6AndLocalhost() throws {
        let (_, port6) = try startServer(self, host: "::1")
        let client6 = try HTTPClient(host: "::1", port: port6, caFile: nil)
        let response = try client6.send(method: "GET", path: "/v6")
        XCTAssertEqual(response.headers["X-Remote"], "::1")
        let (_, portLocal) = try startServer(self, host: "localhost")
        XCTAssertEqual(try HTTPClient(host: "localhost", port: portLocal, caFile: nil).send(method: "GET", path: "/").status, 200)
    }

    func testHandlerHeadersAreWrittenAsGivenAndSplittingIsPrevented() throws {
        let (_, port) = try startServer(self) { _ in
            HTTPResponse(status: 302, headers: HTTPHeaders([("Location", "https://x/cb?code=1"), ("X-Evil", "a\r\nInjected: 1"),
                                                           ("Cache-Control", "no-store")]))
        }
        let socket = try RawSocket(port: port)
        socket.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        let response = socket.readAll()
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 302 Found\r\nLocation: https://x/cb?code=1\r\n"), response)
        XCTAssertFalse(response.contains("Injected"))
        XCTAssertTrue(response.contains("Content-Length: 0\r\n"))
    }

    func testStartTwiceAndBadTLSFilesFailClearly() throws {
        let (server, _) = try startServer(self)
        XCTAssertThrowsError(try server.start()) { XCTAssertEqual($0 as? HTTPServerError, .alreadyStarted) }
        let missing = TLSConfiguration(certificateChainFile: "/nonexistent.pem", privateKeyFile: TestKeys.serverKey)
        XCTAssertThrowsError(try HTTPServer(listeners: [ListenerConfiguration(port: 0, tls: missing)], handler: echoHandler)) {
            XCTAssertTrue("\($0)".contains("/nonexistent.pem"), "\($0)")
        }
        let mismatched = TLSConfiguration(certificateChainFile: TestKeys.serverChain, privateKeyFile: TestKeys.directory + "/ca.key")
        XCTAssertThrowsError(try HTTPServer(listeners: [ListenerConfiguration(port: 0, tls: mismatched)], handler: echoHandler)) {
            XCTAssertTrue("\($0)".contains("ca.key") && "\($0)".contains("mismatch"), "\($0)")
        }
    }
}
