import Foundation
import XCTest
@testable import HTTPServer

/// curl as an independent witness: it negotiates ALPN, sends `Expect: 100-continue` for larger bodies
/// and verifies the certificate with its own code.
final class RealClientTests: XCTestCase {
    private func curl(_ arguments: [String]) throws -> (status: Int32, output: String, seconds: Double) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else { throw XCTSkip("curl not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sS", "--max-time", "5"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let started = Date()
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), Date().timeIntervalSince(started))
    }

    func testCurlOverTLSWithLargeBodyUsesContinueWithoutTheOneSecondWait() throws {
        let (_, port) = try startServer(self, tls: true)
        let body = String(repeating: "x", count: 4096)
        // Newer curl versions send Expect only for bodies over 1 MiB: ask for it explicitly.
        let result = try curl(["--cacert", TestKeys.ca, "-H", "Expect: 100-continue", "--data-binary", body, "https://localhost:\(port)/upload"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.output, body)
        XCTAssertLessThan(result.seconds, 0.8, "curl waited for 100 Continue instead of getting it at once")
    }

    func testCurlRejectsTheServerWithoutTheCA() throws {
        let (_, port) = try startServer(self, tls: true)
        let result = try curl(["--cacert", TestKeys.unrelatedCA, "https://localhost:\(port)/"])
        // 60: the peer certificate cannot be authenticated with the given CA (not merely "failed").
        XCTAssertEqual(result.status, 60)
    }

    func testCurlPlainHTTP10AndHead() throws {
        let (_, port) = try startServer(self)
        let result = try curl(["--http1.0", "-I", "http://127.0.0.1:\(port)/x"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.hasPrefix("HTTP/1.1 200 OK"), result.output)
        XCTAssertTrue(result.output.contains("Content-Length: 8"), result.output)
    }
}
