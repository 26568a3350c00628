import XCTest
@testable import EntraDirectory

/// A scenario's `faults`: the rules the control API takes, checked the same way, at their paths.
final class FaultLoaderTests: XCTestCase {
    func testRulesAreReadWithTheControlAPIsDefaults() throws {
        let loaded = try loadScenario(scenario(extra: """
            "faults": [ { "clientId": "ABC", "grantType": "password", "status": 429, "retryAfter": 2, "times": 3 }, {} ],
            """))
        XCTAssertEqual(loaded.faults, [FaultRule(clientId: "abc", grantType: "password", status: 429, retryAfter: 2, times: 3), FaultRule()])
        XCTAssertEqual(loaded.faults[1].status, 503)
        XCTAssertEqual(loaded.faults[1].code, 90006)
    }

    func testBadRulesAreProblemsAtTheirPaths() {
        assertSingleProblem(scenario(extra: #""faults": [ { "status": 200 } ],"#), path: "faults[0].status", reason: "whole number from 400 to 599")
        assertSingleProblem(scenario(extra: #""faults": [ { "grantType": "device_code" } ],"#), path: "faults[0]", reason: "grantType must be")
        assertSingleProblem(scenario(extra: #""faults": [ { "times": 2.5 } ],"#), path: "faults[0].times", reason: "whole number")
        assertSingleProblem(scenario(extra: #""faults": [ { "client_id": "x" } ],"#), path: "faults[0]", reason: "unknown property 'client_id'")
        assertSingleProblem(scenario(extra: #""faults": [ { "message": "" } ],"#), path: "faults[0]", reason: "message must be")
        let tooMany = "\"faults\": [" + Array(repeating: "{}", count: 101).joined(separator: ",") + "],"
        assertSingleProblem(scenario(extra: tooMany), path: "faults", reason: "at most 100")
    }
}
