import EntraDirectory
import JOSE

/// A step's response (token endpoint or test-control API), read for comparison with its expectation.
struct StepOutcomeReader {
    let status: Int
    let body: [String: JSONValue]
    /// What "the request succeeded" means when the step names no outcome.
    var successStatuses: ClosedRange<Int>

    var error: String? { body["error"]?.stringValue }
    var code: Int? { body["error_codes"]?.arrayValue?.first?.doubleValue.map { Int($0) } }

    var summary: String {
        if let error {
            let code = self.code.map { " AADSTS\($0)" } ?? ""
            let suberror = body["suberror"]?.stringValue.map { " (\($0))" } ?? ""
            return "\(status) \(error)\(code)\(suberror)"
        }
        guard body["access_token"] != nil else {
            return body.isEmpty ? "\(status)" : "\(status): \(body.keys.sorted().joined(separator: ", "))"
        }
        let audience = claims("access_token")?["aud"]?.stringValue.map { " for \($0)" } ?? ""
        let scope = body["scope"]?.stringValue.map { ", scope '\($0)'" } ?? ""
        return "\(status): access token\(audience)\(scope)"
    }

    /// The payload of a JWT member of the body (signature not checked: the emulator made it).
    func claims(_ member: String) -> [String: JSONValue]? {
        guard let token = body[member]?.stringValue else { return nil }
        return try? JWT.decode(token).payload
    }

    func unmet(_ expect: StepExpectation) -> [String] {
        var failures: [String] = []
        func check<T: Equatable>(_ what: String, _ expected: T?, _ actual: T?) {
            guard let expected, expected != actual else { return }
            failures.append("\(what): expected \(expected), got \(actual.map { "\($0)" } ?? "none")")
        }
        if let expected = expect.status {
            check("HTTP status", expected, status)
        } else if expect.expectsSuccess, !successStatuses.contains(status) {
            let wanted = successStatuses.count == 1 ? "\(successStatuses.lowerBound)" : "2xx"
            failures.append("HTTP status: expected \(wanted), got \(status)")
        }
        check("error", expect.error, error)
        check("AADSTS code", expect.code, code)
        check("suberror", expect.suberror, body["suberror"]?.stringValue)
        compare(expect.response, with: body, what: "response", &failures)
        let needsAccessToken = !expect.claims.isEmpty || !expect.absentClaims.isEmpty
        if needsAccessToken, let accessClaims = claims("access_token") {
            compare(expect.claims, with: accessClaims, what: "access token claim", &failures)
            for name in expect.absentClaims where accessClaims[name] != nil {
                failures.append("access token claim '\(name)': expected absent, got \(Self.show(accessClaims[name]!))")
            }
        } else if needsAccessToken {
            failures.append("access token: expected one, got none")
        }
        if !expect.idTokenClaims.isEmpty {
            if let idClaims = claims("id_token") {
                compare(expect.idTokenClaims, with: idClaims, what: "ID token claim", &failures)
            } else {
                failures.append("ID token: expected one, got none")
            }
        }
        return failures
    }

    private func compare(_ expected: [String: JSONValue], with actual: [String: JSONValue], what: String, _ failures: inout [String]) {
        for name in expected.keys.sorted() {
            let want = expected[name]!
            guard let have = actual[name] else {
                failures.append("\(what) '\(name)': expected \(Self.show(want)), got none")
                continue
            }
            if !Self.matches(want, have, name: name) {
                failures.append("\(what) '\(name)': expected \(Self.show(want)), got \(Self.show(have))")
            }
        }
    }

    /// A claim's or member's array compares without regard to order (Entra promises none for
    /// `roles`, `groups`, `amr`), each element as often as it occurs; so do the space-separated
    /// scope lists `scp` and `scope`. Everything else, nested arrays included, compares exactly.
    static func matches(_ expected: JSONValue, _ actual: JSONValue, name: String) -> Bool {
        switch (expected, actual) {
        case (.array(let want), .array(let have)):
            return want.count == have.count && want.allSatisfy { element in
                want.filter { $0 == element }.count == have.filter { $0 == element }.count
            }
        case (.string(let want), .string(let have)) where name == "scp" || name == "scope":
            return Set(want.split(separator: " ")) == Set(have.split(separator: " "))
        default:
            return expected == actual
        }
    }

    static func show(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return String(flag)
        case .number(let number): return number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .string(let text): return "'\(text)'"
        case .array(let elements): return "[" + elements.map(show).joined(separator: ", ") + "]"
        case .object(let members): return "{" + members.keys.sorted().map { "\($0): \(show(members[$0]!))" }.joined(separator: ", ") + "}"
        }
    }
}
