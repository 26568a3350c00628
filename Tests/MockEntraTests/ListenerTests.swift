import Foundation
import XCTest
import HTTPServer
import JOSE
import MockEntra

/// Several listeners, plain HTTP, and shutting down.
final class ListenerTests: XCTestCase {
    func testTwoTLSListenersBothAnswerWithTheirOwnPort() throws {
        let server = try startServer(ports: [0, 0])
        defer { server.stop() }
        XCTAssertEqual(server.listeners.count, 2)
        XCTAssertNotEqual(server.listeners[0].port, server.listeners[1].port)
        for listener in server.listeners {
            XCTAssertTrue(listener.isTLS)
            let client = try HTTPClient.tls(listener.port)
            defer { client.close() }
            let doc = try client.get("/\(Default.tenant)/v2.0/.well-known/openid-configuration").object()
            XCTAssertEqual(doc["token_endpoint"]?.stringValue,
                           "https://localhost:\(listener.port)/\(Default.tenant)/oauth2/v2.0/token")
            let token = try client.postForm("/\(Default.tenant)/oauth2/v2.0/token", Forms.daemon())
            XCTAssertEqual(token.status, 200)
            let iss = try JWT.decode(token.object()["access_token"]?.stringValue ?? "").payload["iss"]?.stringValue
            XCTAssertEqual(iss, "https://localhost:\(listener.port)/\(Default.tenant)/v2.0")
        }
        // Both listeners share one token service.
        XCTAssertEqual(server.tokenService.log.records().map(\.sequence), [1, 2])
    }

    func testPlainHTTPListener() throws {
        let server = try startServer(plainHTTP: true)
        defer { server.stop() }
        XCTAssertFalse(server.primary.isTLS)
        XCTAssertEqual(server.baseURL, "http://localhost:\(server.port)")
        let client = try HTTPClient(host: "localhost", port: server.port, caFile: nil)
        defer { client.close() }
        let doc = try client.get("/\(Default.tenant)/v2.0/.well-known/openid-configuration").object()
        XCTAssertEqual(doc["issuer"]?.stringValue, "http://localhost:\(server.port)/\(Default.tenant)/v2.0")
    }

    func testExtraHTTPListenerNextToTLS() throws {
        let server = try startServer(httpPorts: [0])
        defer { server.stop() }
        XCTAssertEqual(server.listeners.map(\.isTLS), [true, false])
        let tls = try HTTPClient.tls(server.listeners[0].port)
        let plain = try HTTPClient(host: "localhost", port: server.listeners[1].port, caFile: nil)
        defer { tls.close(); plain.close() }
        XCTAssertEqual(try tls.get("/common/discovery/keys").status, 200)
        let doc = try plain.get("/common/v2.0/.well-known/openid-configuration").object()
        XCTAssertEqual(doc["token_endpoint"]?.stringValue, "http://localhost:\(server.listeners[1].port)/common/oauth2/v2.0/token")
    }

    func testTLSClientRefusesTheWrongCA() throws {
        let server = try startServer()
        defer { server.stop() }
        // The signing certificate is self-signed and did not issue the localhost certificate.
        let client = try HTTPClient(host: "localhost", port: server.port, caFile: Repo.keys + "/signing-1.pem")
        XCTAssertThrowsError(try client.get("/common/discovery/keys"))
    }

    func testStopReturnsAndClosesTheListener() throws {
        let server = try startServer()
        let port = server.port
        let client = try HTTPClient.tls(port)
        XCTAssertEqual(try client.get("/common/discovery/keys").status, 200)
        client.close()
        server.stop()
        let after = try HTTPClient(host: "127.0.0.1", port: port, caFile: Repo.caFile, timeout: 2, serverName: "localhost")
        XCTAssertThrowsError(try after.get("/common/discovery/keys"), "nothing listens after stop()")
    }

    func testStopWithAnIdleKeepAliveConnection() throws {
        let server = try startServer()
        let client = try HTTPClient.tls(server.port)
        XCTAssertEqual(try client.get("/common/discovery/keys").status, 200)
        // The client keeps its connection open; stop() must still return.
        server.stop()
        client.close()
    }
}
