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

    private static func rule(_ entry: ObjectReader, _ diagnostics: inout Diagnostics) -> FaultRule? {
        entry.rejectUnknownKeys(allowed: FaultRule.keys, &diagnostics)
        func integer(_ key: String) -> Int?? {
            guard let value = entry.present(key) else { return .some(nil) }
            guard case .number(let number) = value, number == number.rounded(), abs(number) < 1e9 else {
                diagnostics.report(entry.path.key(key), "expected a whole number, found \(value.kindDescription)")
                return nil
            }
            return .some(Int(number))
        }
        guard let status = integer("status"), let code = integer("code"), let retryAfter = integer("retryAfter"),
              let times = integer("times") else { return nil }
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
