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
    public static func run(_ scenario: Scenario, keysDirectory: String = BundledFiles.keysDirectory,
                           report: (StepResult) -> Void) throws -> Bool {
        let service = TokenService(scenario: scenario, keys: try KeyRing.load(directory: keysDirectory), log: try ExchangeLog())
        let router = InProcessHandler(service: service)
        var responses: [String: [String: JSONValue]] = [:]
        for step in scenario.steps {
            let result: StepResult
            switch step.action {
            case .advanceClock(let seconds):
                let moved = service.clock.advance(by: seconds)
                result = StepResult(step: step, summary: moved ? "clock advanced by \(Int(seconds)) s" : "clock not moved",
                                    failures: moved ? [] : ["the clock stays within 100 years of real time"])
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

    /// Sends a step's request as a served one arrives: written as HTTP/1.1 bytes and read back by
    /// the server's own parser, so what a socket would refuse (a header that is no header, a request
    /// over the size limits) is not sent here either.
    private static func send(method: String, target: String, headers: [(String, String)], body: [UInt8],
                             router: InProcessHandler, expect: StepExpectation, control: Bool) -> StepOutcome {
        // A line break would write a second header the step never named; the parser cannot tell.
        if let broken = headers.first(where: { ($0.0 + $0.1).unicodeScalars.contains { $0 == "\r" || $0 == "\n" } }) {
            return StepOutcome(summary: "not sent", failures: ["the server would refuse this request: 400 header '\(broken.0)' holds a line break"],
                               body: nil)
        }
        let bytes = HTTPClient.requestBytes(method: method, path: target, headers: headers, body: body, host: "localhost")
        switch HTTPRequestParser.parseHead(bytes[...], limits: HTTPParserLimits()) {
        case .head(let head, let length):
            let request = HTTPRequest(method: head.method, target: head.target, headers: head.headers, body: Array(bytes[length...]),
                                      remoteAddress: "127.0.0.1", localPort: 443, isTLS: true)
            return outcome(of: router.handle(request), expect: expect, control: control)
        case .error(let error):
            return StepOutcome(summary: "not sent", failures: ["the server would refuse this request: \(error.status) \(error.reason)"], body: nil)
        case .needMore:
            return StepOutcome(summary: "not sent", failures: ["the request is not a complete HTTP request"], body: nil)
        }
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
                case .literal(let literal): return literal
                case .reference(let reference): return self.text(of: reference)
                }
            }.joined()
        }

        /// The referenced member as text (numbers and booleans too), or "" and an entry in `unresolved`.
        mutating func text(of reference: StepReference.Reference) -> String {
            let name = "{{\(reference.stepId).\(reference.field)}}"
            switch value(of: reference) {
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

        func value(of reference: StepReference.Reference) -> JSONValue? { responses[reference.stepId]?[reference.field] }

        /// Body values: a string that is exactly one reference takes the referenced value itself,
        /// so `"advanceSeconds": "{{c.offsetSeconds}}"` stays a number.
        mutating func apply(_ value: JSONValue) -> JSONValue {
            switch value {
            case .string(let text):
                if case .success(let parts) = StepReference.parse(text), parts.count == 1,
                   case .reference(let reference) = parts[0], let whole = self.value(of: reference) {
                    return whole
                }
                return .string(apply(text))
            case .array(let elements): return .array(elements.map { apply($0) })
            case .object(let members): return .object(members.mapValues { apply($0) })
            case .null, .bool, .number: return value
            }
        }
    }

    private static func runToken(_ step: TokenStep, router: InProcessHandler, responses: [String: [String: JSONValue]]) -> StepOutcome {
        var substitution = Substitution(responses: responses)
        let form = FormData(pairs: step.form.map { ($0.name, substitution.apply($0.value)) })
        var headers = HTTPHeaders([("Content-Type", "application/x-www-form-urlencoded")])
        for header in step.headers { headers.set(header.name, substitution.apply(header.value)) }
        if !substitution.unresolved.isEmpty { return StepOutcome(summary: "not sent", failures: substitution.unresolved, body: nil) }

        let path = "/\(step.tenant)/oauth2/" + (step.version == .v2 ? "v2.0/" : "") + step.endpoint.rawValue
        return send(method: "POST", target: path, headers: headers.fields.map { ($0.name, $0.value) }, body: Array(form.encoded.utf8),
                    router: router, expect: step.expect, control: false)
    }

    private static func runControl(_ step: ControlStep, router: InProcessHandler, responses: [String: [String: JSONValue]]) -> StepOutcome {
        var substitution = Substitution(responses: responses)
        // A reference in the path is one segment's (or query value's) worth of text: escaped so it stays one.
        var path = ""
        if case .success(let parts) = StepReference.parse(step.path) {
            for part in parts {
                switch part {
                case .literal(let text):
                    path += text
                case .reference(let reference):
                    path += PercentEncoding.encodeComponent(substitution.text(of: reference))
                }
            }
        }
        let body = step.body.map { substitution.apply($0) }
        if !substitution.unresolved.isEmpty { return StepOutcome(summary: "not sent", failures: substitution.unresolved, body: nil) }
        var headers: [(String, String)] = []
        var bytes: [UInt8] = []
        if step.method == .POST {
            // The control API takes JSON POSTs only (it refuses others with 415): `{}` without a body.
            headers.append(("Content-Type", "application/json"))
            guard let encoded = try? JSONEncoder().encode(body ?? .object([:])) else {
                return StepOutcome(summary: "not sent", failures: ["the body cannot be written as JSON"], body: nil)
            }
            bytes = Array(encoded)
        }
        return send(method: step.method.rawValue, target: path, headers: headers, body: bytes, router: router,
                    expect: step.expect, control: true)
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
