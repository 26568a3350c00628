import Foundation
import HTTPServer
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

    func addFault(_ body: [UInt8]) -> HTTPResponse {
        guard let request = ControlJSON.decode(FaultRequest.self, from: body) else {
            return .json(ControlError(error: "Expected a JSON object with any of clientId, grantType, status, error, code, message, retryAfter, times."),
                         status: 400)
        }
        let rule = request.rule
        if let problem = rule.problem { return .json(ControlError(error: problem), status: 400) }
        return .json(service.faults.add(rule), status: 201)
    }
}
