import Foundation
import XCTest
@testable import EntraDirectory

/// Repository paths, found from this file so tests run from any working directory.
enum RepositoryPaths {
    static let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let scenarios = root.appendingPathComponent("Scenarios")
    static let keys = root.appendingPathComponent("Keys")
}

/// Loads scenario text as if it were `test.json` in the Scenarios folder.
func loadScenario(_ text: String) throws(ScenarioLoadError) -> Scenario {
    try ScenarioLoader.load(bytes: Array(text.utf8), fileName: "test.json", baseDirectory: RepositoryPaths.scenarios.path)
}

/// The problems of a scenario that must not load.
func problems(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [ScenarioProblem] {
    do {
        _ = try loadScenario(text)
        XCTFail("expected the scenario to be rejected", file: file, line: line)
        return []
    } catch {
        return error.problems
    }
}

/// Asserts that `text` yields exactly one problem at `path` whose reason contains `reason`.
func assertSingleProblem(_ text: String, path: String, reason: String, file: StaticString = #filePath, line: UInt = #line) {
    let found = problems(text, file: file, line: line)
    XCTAssertEqual(found.count, 1, "problems: \(found)", file: file, line: line)
    guard let problem = found.first else { return }
    XCTAssertEqual(problem.file, "test.json", file: file, line: line)
    XCTAssertEqual(problem.path, path, "\(problem)", file: file, line: line)
    XCTAssertTrue(problem.reason.contains(reason), "reason was: \(problem.reason)", file: file, line: line)
}

/// A small valid single-tenant scenario; `applications` and `extra` are spliced in.
func scenario(applications: String = "", extra: String = "") -> String {
    """
    {
      "tenant": { "defaultDomain": "fabrikam.test", "domains": ["fabrikam.example"] },
      "applications": [ \(applications) ],
      "users": [ { "userPrincipalName": "ann@fabrikam.test", "password": "pw" } ],
      \(extra)
    }
    """
}
