import EntraDirectory
import Foundation
import MockEntra

/// `mockentra check FILE…`: runs each file's steps on a fresh emulator, one line per step, and
/// stops at the first unmet expectation (exit 1), printing what was expected and what came back.
enum Check {
    static func run(_ files: [String]) -> Int32 {
        for file in files {
            let scenario: Scenario
            do {
                scenario = try ScenarioLoader.load(file: file)
            } catch {
                report(error)
                return ExitCode.invalidScenario
            }
            if scenario.steps.isEmpty {
                print("\(file): no steps")
                continue
            }
            print("\(file): \(scenario.steps.count) steps")
            let passed: Bool
            do {
                passed = try ScenarioCheck.run(scenario) { result in
                    print("  \(result.passed ? "ok  " : "FAIL") \(result.step.name): \(result.summary)")
                    if !result.passed { print("       at \(result.step.path) in \(file)") }
                    for failure in result.failures { print("       \(failure)") }
                }
            } catch {
                fail("cannot load the signing keys: \(error)", code: ExitCode.unavailable)
            }
            if !passed {
                print("\(file): failed")
                return ExitCode.stepFailed
            }
            print("\(file): every step passed")
        }
        return 0
    }
}
