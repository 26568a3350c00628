import Foundation
import XCTest
import EntraDirectory
import HTTPServer
import JOSE
import MockEntra

/// The committed keys and scenarios, found as the server finds them (`BundledFiles`: `MOCKENTRA_HOME`
/// when set, else the package this was built from).
enum Repo {
    static var keys: String { BundledFiles.keysDirectory }
    static var caFile: String { keys + "/ca.pem" }
    static func scenario(_ name: String) -> String { BundledFiles.root + "/Scenarios/" + name }

    /// The default scenario with `members` (`"steps": [...]`, `"faults": [...]`) spliced in before its
    /// closing brace (the file may end its last member with a trailing comma, JSON5 style).
    static func defaultScenario(adding members: String, fileName: String) throws -> Scenario {
        let text = try String(contentsOfFile: scenario("default.json"), encoding: .utf8)
        let end = try XCTUnwrap(text.range(of: "}", options: .backwards))
        let head = text[..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        return try ScenarioLoader.load(bytes: Array((head + (head.hasSuffix(",") ? "" : ",") + " \(members) }").utf8),
                                       fileName: fileName, baseDirectory: scenario(""))
    }
}

/// Ids from Scenarios/default.json.
enum Default {
    static let tenant = "0f8e4f3a-6c1b-4c52-9d7e-3a6b2c1d0e9f"
    static let daemon = "2d6f6a9c-3b8e-4f1a-9c2d-7e5b4a3f1c0d"
    static let daemonSecret = "contoso-daemon-secret"
    static let api = "6a0c3e8f-5d2b-4b7e-8f1a-9c3d2e1b0a4f"
}

/// Starts a server on a shipped scenario (`Scenarios/<scenario>`) with the committed keys, on port 0.
func startServer(scenario: String = "default.json", ports: [Int] = [0], httpPorts: [Int] = [], plainHTTP: Bool = false,
                 autoSignInLoginHint: Bool = false) throws -> MockEntraServer {
    var options = MockEntraOptions()
    options.ports = ports
    options.httpPorts = httpPorts
    options.plainHTTP = plainHTTP
    options.autoSignInLoginHint = autoSignInLoginHint
    return try MockEntraServer.start(scenarioFile: Repo.scenario(scenario), options: options)
}

/// `application/x-www-form-urlencoded` with everything but unreserved characters escaped.
func formBody(_ pairs: [(String, String)]) -> [UInt8] {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    func escape(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s }
    return Array(pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&").utf8)
}

extension HTTPClient {
    static func tls(_ port: Int) throws -> HTTPClient {
        try HTTPClient(host: "localhost", port: port, caFile: Repo.caFile)
    }

    func get(_ path: String, headers: [(String, String)] = []) throws -> HTTPClientResponse {
        try send(method: "GET", path: path, headers: headers)
    }

    func postForm(_ path: String, _ pairs: [(String, String)], headers: [(String, String)] = []) throws -> HTTPClientResponse {
        try send(method: "POST", path: path, headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers,
                 body: formBody(pairs))
    }

    func postJSON(_ path: String, _ json: String) throws -> HTTPClientResponse {
        try send(method: "POST", path: path, headers: [("Content-Type", "application/json")], body: Array(json.utf8))
    }
}

extension HTTPClientResponse {
    /// The value of a page's hidden form field (HTML-unescaped).
    func hiddenField(_ name: String) throws -> String {
        try attribute(after: "name=\"\(name)\" value=\"")
    }

    /// The HTML-unescaped text between `marker` and the next quote or `<`.
    func attribute(after marker: String, endingAt end: Character = "\"") throws -> String {
        let text = self.text
        let start = try XCTUnwrap(text.range(of: marker), "no \(marker) in the page").upperBound
        let stop = try XCTUnwrap(text[start...].firstIndex(of: end))
        return String(text[start..<stop]).replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The session cookie (`name=value`) the response sets, if any.
    var sessionCookie: String? {
        headers["Set-Cookie"].flatMap { $0.split(separator: ";").first.map(String.init) }
    }

    /// The query parameters of a 302 to `redirectURI` (fails the test for anything else).
    func redirectParameters(to redirectURI: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: String] {
        XCTAssertEqual(status, 302, text, file: file, line: line)
        let location = try XCTUnwrap(headers["Location"], file: file, line: line)
        // A redirect URI registered without a path comes back with `/` (reply-url doc).
        let pathless = !(redirectURI.components(separatedBy: "://").last ?? "").contains("/")
        XCTAssertTrue(location.hasPrefix(redirectURI + (pathless ? "/?" : "?")), location, file: file, line: line)
        let query = String(location.drop { $0 != "?" }.dropFirst())
        var result: [String: String] = [:]
        for pair in try FormData(parsing: Array(query.utf8)).pairs { result[pair.name] = pair.value }
        return result
    }

    /// The body as a JSON object (test failure and an empty object otherwise).
    func object(file: StaticString = #filePath, line: UInt = #line) -> [String: JSONValue] {
        guard let value = try? JSONValue.parse(body), let object = value.objectValue else {
            XCTFail("not a JSON object: \(text)", file: file, line: line)
            return [:]
        }
        return object
    }
}

enum Forms {
    static func daemon(scope: String = "api://contoso-api/.default", secret: String = Default.daemonSecret) -> [(String, String)] {
        [("grant_type", "client_credentials"), ("client_id", Default.daemon), ("client_secret", secret), ("scope", scope)]
    }
}

/// A test case with a TLS server on one shipped scenario (`Scenarios/<scenarioName>`) and a client
/// trusting the development CA, started per test on port 0.
class ShippedScenarioServerTestCase: XCTestCase {
    /// The file under Scenarios/ to serve; subclasses override it.
    class var scenarioName: String { "default.json" }

    var server: MockEntraServer!
    var client: HTTPClient!
    var base: String { "https://localhost:\(server.port)" }

    override func setUpWithError() throws {
        server = try startServer(scenario: Self.scenarioName)
        client = try HTTPClient.tls(server.port)
    }

    override func tearDown() {
        client?.close()
        server?.stop()
    }
}
