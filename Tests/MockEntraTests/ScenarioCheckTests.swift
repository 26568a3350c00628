import Foundation
import XCTest
import EntraDirectory
import JOSE
@testable import MockEntra

/// `mockentra check`: scenario steps run through the real routes, and the report says which
/// expectation failed and what came back.
final class ScenarioCheckTests: XCTestCase {
    private func load(steps: String) throws -> Scenario {
        try Repo.defaultScenario(adding: "\"steps\": [\(steps)]", fileName: "steps.json")
    }

    private func run(_ scenario: Scenario) throws -> (passed: Bool, results: [ScenarioCheck.StepResult]) {
        var results: [ScenarioCheck.StepResult] = []
        let passed = try ScenarioCheck.run(scenario, keysDirectory: Repo.keys) { results.append($0) }
        return (passed, results)
    }

    private let daemonToken = """
        "form": { "grant_type": "client_credentials", "client_id": "\(Default.daemon)",
                  "client_secret": "\(Default.daemonSecret)", "scope": "api://contoso-api/.default" }
        """

    func testEveryShippedScenarioPassesItsSteps() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repo.scenario(""))
            .filter { $0.hasSuffix(".json") && !$0.contains("schema") }.sorted()
        var stepsRun = 0
        for file in files {
            let scenario = try ScenarioLoader.load(file: Repo.scenario(file))
            let (passed, results) = try run(scenario)
            XCTAssertTrue(passed, "\(file): \(results.filter { !$0.passed }.map { "\($0.step.name): \($0.failures)" })")
            XCTAssertEqual(results.count, scenario.steps.count, file)
            stepsRun += results.count
        }
        XCTAssertGreaterThanOrEqual(stepsRun, 16, "the OBO and Conditional Access scenarios ship their rules as steps")
    }

    func testAPassingStepChecksStatusClaimsAndResponse() throws {
        let (passed, results) = try run(try load(steps: """
            { "name": "daemon", \(daemonToken),
              "expect": { "status": 200, "response": { "token_type": "Bearer", "expires_in": 3599 },
                          "claims": { "aud": "\(Default.api)", "azp": "\(Default.daemon)", "idtyp": "app" },
                          "absentClaims": ["scp"] } }
            """))
        XCTAssertTrue(passed, "\(results.map(\.failures))")
        XCTAssertEqual(results.first?.summary, "200: access token for \(Default.api)")
    }

    func testAnUnmetExpectationSaysWhatWasExpectedAndWhatCameBackAndStopsTheRun() throws {
        let (passed, results) = try run(try load(steps: """
            { "name": "wrong claims", \(daemonToken),
              "expect": { "claims": { "aud": "someone-else", "roles": ["Nope"] }, "absentClaims": ["azp"] } },
            { "name": "never runs", "advanceClock": 5 }
            """))
        XCTAssertFalse(passed)
        XCTAssertEqual(results.count, 1, "the run stops at the first failed step")
        let failures = try XCTUnwrap(results.first?.failures)
        XCTAssertTrue(failures.contains("access token claim 'aud': expected 'someone-else', got '\(Default.api)'"), "\(failures)")
        XCTAssertTrue(failures.contains { $0.hasPrefix("access token claim 'roles': expected ['Nope'], got ") }, "\(failures)")
        XCTAssertTrue(failures.contains("access token claim 'azp': expected absent, got '\(Default.daemon)'"), "\(failures)")
    }

    func testAnErrorIsComparedByCodeErrorAndStatus() throws {
        let wrongSecret = daemonToken.replacingOccurrences(of: Default.daemonSecret, with: "wrong")
        var (passed, results) = try run(try load(steps: """
            { \(wrongSecret), "expect": { "status": 401, "error": "invalid_client", "code": 7000215 } }
            """))
        XCTAssertTrue(passed, "\(results.map(\.failures))")
        XCTAssertEqual(results.first?.summary, "401 invalid_client AADSTS7000215")

        // A step with no expectation must succeed: an error response fails it.
        (passed, results) = try run(try load(steps: "{ \(wrongSecret) }"))
        XCTAssertFalse(passed)
        XCTAssertEqual(results.first?.failures, ["HTTP status: expected 200, got 401"])

        (passed, results) = try run(try load(steps: "{ \(wrongSecret), \"expect\": { \"code\": 7000222 } }"))
        XCTAssertEqual(results.first?.failures, ["AADSTS code: expected 7000222, got 7000215"])
    }

    func testReferencesCarryTokensBetweenStepsAndTheClockExpiresThem() throws {
        let (passed, results) = try run(try load(steps: """
            { "id": "alice", "form": { "grant_type": "password", "client_id": "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f",
              "username": "alice@contoso.test", "password": "alice-password", "scope": "api://contoso-api/access_as_user" } },
            { "name": "OBO with it", "form": { "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
              "requested_token_use": "on_behalf_of", "client_id": "\(Default.api)", "client_secret": "contoso-api-secret",
              "assertion": "{{alice.access_token}}", "scope": "https://graph.microsoft.com/User.Read" },
              "expect": { "claims": { "scp": "User.Read", "aud": "https://graph.microsoft.com" } } },
            { "advanceClock": 7200 },
            { "name": "expired now", "form": { "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
              "requested_token_use": "on_behalf_of", "client_id": "\(Default.api)", "client_secret": "contoso-api-secret",
              "assertion": "{{alice.access_token}}", "scope": "https://graph.microsoft.com/User.Read" },
              "expect": { "code": 500133 } }
            """))
        XCTAssertTrue(passed, "\(results.map { "\($0.step.name): \($0.summary) \($0.failures)" })")
        XCTAssertEqual(results.count, 4)
    }

    func testAReferenceToAMemberTheResponseLackedFailsTheStepWithoutSendingIt() throws {
        let (passed, results) = try run(try load(steps: """
            { "id": "daemon", \(daemonToken) },
            { "name": "refresh", "form": { "grant_type": "refresh_token", "refresh_token": "{{daemon.refresh_token}}" } }
            """))
        XCTAssertFalse(passed)
        XCTAssertEqual(results.last?.summary, "not sent")
        XCTAssertEqual(results.last?.failures, ["{{daemon.refresh_token}}: step 'daemon' returned no 'refresh_token'"])
    }

    func testHeadersIDTokensSuberrorsAndNumbersAreCheckedToo() throws {
        let alice = """
            "form": { "grant_type": "password", "client_id": "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f",
              "username": "alice@contoso.test", "password": "alice-password", "scope": "openid profile api://contoso-api/access_as_user" }
            """
        var (passed, results) = try run(try load(steps: """
            { "id": "alice", \(alice), "headers": { "client-request-id": "5f0c7c1e-2b7a-4c7e-9d51-2f8a6b3c4d5e" },
              "expect": { "idTokenClaims": { "preferred_username": "alice@contoso.test" },
                          "response": { "token_type": "Bearer" } } },
            { "name": "numbers become text", "headers": { "client-request-id": "{{alice.expires_in}}" }, \(alice) }
            """))
        XCTAssertTrue(passed, "\(results.map(\.failures))")

        (passed, results) = try run(try load(steps: """
            { \(alice), "expect": { "idTokenClaims": { "preferred_username": "bob@contoso.test" }, "suberror": "basic_action",
                                     "response": { "token_type": "pop" } } }
            """))
        XCTAssertFalse(passed)
        XCTAssertEqual(Set(results.first?.failures ?? []), [
            "suberror: expected basic_action, got none",
            "response 'token_type': expected 'pop', got 'Bearer'",
            "ID token claim 'preferred_username': expected 'bob@contoso.test', got 'alice@contoso.test'",
        ])

        // Claims expected of an error response: there is no token to read them from.
        (passed, results) = try run(try load(steps: """
            { \(daemonToken.replacingOccurrences(of: Default.daemonSecret, with: "wrong")),
              "expect": { "code": 7000215, "absentClaims": ["scp"], "idTokenClaims": { "sub": "x" } } }
            """))
        XCTAssertEqual(results.first?.failures, ["access token: expected one, got none", "ID token: expected one, got none"])
    }

    func testControlStepsReachTheTestControlAPIWithReferencesSubstituted() throws {
        let (passed, results) = try run(try load(steps: """
            { "id": "fault", "control": "POST /_mockentra/faults", "body": { "clientId": "\(Default.daemon)", "times": 1 },
              "expect": { "status": 201, "response": { "id": 1 } } },
            { \(daemonToken), "expect": { "status": 503, "code": 90006 } },
            { "control": "POST /_mockentra/faults",
              "body": { "clientId": "\(Default.daemon)", "message": "Fault {{fault.id}} again.", "times": "{{fault.id}}" },
              "expect": { "response": { "rule": { "clientId": "\(Default.daemon)", "message": "Fault 1 again.", "remaining": 1,
                                                  "status": 503, "error": "temporarily_unavailable", "code": 90006 } } } },
            { \(daemonToken), "expect": { "status": 503 } },
            { "control": "DELETE /_mockentra/faults" },
            { "id": "clock", "control": "GET /_mockentra/clock" },
            { "name": "a whole reference keeps its type", "control": "POST /_mockentra/clock",
              "body": { "advanceSeconds": "{{clock.offsetSeconds}}" } },
            { "name": "a POST without a body sends {}", "control": "POST /_mockentra/users/alice@contoso.test/revoke-sessions" },
            { "name": "an unknown control route is a failed step", "control": "GET /_mockentra/nothing-here" }
            """))
        XCTAssertFalse(passed)
        XCTAssertEqual(results.count, 9, "\(results.map { "\($0.step.name): \($0.summary) \($0.failures)" })")
        XCTAssertEqual(results[4].summary, "204")
        XCTAssertEqual(results[8].failures, ["HTTP status: expected 2xx, got 404"])
        XCTAssertTrue(results[8].summary.hasPrefix("404 No test-control route"), results[8].summary)
    }

    func testADeviceFlowIsScriptedThroughAReferenceInAControlPath() throws {
        let desktop = "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"
        let poll = #""form": { "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": "\#(desktop)", "device_code": "{{device.device_code}}" }"#
        let (passed, results) = try run(try load(steps: """
            { "id": "device", "endpoint": "devicecode", "form": { "client_id": "\(desktop)", "scope": "api://contoso-api/access_as_user" } },
            { \(poll), "expect": { "error": "authorization_pending" } },
            { "control": "POST /_mockentra/devicecodes/{{device.user_code}}/approve", "body": { "username": "alice@contoso.test" } },
            { \(poll), "expect": { "claims": { "scp": "access_as_user" } } }
            """))
        XCTAssertTrue(passed, "\(results.map { "\($0.step.name): \($0.summary) \($0.failures)" })")
    }

    func testReferencesArePercentEncodedInControlPathsAndRequestsStayWithinTheServersLimits() throws {
        var (passed, results) = try run(try load(steps: """
            { "id": "alice", "form": { "grant_type": "password", "client_id": "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f",
              "username": "alice@contoso.test", "password": "alice-password", "scope": "api://contoso-api/access_as_user" } },
            { "name": "a scope full of slashes stays one path segment", "control": "POST /_mockentra/users/{{alice.scope}}/revoke-sessions",
              "expect": { "status": 404 } }
            """))
        XCTAssertTrue(passed, "\(results.map { "\($0.step.name): \($0.summary) \($0.failures)" })")
        XCTAssertFalse(results[1].summary.contains("No test-control route"), "the route matched: \(results[1].summary)")

        // AADSTS700038 repeats the client id it got: each step sends the previous description twice,
        // doubling the request until it would pass the server's 1 MiB body limit, and is not sent.
        var steps = [#"{ "id": "s0", "form": { "grant_type": "client_credentials", "client_id": "x" }, "expect": { "code": 700038 } }"#]
        for index in 1...20 {
            steps.append(#"{ "id": "s\#(index)", "form": { "grant_type": "client_credentials", "#
                + #""client_id": "{{s\#(index - 1).error_description}}{{s\#(index - 1).error_description}}" }, "expect": { "code": 700038 } }"#)
        }
        (passed, results) = try run(try load(steps: steps.joined(separator: ",")))
        XCTAssertFalse(passed)
        XCTAssertLessThan(results.count, 21)
        XCTAssertEqual(results.last?.summary, "not sent")
        XCTAssertEqual(results.last?.failures.first?.hasPrefix("the server would refuse this request: 413"), true,
                       "\(results.last?.failures ?? [])")
    }

    /// Step headers go through the server's own parser: what a socket would refuse is not sent.
    func testAHeaderTheServerWouldRefuseIsNotSent() throws {
        for header in [#""X-Bad": "v\r\nInjected: 1""#, #""bad name": "v""#, #""": "v""#] {
            let (passed, results) = try run(try load(steps: #"{ \#(daemonToken), "headers": { \#(header) } }"#))
            XCTAssertFalse(passed, header)
            XCTAssertEqual(results.last?.summary, "not sent", header)
            XCTAssertEqual(results.last?.failures.first?.hasPrefix("the server would refuse this request: 400"), true,
                           "\(header): \(results.last?.failures ?? [])")
        }
    }

    func testArraysAndScopeListsCompareAsSets() {
        XCTAssertTrue(StepOutcomeReader.matches(.array([.string("a"), .string("b")]), .array([.string("b"), .string("a")]), name: "roles"))
        XCTAssertFalse(StepOutcomeReader.matches(.array([.string("a")]), .array([.string("a"), .string("b")]), name: "roles"))
        XCTAssertTrue(StepOutcomeReader.matches(.string("b a"), .string("a b"), name: "scp"))
        XCTAssertFalse(StepOutcomeReader.matches(.string("b a"), .string("a b"), name: "name"))
        XCTAssertFalse(StepOutcomeReader.matches(.string("a"), .string("a b"), name: "scope"))
        XCTAssertTrue(StepOutcomeReader.matches(.number(2), .number(2), name: "ver"))
        XCTAssertFalse(StepOutcomeReader.matches(.array(["a", "a", "b"]), .array(["a", "b", "b"]), name: "amr"), "each as often")
        XCTAssertFalse(StepOutcomeReader.matches(.object(["x": .array(["a", "b"])]), .object(["x": .array(["b", "a"])]), name: "cnf"),
                       "nested arrays compare exactly")
    }
}
