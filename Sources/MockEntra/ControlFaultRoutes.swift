import Foundation
import EntraDirectory
import HTTPServer
import JOSE
import TokenService

/// `/_mockentra/faults`: make the next matching token requests fail the way an Entra outage or
/// throttling does, so clients' retry paths can be tested. `POST` adds a rule, `GET` lists the
/// rules still in force, `DELETE` removes them all.
extension ControlRoutes {
    struct FaultList: Encodable {
        let faults: [FaultInjector.Entry]
    }

    /// The POST body is one rule as a scenario's `faults` holds it (every member optional: `{}`
    /// is one 503 for any token request), read and checked by the same code. A misspelt filter
    /// (`client_id`) is refused rather than becoming a rule that fails every request.
    func addFault(_ body: [UInt8]) -> HTTPResponse {
        guard let json = try? JSONValue.parseStrict(body) else {
            return .json(ControlError(error: "Expected a JSON object with any of \(FaultRule.keys.joined(separator: ", "))."), status: 400)
        }
        let rule: FaultRule
        switch FaultRule.parse(json) {
        case .success(let parsed): rule = parsed
        case .failure(let error):
            return .json(ControlError(error: error.problems.map { "\($0.path): \($0.reason)" }.joined(separator: "; ")), status: 400)
        }
        guard let entry = service.faults.add(rule) else {
            return .json(ControlError(error: "At most \(FaultRule.maximumInForce) fault rules can be in force; DELETE /_mockentra/faults first."),
                         status: 409)
        }
        return .json(entry, status: 201)
    }
}
