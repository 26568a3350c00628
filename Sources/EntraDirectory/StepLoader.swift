// Reads a scenario's `steps`: shape, tenants and `{{id.field}}` references are all checked here,
// so `mockentra check` never starts on a step it cannot run.
import JOSE

struct StepLoader {
    let directory: Directory

    static let stepKeys = ["name", "id", "tenant", "version", "endpoint", "form", "headers", "expect", "advanceClock", "control", "body"]
    static let expectKeys = ["status", "error", "code", "suberror", "response", "claims", "absentClaims", "idTokenClaims"]
    /// A year: enough to expire anything Entra issues, short of overflowing a date.
    static let longestClockStep = 366.0 * 24 * 3600

    func load(_ root: ObjectReader, _ diagnostics: inout Diagnostics) -> [ScenarioStep] {
        var steps: [ScenarioStep] = []
        var responseStepIds: Set<String> = []
        var allIds: Set<String> = []
        for (position, step) in root.objects("steps", &diagnostics).enumerated() {
            step.rejectUnknownKeys(allowed: Self.stepKeys, &diagnostics)
            rejectNulls(in: step, &diagnostics)
            let name = step.string("name", &diagnostics) ?? "step \(position + 1)"
            var id = step.string("id", &diagnostics)
            if let text = id {
                if !StepReference.isName(text) {
                    diagnostics.report(step.path.key("id"), "'\(Spelling.excerpt(text))' is not a step id: use letters, digits, '_' and '-'")
                    id = nil
                } else if !allIds.insert(text).inserted {
                    diagnostics.report(step.path.key("id"), "duplicate step id '\(text)'")
                    id = nil
                }
            }
            let action: ScenarioStep.Action?
            let kinds = ["form", "advanceClock", "control"].filter { step.has($0) }
            switch kinds.count == 1 ? kinds[0] : nil {
            case nil:
                diagnostics.report(step.path, kinds.isEmpty
                    ? "required property 'form' (a token request), 'control' (a test-control call) or 'advanceClock' is missing"
                    : "give one of 'form', 'control' and 'advanceClock', not \(kinds.map { "'\($0)'" }.joined(separator: " and "))")
                action = nil
            case "advanceClock":
                rejectKeys(["tenant", "version", "endpoint", "headers", "expect", "body"], in: step, only: "a token request or a control call", &diagnostics)
                action = clockStep(step, &diagnostics)
            case "control":
                rejectKeys(["tenant", "version", "endpoint", "headers"], in: step, only: "a token request ('form')", &diagnostics)
                action = controlStep(step, earlierIds: responseStepIds, &diagnostics).map { .control($0) }
            default:
                rejectKeys(["body"], in: step, only: "a control call ('control')", &diagnostics)
                action = tokenStep(step, earlierIds: responseStepIds, &diagnostics).map { .token($0) }
            }
            if let action {
                steps.append(ScenarioStep(name: name, id: id, action: action, path: step.path.text))
                if case .advanceClock = action {} else if let id { responseStepIds.insert(id) }
            }
        }
        return steps
    }

    /// Elsewhere null reads as "absent" (Graph exports are full of it); steps are written by hand,
    /// and `"body": null` next to a control call is a mistake to point at.
    private func rejectNulls(in object: ObjectReader, _ diagnostics: inout Diagnostics) {
        for key in object.fields.keys.sorted() where object.fields[key] == .null {
            diagnostics.report(object.path.key(key), "null is not allowed here: leave the property out")
        }
    }

    private func rejectKeys(_ keys: [String], in step: ObjectReader, only: String, _ diagnostics: inout Diagnostics) {
        for key in keys where step.has(key) {
            diagnostics.report(step.path.key(key), "only \(only) takes '\(key)'")
        }
    }

    /// `"control": "POST /_mockentra/signin"` with an optional JSON `body`.
    private func controlStep(_ step: ObjectReader, earlierIds: Set<String>, _ diagnostics: inout Diagnostics) -> ControlStep? {
        let path = step.path.key("control")
        guard let text = step.string("control", &diagnostics) else { return nil }
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, let method = ControlStep.Method(rawValue: String(parts[0])),
              parts[1].hasPrefix("/_mockentra/"), parts[1].count > "/_mockentra/".count,
              !parts[1].unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F
                  || $0 == "#" }) else {
            diagnostics.report(path, "expected \"METHOD /_mockentra/…\" with GET, POST or DELETE, e.g. \"POST /_mockentra/signin\"")
            return nil
        }
        checkReferences(in: String(parts[1]), at: path, earlierIds: earlierIds, &diagnostics)
        var body: JSONValue?
        if let value = step.present("body") {
            if method != .POST { diagnostics.report(step.path.key("body"), "only a POST takes a body") }
            guard case .object = value else {
                diagnostics.report(step.path.key("body"), "expected an object, found \(value.kindDescription)")
                return nil
            }
            checkBody(value, at: step.path.key("body"), earlierIds: earlierIds, &diagnostics)
            body = value
        }
        guard let expect = expectation(step.object("expect", &diagnostics), &diagnostics) else { return nil }
        return ControlStep(method: method, path: String(parts[1]), body: body, expect: expect)
    }

    /// A body's depth is bounded as every JSON the server reads is (`JSONValue.maximumDepth`);
    /// the path of a value is only spelt out when there is a problem to report.
    private func checkBody(_ value: JSONValue, at base: JSONPath, earlierIds: Set<String>, _ diagnostics: inout Diagnostics) {
        enum Step { case key(String), index(Int) }
        func path(_ steps: [Step]) -> JSONPath {
            steps.reduce(base) { path, step in
                switch step {
                case .key(let key): return path.key(Spelling.excerpt(key))
                case .index(let index): return path.index(index)
                }
            }
        }
        func walk(_ value: JSONValue, _ steps: [Step], _ diagnostics: inout Diagnostics) {
            // The server's parser counts the outermost container as level 1.
            if value.arrayValue != nil || value.objectValue != nil, steps.count >= JSONValue.maximumDepth {
                diagnostics.report(path(steps), "a body nests at most \(JSONValue.maximumDepth) levels deep")
                return
            }
            switch value {
            case .string(let text):
                checkReferences(in: text, earlierIds: earlierIds) { diagnostics.report(path(steps), $0) }
            case .array(let elements):
                for (index, element) in elements.enumerated() { walk(element, steps + [.index(index)], &diagnostics) }
            case .object(let members):
                for key in members.keys.sorted() { walk(members[key]!, steps + [.key(key)], &diagnostics) }
            case .number(let number) where !number.isFinite:
                diagnostics.report(path(steps), "a JSON body cannot hold Infinity or NaN")
            case .null, .bool, .number:
                break
            }
        }
        walk(value, [], &diagnostics)
    }

    private func checkReferences(in text: String, at path: JSONPath, earlierIds: Set<String>, _ diagnostics: inout Diagnostics) {
        checkReferences(in: text, earlierIds: earlierIds) { diagnostics.report(path, $0) }
    }

    private func checkReferences(in text: String, earlierIds: Set<String>, report: (String) -> Void) {
        switch StepReference.parse(text) {
        case .failure(let error):
            report(error.reason)
        case .success(let parts):
            for case .reference(let reference) in parts where !earlierIds.contains(reference.stepId) {
                report("'{{\(reference.stepId).\(reference.field)}}' names no earlier request step with id '\(reference.stepId)'")
            }
        }
    }

    private func clockStep(_ step: ObjectReader, _ diagnostics: inout Diagnostics) -> ScenarioStep.Action? {
        let path = step.path.key("advanceClock")
        guard case .number(let seconds)? = step.present("advanceClock"), seconds.isFinite,
              seconds > 0, seconds <= Self.longestClockStep else {
            diagnostics.report(path, "expected a number of seconds greater than 0 and at most \(Int(Self.longestClockStep)) (a year)")
            return nil
        }
        return .advanceClock(seconds: seconds)
    }

    private func tokenStep(_ step: ObjectReader, earlierIds: Set<String>, _ diagnostics: inout Diagnostics) -> TokenStep? {
        var tenant = directory.tenants.first?.id ?? ""
        if let segment = step.string("tenant", &diagnostics) {
            if directory.tenant(matching: segment) == nil && !Directory.tenantlessSegments.contains(segment.lowercased()) {
                diagnostics.report(step.path.key("tenant"), "no tenant of this scenario has the id or domain '\(Spelling.excerpt(segment))'")
            }
            tenant = segment
        }
        let version = step.enumValue("version", TokenStep.EndpointVersion.self, &diagnostics) ?? .v2
        let endpoint = step.enumValue("endpoint", TokenStep.Endpoint.self, &diagnostics) ?? .token
        let form = stringPairs(step, "form", earlierIds: earlierIds, &diagnostics)
        let headers = stringPairs(step, "headers", earlierIds: earlierIds, &diagnostics)
        let expect = expectation(step.object("expect", &diagnostics), &diagnostics)
        guard let expect else { return nil }
        return TokenStep(tenant: tenant, version: version, endpoint: endpoint, form: form, headers: headers, expect: expect)
    }

    /// An object of string members, in name order (a JSON object keeps none); every
    /// `{{id.field}}` must name an earlier token or control step. A null member is an error here, not
    /// "absent": a request silently sent without its `client_secret` would test something else.
    private func stringPairs(_ step: ObjectReader, _ key: String, earlierIds: Set<String>,
                             _ diagnostics: inout Diagnostics) -> [(name: String, value: String)] {
        guard let object = step.object(key, &diagnostics) else { return [] }
        var pairs: [(name: String, value: String)] = []
        for name in object.fields.keys.sorted() {
            let path = object.path.key(name)
            guard case .string(let value)? = object.fields[name] else {
                diagnostics.report(path, "expected a string, found \(object.fields[name]?.kindDescription ?? "nothing")")
                continue
            }
            checkReferences(in: value, at: path, earlierIds: earlierIds, &diagnostics)
            pairs.append((name: name, value: value))
        }
        return pairs
    }

    private func expectation(_ object: ObjectReader?, _ diagnostics: inout Diagnostics) -> StepExpectation? {
        guard let object else {
            return StepExpectation(status: nil, error: nil, code: nil, suberror: nil, response: [:], claims: [:],
                                   absentClaims: [], idTokenClaims: [:])
        }
        object.rejectUnknownKeys(allowed: Self.expectKeys, &diagnostics)
        rejectNulls(in: object, &diagnostics)
        let status = object.integer("status", in: 100...599, &diagnostics)
        let code = object.integer("code", in: 1...9_999_999, &diagnostics)
        let members = { (key: String, diagnostics: inout Diagnostics) -> [String: JSONValue] in
            object.object(key, &diagnostics)?.fields ?? [:]
        }
        let failureNamed = ["error", "code", "suberror"].filter { object.has($0) }
        if let status, (200...299).contains(status), let first = failureNamed.first {
            diagnostics.report(object.path.key("status"), "a \(status) response has no '\(first)': expect an error status or leave 'status' out")
        }
        return StepExpectation(status: status, error: object.string("error", &diagnostics), code: code,
                               suberror: object.string("suberror", &diagnostics),
                               response: members("response", &diagnostics), claims: members("claims", &diagnostics),
                               absentClaims: object.strings("absentClaims", &diagnostics).map(\.text),
                               idTokenClaims: members("idTokenClaims", &diagnostics))
    }
}
