import Foundation
import XCTest
@testable import JOSE

/// Locates the committed development keys (Keys/ at the repository root) from this file's path.
enum TestKeys {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Keys")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    static func signing1() throws -> RSAPrivateKey { try RSAPrivateKey(pem: text("signing-1.key")) }
    static func signing2() throws -> RSAPrivateKey { try RSAPrivateKey(pem: text("signing-2.key")) }
}

/// Runs the `openssl` command line: the independent oracle for signatures, thumbprints and keys.
enum OpenSSLCLI {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    @discardableResult
    static func run(_ arguments: [String], input: [UInt8] = []) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "openssl \(arguments.joined(separator: " ")): \(String(decoding: errors, as: UTF8.self))")
        }
        return Array(output)
    }

    static func text(_ arguments: [String], input: [UInt8] = []) throws -> String {
        String(decoding: try run(arguments, input: input), as: UTF8.self)
    }
}

/// Builds compact tokens by hand, for shapes our own signer would never produce.
enum TokenForge {
    static func segment(_ json: String) -> String { Base64URL.encode(Array(json.utf8)) }

    static func unsigned(header: String, payload: String = #"{"sub":"x"}"#) -> String {
        segment(header) + "." + segment(payload)
    }
}
