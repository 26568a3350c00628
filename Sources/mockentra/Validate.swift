import EntraDirectory
import Foundation

/// `mockentra validate FILE…`: every problem of every file, one per line; exit 65 if any.
enum Validate {
    static func run(_ files: [String]) -> Int32 {
        var failed = false
        for file in files {
            do {
                let scenario = try ScenarioLoader.load(file: file)
                let tenants = scenario.directory.tenants.map(\.defaultDomain).joined(separator: ", ")
                print("\(file): ok (\(tenants))")
            } catch {
                failed = true
                report(error)
            }
        }
        return failed ? ExitCode.invalidScenario : 0
    }
}
