// Reads a scenario's `faults`: outages the served emulator starts with, answered to the first
// matching token requests (the same rules `POST /_mockentra/faults` adds at run time).
import JOSE

enum FaultLoader {
    static func load(_ root: ObjectReader, _ diagnostics: inout Diagnostics) -> [FaultRule] {
        let entries = root.objects("faults", &diagnostics)
        if entries.count > FaultRule.maximumInForce {
            diagnostics.report(root.path.key("faults"), "at most \(FaultRule.maximumInForce) fault rules can be in force")
        }
        return entries.compactMap { rule($0, &diagnostics) }
    }

    static func rule(_ entry: ObjectReader, _ diagnostics: inout Diagnostics) -> FaultRule? {
        entry.rejectUnknownKeys(allowed: FaultRule.keys, &diagnostics)
        // The ranges `FaultRule.problem` checks; a bad value is reported here, once, at its path.
        let status = entry.integer("status", in: FaultRule.statusRange, &diagnostics)
        let code = entry.integer("code", in: FaultRule.codeRange, &diagnostics)
        let retryAfter = entry.integer("retryAfter", in: FaultRule.retryAfterRange, &diagnostics)
        let times = entry.integer("times", in: FaultRule.timesRange, &diagnostics)
        let rule = FaultRule(clientId: entry.string("clientId", &diagnostics), grantType: entry.string("grantType", &diagnostics),
                             status: status ?? 503, error: entry.string("error", &diagnostics), code: code,
                             message: entry.string("message", &diagnostics), retryAfter: retryAfter, times: times ?? 1)
        if let problem = rule.problem {
            diagnostics.report(entry.path, problem)
            return nil
        }
        return rule
    }
}

extension FaultRule {
    /// One rule from JSON (the test-control API's POST body), with the problems a scenario file's
    /// rule would have, at paths from `$`.
    public static func parse(_ value: JSONValue) -> Result<FaultRule, ScenarioLoadError> {
        var diagnostics = Diagnostics(file: "request body")
        guard let entry = ObjectReader(value, at: .root, &diagnostics),
              let rule = FaultLoader.rule(entry, &diagnostics), diagnostics.problems.isEmpty else {
            return .failure(ScenarioLoadError(problems: diagnostics.problems))
        }
        return .success(rule)
    }
}
