// Reads a scenario's `steps`: shape, tenants and `{{id.field}}` references are all checked here,
// so `mockentra check` never starts on a step it cannot run.
import JOSE

struct StepLoader {
    let directory: Directory

    static let stepKeys = ["name", "id", "tenant", "version", "form", "headers", "expect", "advanceClock"]
    static let expectKeys = ["status", "error", "code", "suberror", "response", "claims", "absentClaims", "idTokenClaims"]
    /// A year: enough to expire anything Entra issues, short of overflowing a date.
    static let longestClockStep = 366.0 * 24 * 3600

    func load(_ root: ObjectReader, _ diagnostics: inout Diagnostics) -> [ScenarioStep] {
        var steps: [ScenarioStep] = []
        var tokenStepIds: Set<String> = []
        var allIds: Set<String> = []
        for (position, step) in root.objects("steps", &diagnostics).enumerated() {
            step.rejectUnknownKeys(allowed: Self.stepKeys, &diagnostics)
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
            switch (step.has("form"), step.has("advanceClock")) {
            case (true, true):
                diagnostics.report(step.path, "give either 'form' (a token request) or 'advanceClock', not both")
                action = nil
            case (false, false):
                diagnostics.report(step.path, "required property 'form' (a token request) or 'advanceClock' is missing")
                action = nil
            case (false, true):
                for key in ["tenant", "version", "headers", "expect"] where step.has(key) {
                    diagnostics.report(step.path.key(key), "only a token request ('form') takes '\(key)'")
                }
                action = clockStep(step, &diagnostics)
            case (true, false):
                action = tokenStep(step, earlierIds: tokenStepIds, &diagnostics).map { .token($0) }
            }
            if let action {
                steps.append(ScenarioStep(name: name, id: id, action: action, path: step.path.text))
                if case .token = action, let id { tokenStepIds.insert(id) }
            }
        }
        return steps
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
            let keywords = ["common", "organizations", "consumers"]
            if directory.tenant(matching: segment) == nil && !keywords.contains(segment.lowercased()) {
                diagnostics.report(step.path.key("tenant"), "no tenant of this scenario has the id or domain '\(Spelling.excerpt(segment))'")
            }
            tenant = segment
        }
        let version = step.enumValue("version", TokenStep.EndpointVersion.self, &diagnostics) ?? .v2
        let form = stringPairs(step, "form", earlierIds: earlierIds, &diagnostics)
        let headers = stringPairs(step, "headers", earlierIds: earlierIds, &diagnostics)
        let expect = expectation(step.object("expect", &diagnostics), &diagnostics)
        guard let expect else { return nil }
        return TokenStep(tenant: tenant, version: version, form: form, headers: headers, expect: expect)
    }

    /// An object of string members, in name order (a JSON object keeps none); every
    /// `{{id.field}}` must name an earlier token step. A null member is an error here, not
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
            switch StepReference.parse(value) {
            case .failure(let error):
                diagnostics.report(path, error.reason)
            case .success(let parts):
                for case .reference(let reference) in parts where !earlierIds.contains(reference.stepId) {
                    diagnostics.report(path, "'{{\(reference.stepId).\(reference.field)}}' names no earlier token step with id '\(reference.stepId)'")
                }
            }
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
        let status = integer(object, "status", in: 100...599, &diagnostics)
        let code = integer(object, "code", in: 1...9_999_999, &diagnostics)
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

    private func integer(_ object: ObjectReader, _ key: String, in range: ClosedRange<Int>, _ diagnostics: inout Diagnostics) -> Int? {
        guard let value = object.present(key) else { return nil }
        guard case .number(let number) = value, number == number.rounded(),
              number >= Double(range.lowerBound), number <= Double(range.upperBound) else {
            diagnostics.report(object.path.key(key), "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return Int(number)
    }
}
