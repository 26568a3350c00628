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

    /// The POST body: every member optional (`{}` is one 503 for any token request).
    struct FaultRequest: Decodable {
        let clientId: String?
        let grantType: String?
        let status: Int?
        let error: String?
        let code: Int?
        let message: String?
        let retryAfter: Int?
        let times: Int?

        var rule: FaultRule {
            FaultRule(clientId: clientId, grantType: grantType, status: status ?? 503, error: error, code: code,
                      message: message, retryAfter: retryAfter, times: times ?? 1)
        }
    }

    static let faultKeys = Set(FaultRule.keys)

    func addFault(_ body: [UInt8]) -> HTTPResponse {
        let expected = "Expected a JSON object with any of \(Self.faultKeys.sorted().joined(separator: ", "))."
        // A misspelt filter (`client_id`) must not quietly become a rule that fails every request.
        guard case .object(let members)? = try? JSONValue.parseStrict(body) else {
            return .json(ControlError(error: expected), status: 400)
        }
        if let unknown = members.keys.sorted().first(where: { !Self.faultKeys.contains($0) }) {
            return .json(ControlError(error: "Unknown member '\(unknown)'. \(expected)"), status: 400)
        }
        guard let request = ControlJSON.decode(FaultRequest.self, from: body) else {
            return .json(ControlError(error: expected), status: 400)
        }
        let rule = request.rule
        if let problem = rule.problem { return .json(ControlError(error: problem), status: 400) }
        guard let entry = service.faults.add(rule) else {
            return .json(ControlError(error: "At most \(FaultInjector.capacity) fault rules can be in force; DELETE /_mockentra/faults first."),
                         status: 409)
        }
        return .json(entry, status: 201)
    }
}
