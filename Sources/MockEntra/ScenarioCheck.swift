import Foundation
import EntraDirectory
import HTTPServer
import JOSE
import TokenService

/// Runs a scenario's `steps` (`mockentra check`): each token request or test-control call goes
/// through the same routes and token service as a served request, in process, without sockets, on a fresh
/// emulator with its own clock. Requests arrive as if at `https://localhost`, so issuers read
/// `https://localhost/{tenant}/v2.0`.
public enum ScenarioCheck {
    public struct StepResult: Sendable {
        public let step: ScenarioStep
        /// One line on what came back ("200: access token for …", "400 invalid_grant AADSTS65001").
        public let summary: String
        /// Each unmet expectation; empty when the step passed.
        public let failures: [String]
        public var passed: Bool { failures.isEmpty }
    }

    /// Runs the steps in order and stops after the first that fails. `report` sees each result
    /// as it happens. True when every step passed.
    @discardableResult
    public static func run(_ scenario: Scenario, keysDirectory: String = BundledFiles.keysDirectory,
                           report: (StepResult) -> Void = { _ in }) throws -> Bool {
        let clock = Clock()
        let service = TokenService(directory: scenario.directory, keys: try KeyRing.load(directory: keysDirectory),
                                   clock: clock, log: try ExchangeLog())
        let router = Router(service: service)
        var responses: [String: [String: JSONValue]] = [:]
        for step in scenario.steps {
            let result: StepResult
            switch step.action {
            case .advanceClock(let seconds):
                clock.advance(by: seconds)
                result = StepResult(step: step, summary: "clock advanced by \(Int(seconds)) s", failures: [])
            case .token(let request):
                let outcome = runToken(request, router: router, responses: responses)
                if let id = step.id, let body = outcome.body { responses[id] = body }
                result = StepResult(step: step, summary: outcome.summary, failures: outcome.failures)
            case .control(let call):
                let outcome = runControl(call, router: router, responses: responses)
                if let id = step.id, let body = outcome.body { responses[id] = body }
                result = StepResult(step: step, summary: outcome.summary, failures: outcome.failures)
            }
            report(result)
            if !result.passed { return false }
        }
        return true
    }

    private struct TokenOutcome {
        var summary: String
        var failures: [String]
        var body: [String: JSONValue]?
    }

    /// Replaces `{{id.field}}` references with the members of earlier responses; what cannot be
    /// resolved is listed in `unresolved`.
    private struct Substitution {
        let responses: [String: [String: JSONValue]]
        var unresolved: [String] = []

        mutating func apply(_ text: String) -> String {
            guard case .success(let parts) = StepReference.parse(text) else { return text }
            return parts.map { part -> String in
                switch part {
                case .literal(let literal):
                    return literal
                case .reference(let reference):
                    let name = "{{\(reference.stepId).\(reference.field)}}"
                    switch responses[reference.stepId]?[reference.field] {
                    case .string(let value)?:
                        return value
                    case let value? where value.doubleValue != nil || value.boolValue != nil:
                        return StepOutcomeReader.show(value)  // `expires_in` and the like, as text
                    case let value?:
                        unresolved.append("\(name): step '\(reference.stepId)' returned \(StepOutcomeReader.show(value)), not text")
                    case nil:
                        unresolved.append("\(name): step '\(reference.stepId)' returned no '\(reference.field)'")
                    }
                    return ""
                }
            }.joined()
        }

        /// Body values: a string that is exactly one reference takes the referenced value itself,
        /// so `"advanceSeconds": "{{c.offsetSeconds}}"` stays a number.
        mutating func apply(_ value: JSONValue) -> JSONValue {
            switch value {
            case .string(let text):
                if case .success(let parts) = StepReference.parse(text), parts.count == 1,
                   case .reference(let reference) = parts[0], let whole = responses[reference.stepId]?[reference.field] {
                    return whole
                }
                return .string(apply(text))
            case .array(let elements): return .array(elements.map { apply($0) })
            case .object(let members): return .object(members.mapValues { apply($0) })
            case .null, .bool, .number: return value
            }
        }
    }

    private static func runToken(_ step: TokenStep, router: Router, responses: [String: [String: JSONValue]]) -> TokenOutcome {
        var substitution = Substitution(responses: responses)
        let form = FormData(pairs: step.form.map { ($0.name, substitution.apply($0.value)) })
        var headers = HTTPHeaders([("Host", "localhost"), ("Content-Type", "application/x-www-form-urlencoded")])
        for header in step.headers { headers.set(header.name, substitution.apply(header.value)) }
        if !substitution.unresolved.isEmpty { return TokenOutcome(summary: "not sent", failures: substitution.unresolved, body: nil) }

        let path = "/\(step.tenant)/oauth2/" + (step.version == .v2 ? "v2.0/" : "") + step.endpoint.rawValue
        let request = HTTPRequest(method: "POST", target: path, headers: headers, body: Array(form.encoded.utf8),
                                  remoteAddress: "127.0.0.1", localPort: 443, isTLS: true)
        return outcome(of: router.handle(request), expect: step.expect, control: false)
    }

    private static let segmentCharacters = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))

    private static func runControl(_ step: ControlStep, router: Router, responses: [String: [String: JSONValue]]) -> TokenOutcome {
        var substitution = Substitution(responses: responses)
        // A reference in the path is one segment's worth of text: escaped so that it stays one.
        var path = ""
        if case .success(let parts) = StepReference.parse(step.path) {
            for part in parts {
                switch part {
                case .literal(let text):
                    path += text
                case .reference(let reference):
                    let value = substitution.apply("{{\(reference.stepId).\(reference.field)}}")
                    path += value.addingPercentEncoding(withAllowedCharacters: Self.segmentCharacters) ?? value
                }
            }
        }
        let body = step.body.map { substitution.apply($0) }
        if !substitution.unresolved.isEmpty { return TokenOutcome(summary: "not sent", failures: substitution.unresolved, body: nil) }
        var headers = HTTPHeaders([("Host", "localhost")])
        var bytes: [UInt8] = []
        if step.method == .POST {
            // The control API takes JSON POSTs only (it refuses others with 415): `{}` without a body.
            headers.set("Content-Type", "application/json")
            guard let encoded = try? JSONEncoder().encode(body ?? .object([:])) else {
                return TokenOutcome(summary: "not sent", failures: ["the body cannot be written as JSON"], body: nil)
            }
            bytes = Array(encoded)
        }
        let request = HTTPRequest(method: step.method.rawValue, target: path, headers: headers, body: bytes,
                                  remoteAddress: "127.0.0.1", localPort: 443, isTLS: true)
        return outcome(of: router.handle(request), expect: step.expect, control: true)
    }

    /// The JSON response read against the expectation. A control call's empty body (204) reads as
    /// `{}`, and any 2xx is its success; the token endpoint's success is 200 with a JSON body.
    private static func outcome(of response: HTTPResponse, expect: StepExpectation, control: Bool) -> TokenOutcome {
        let parsed: JSONValue? = response.body.isEmpty && control ? .object([:]) : try? JSONValue.parseStrict(response.body)
        guard case .object(let body)? = parsed else {
            return TokenOutcome(summary: "\(response.status), not a JSON object",
                                failures: ["the response body is not a JSON object"], body: nil)
        }
        let reader = StepOutcomeReader(status: response.status, body: body, successStatuses: control ? 200...299 : 200...200)
        return TokenOutcome(summary: reader.summary, failures: reader.unmet(expect), body: body)
    }
}

/// A token endpoint response, read for comparison with a step's expectation.
struct StepOutcomeReader {
    let status: Int
    let body: [String: JSONValue]
    /// What "the request succeeded" means when the step names no outcome.
    var successStatuses: ClosedRange<Int> = 200...200

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
