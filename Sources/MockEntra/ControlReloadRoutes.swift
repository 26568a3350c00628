import Foundation
import EntraDirectory
import HTTPServer

/// `POST /_mockentra/scenario/reload`: reads the scenario file again and serves it from the next
/// request on, without a restart (ports, keys, records, codes, refresh tokens, sessions, the
/// clock and faults stay). A file with problems changes nothing: the answer lists the problems
/// as `mockentra validate` would, and the previous scenario is still served.
extension ControlRoutes {
    struct ReloadResult: Encodable {
        let scenario: String
        let tenants: [String]
        let applications: Int
        let users: Int
    }

    struct ReloadFailure: Encodable {
        let error: String
        let problems: [String]
    }

    func reloadScenario() -> HTTPResponse {
        guard let file = scenarioFile else {
            return .json(ControlError(error: "This server was started from a scenario in memory: there is no file to reload."),
                         status: 409)
        }
        do {
            let scenario = try ScenarioLoader.load(file: file)
            service.replaceDirectory(scenario.directory)
            let tenants = scenario.directory.tenants
            return .json(ReloadResult(scenario: file, tenants: tenants.map(\.defaultDomain),
                                      applications: tenants.reduce(0) { $0 + $1.applications.filter { !$0.isBuiltIn }.count },
                                      users: tenants.reduce(0) { $0 + $1.users.count }))
        } catch {
            return .json(ReloadFailure(error: "The scenario file has problems; the previous scenario is still served.",
                                       problems: error.problems.map(\.description)), status: 400)
        }
    }
}
