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
        let service = TokenService(scenario: scenario, keys: try KeyRing.load(directory: keysDirectory), log: try ExchangeLog())
        let router = Router(service: service)
        var responses: [String: [String: JSONValue]] = [:]
        for step in scenario.steps {
            let result: StepResult
            switch step.action {
            case .advanceClock(let seconds):
                service.clock.advance(by: seconds)
                result = StepResult(step: step, summary: "clock advanced by \(Int(seconds)) s", failures: [])
            case .token(let request):
                result = record(runToken(request, router: router, responses: responses), of: step, in: &responses)
            case .control(let call):
                result = record(runControl(call, router: router, responses: responses), of: step, in: &responses)
            }
            report(result)
            if !result.passed { return false }
        }
        return true
    }

    private struct StepOutcome {
        var summary: String
        var failures: [String]
        var body: [String: JSONValue]?
    }

    /// Keeps a step's response for later references (by its id) and reports it.
    private static func record(_ outcome: StepOutcome, of step: ScenarioStep, in responses: inout [String: [String: JSONValue]]) -> StepResult {
        if let id = step.id, let body = outcome.body { responses[id] = body }
        return StepResult(step: step, summary: outcome.summary, failures: outcome.failures)
    }

    /// What a served request may be at most (the HTTP server answers 413/431 beyond): references
    /// can make a step's request grow without bound, so the check stops there too.
    private static let limits = HTTPParserLimits()

    private static func tooLarge(path: String, headers: HTTPHeaders, body: [UInt8]) -> StepOutcome? {
        let headBytes = path.utf8.count + headers.fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
        guard body.count > limits.maxBodyBytes || headBytes > limits.maxHeaderBytes else { return nil }
        return StepOutcome(summary: "not sent", failures: [
            "the request would be larger than the server accepts (\(limits.maxBodyBytes) body bytes, \(limits.maxHeaderBytes) header bytes)"],
            body: nil)
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

    private static func runToken(_ step: TokenStep, router: Router, responses: [String: [String: JSONValue]]) -> StepOutcome {
        var substitution = Substitution(responses: responses)
        let form = FormData(pairs: step.form.map { ($0.name, substitution.apply($0.value)) })
        var headers = HTTPHeaders([("Host", "localhost"), ("Content-Type", "application/x-www-form-urlencoded")])
        for header in step.headers { headers.set(header.name, substitution.apply(header.value)) }
        if !substitution.unresolved.isEmpty { return StepOutcome(summary: "not sent", failures: substitution.unresolved, body: nil) }

        let path = "/\(step.tenant)/oauth2/" + (step.version == .v2 ? "v2.0/" : "") + step.endpoint.rawValue
        let body = Array(form.encoded.utf8)
        if let refused = tooLarge(path: path, headers: headers, body: body) { return refused }
        let request = HTTPRequest(method: "POST", target: path, headers: headers, body: body,
                                  remoteAddress: "127.0.0.1", localPort: 443, isTLS: true)
        return outcome(of: router.handle(request), expect: step.expect, control: false)
    }

    private static func runControl(_ step: ControlStep, router: Router, responses: [String: [String: JSONValue]]) -> StepOutcome {
        var substitution = Substitution(responses: responses)
        // A reference in the path is one segment's (or query value's) worth of text: escaped so it stays one.
        var path = ""
        if case .success(let parts) = StepReference.parse(step.path) {
            for part in parts {
                switch part {
                case .literal(let text):
                    path += text
                case .reference(let reference):
                    let value = substitution.apply("{{\(reference.stepId).\(reference.field)}}")
                    path += PercentEncoding.encodeComponent(value)
                }
            }
        }
        let body = step.body.map { substitution.apply($0) }
        if !substitution.unresolved.isEmpty { return StepOutcome(summary: "not sent", failures: substitution.unresolved, body: nil) }
        var headers = HTTPHeaders([("Host", "localhost")])
        var bytes: [UInt8] = []
        if step.method == .POST {
            // The control API takes JSON POSTs only (it refuses others with 415): `{}` without a body.
            headers.set("Content-Type", "application/json")
            guard let encoded = try? JSONEncoder().encode(body ?? .object([:])) else {
                return StepOutcome(summary: "not sent", failures: ["the body cannot be written as JSON"], body: nil)
            }
            bytes = Array(encoded)
        }
        if let refused = tooLarge(path: path, headers: headers, body: bytes) { return refused }
        let request = HTTPRequest(method: step.method.rawValue, target: path, headers: headers, body: bytes,
                                  remoteAddress: "127.0.0.1", localPort: 443, isTLS: true)
        return outcome(of: router.handle(request), expect: step.expect, control: true)
    }

    /// The JSON response read against the expectation. A control call's empty body (204) reads as
    /// `{}`, and any 2xx is its success; the token endpoint's success is 200 with a JSON body.
    private static func outcome(of response: HTTPResponse, expect: StepExpectation, control: Bool) -> StepOutcome {
        let parsed: JSONValue? = response.body.isEmpty && control ? .object([:]) : try? JSONValue.parseStrict(response.body)
        guard case .object(let body)? = parsed else {
            return StepOutcome(summary: "\(response.status), not a JSON object",
                                failures: ["the response body is not a JSON object"], body: nil)
        }
        let reader = StepOutcomeReader(status: response.status, body: body, successStatuses: control ? 200...299 : 200...200)
        return StepOutcome(summary: reader.summary, failures: reader.unmet(expect), body: body)
    }
}
