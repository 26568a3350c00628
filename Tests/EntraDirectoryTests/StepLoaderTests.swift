import XCTest
@testable import EntraDirectory
import JOSE

/// A scenario's `steps`: what `mockentra check` runs. Every mistake is a load problem at its path.
final class StepLoaderTests: XCTestCase {
    private func steps(_ json: String) -> String { scenario(extra: "\"steps\": [ \(json) ]") }

    func testTokenAndClockStepsAreRead() throws {
        let loaded = try loadScenario(steps("""
            { "name": "ann signs in", "id": "ann", "form": { "grant_type": "password", "scope": "openid" },
              "headers": { "client-request-id": "7" },
              "expect": { "claims": { "scp": "a b" }, "absentClaims": ["upn"], "response": { "token_type": "Bearer" } } },
            { "advanceClock": 90 },
            { "tenant": "fabrikam.example", "version": "v1", "form": { "refresh_token": "{{ann.refresh_token}}" },
              "expect": { "status": 400, "error": "invalid_grant", "code": 70008, "suberror": "bad_token" } }
            """))
        XCTAssertEqual(loaded.steps.count, 3)
        let tenantId = loaded.directory.tenants[0].id
        guard case .token(let first) = loaded.steps[0].action else { return XCTFail("\(loaded.steps[0])") }
        XCTAssertEqual(loaded.steps[0].name, "ann signs in")
        XCTAssertEqual(loaded.steps[0].id, "ann")
        XCTAssertEqual(loaded.steps[0].path, "steps[0]")
        XCTAssertEqual(first.tenant, tenantId, "the first tenant by default")
        XCTAssertEqual(first.version, .v2)
        XCTAssertEqual(first.form.map(\.name), ["grant_type", "scope"])
        XCTAssertEqual(first.headers.map(\.value), ["7"])
        XCTAssertEqual(first.expect.claims, ["scp": .string("a b")])
        XCTAssertEqual(first.expect.absentClaims, ["upn"])
        XCTAssertTrue(first.expect.expectsSuccess)
        XCTAssertEqual(loaded.steps[1].action, .advanceClock(seconds: 90))
        XCTAssertEqual(loaded.steps[1].name, "step 2")
        guard case .token(let third) = loaded.steps[2].action else { return XCTFail("\(loaded.steps[2])") }
        XCTAssertEqual(third.tenant, "fabrikam.example")
        XCTAssertEqual(third.version, .v1)
        XCTAssertEqual(third.expect.code, 70008)
        XCTAssertFalse(third.expect.expectsSuccess)
    }

    func testNoStepsIsAnEmptyList() throws {
        XCTAssertEqual(try loadScenario(scenario()).steps, [])
    }

    func testAStepIsATokenRequestOrAClockStepNotBoth() {
        assertSingleProblem(steps(#"{ "form": {}, "advanceClock": 5 }"#), path: "steps[0]", reason: "not 'form' and 'advanceClock'")
        assertSingleProblem(steps(#"{ "name": "nothing" }"#), path: "steps[0]", reason: "'form'")
        assertSingleProblem(steps(#"{ "advanceClock": 5, "expect": {} }"#), path: "steps[0].expect", reason: "only a token request or a control call takes 'expect'")
    }

    func testClockStepsMoveForwardByAtMostAYear() {
        for bad in ["0", "-5", "\"60\"", "40000000"] {
            assertSingleProblem(steps("{ \"advanceClock\": \(bad) }"), path: "steps[0].advanceClock", reason: "seconds")
        }
    }

    func testUnknownPropertiesAreReported() {
        assertSingleProblem(steps(#"{ "form": {}, "expct": {} }"#), path: "steps[0]", reason: "did you mean 'expect'")
        assertSingleProblem(steps(#"{ "form": {}, "expect": { "claim": {} } }"#), path: "steps[0].expect", reason: "did you mean 'claims'")
    }

    func testIdsAreNamesAndUnique() {
        assertSingleProblem(steps(#"{ "id": "a.b", "form": {} }"#), path: "steps[0].id", reason: "not a step id")
        assertSingleProblem(steps(#"{ "id": "a", "form": {} }, { "id": "a", "advanceClock": 1 }"#), path: "steps[1].id", reason: "duplicate step id 'a'")
    }

    func testReferencesNameAnEarlierTokenStep() {
        assertSingleProblem(steps(#"{ "form": { "assertion": "{{later.access_token}}" } }, { "id": "later", "form": {} }"#),
                            path: "steps[0].form.assertion", reason: "no earlier request step with id 'later'")
        assertSingleProblem(steps(#"{ "id": "tick", "advanceClock": 1 }, { "headers": { "x": "{{tick.access_token}}" }, "form": {} }"#),
                            path: "steps[1].headers.x", reason: "no earlier request step")
        assertSingleProblem(steps(#"{ "id": "a", "form": {} }, { "form": { "assertion": "{{a.access_token" } }"#),
                            path: "steps[1].form.assertion", reason: "without a closing")
        assertSingleProblem(steps(#"{ "id": "a", "form": {} }, { "form": { "assertion": "{{a}}" } }"#),
                            path: "steps[1].form.assertion", reason: "{{stepId.field}}")
    }

    func testFormValuesAndExpectationsAreTyped() {
        assertSingleProblem(steps(#"{ "form": { "scope": 5 } }"#), path: "steps[0].form.scope", reason: "expected a string")
        assertSingleProblem(steps(#"{ "form": {}, "expect": { "status": 999 } }"#), path: "steps[0].expect.status", reason: "whole number")
        assertSingleProblem(steps(#"{ "form": {}, "expect": { "code": 6.5 } }"#), path: "steps[0].expect.code", reason: "whole number")
        assertSingleProblem(steps(#"{ "form": {}, "expect": { "claims": [] } }"#), path: "steps[0].expect.claims", reason: "expected an object")
        assertSingleProblem(steps(#"{ "form": {}, "version": "v3" }"#), path: "steps[0].version", reason: "v2")
    }

    func testControlStepsCallTheTestControlAPI() throws {
        let loaded = try loadScenario(steps("""
            { "id": "signin", "control": "POST /_mockentra/signin", "body": { "username": "ann@fabrikam.test", "mfa": true } },
            { "control": "DELETE /_mockentra/faults", "expect": { "status": 204 } },
            { "form": { "code": "{{signin.code}}" } }
            """))
        XCTAssertEqual(loaded.steps.count, 3)
        guard case .control(let first) = loaded.steps[0].action else { return XCTFail("\(loaded.steps[0])") }
        XCTAssertEqual(first.method, .POST)
        XCTAssertEqual(first.path, "/_mockentra/signin")
        XCTAssertEqual(first.body?["mfa"], .bool(true))
        XCTAssertTrue(first.expect.expectsSuccess)
    }

    func testControlStepsAreChecked() {
        for bad in ["\"PATCH /_mockentra/x\"", "\"POST /oauth2/token\"", "\"POST /_mockentra/\"", "\"GET  /_mockentra/clock\"",
                    "\"GET /_mockentra/exchanges#x\""] {
            assertSingleProblem(steps("{ \"control\": \(bad) }"), path: "steps[0].control", reason: "METHOD /_mockentra/")
        }
        assertSingleProblem(steps(#"{ "control": "GET /_mockentra/clock", "body": {} }"#), path: "steps[0].body", reason: "only a POST")
        assertSingleProblem(steps(#"{ "control": "POST /_mockentra/clock", "body": [] }"#), path: "steps[0].body", reason: "expected an object")
        assertSingleProblem(steps(#"{ "control": "POST /_mockentra/signin", "body": { "a": ["{{x.code}}"] } }"#),
                            path: "steps[0].body.a[0]", reason: "no earlier request step with id 'x'")
        assertSingleProblem(steps(#"{ "control": "POST /_mockentra/clock", "tenant": "common" }"#), path: "steps[0].tenant", reason: "only a token request")
        assertSingleProblem(steps(#"{ "form": {}, "body": {} }"#), path: "steps[0].body", reason: "only a control call")
        assertSingleProblem(steps(#"{ "form": {}, "control": "GET /_mockentra/clock" }"#), path: "steps[0]", reason: "not 'form' and 'control'")
        assertSingleProblem(steps(#"{ "control": "POST /_mockentra/devicecodes/{{nobody.user_code}}/approve" }"#),
                            path: "steps[0].control", reason: "no earlier request step with id 'nobody'")
        assertSingleProblem(steps(#"{ "control": "POST /_mockentra/clock", "body": { "advanceSeconds": Infinity } }"#),
                            path: "steps[0].body.advanceSeconds", reason: "Infinity or NaN")
        assertSingleProblem(steps(#"{ "control": "POST /_mockentra/clock", "body": null }"#), path: "steps[0].body", reason: "null is not allowed")
        assertSingleProblem(steps(#"{ "control": "GET /_mockentra/clo\u001fck" }"#), path: "steps[0].control", reason: "METHOD /_mockentra/")
        assertSingleProblem(steps(#"{ "control": "GET /_mockentra/clock", "endpoint": "devicecode" }"#), path: "steps[0].endpoint", reason: "only a token request")
        XCTAssertNoThrow(try loadScenario(steps(#"{ "control": "GET /_mockentra/exchanges?client_id=x&outcome=error" }"#)), "a query is fine")
        func nested(_ levels: Int) -> String { String(repeating: #"{"a":"#, count: levels) + "1" + String(repeating: "}", count: levels) }
        let problems = problems(steps(#"{ "control": "POST /_mockentra/clock", "body": \#(nested(33)) }"#))
        XCTAssertEqual(problems.count, 1, "\(problems)")
        XCTAssertTrue(problems.first?.reason.contains("at most 32 levels") ?? false, "\(problems)")
        // Exactly the server's limit loads, and the server's own parser takes it.
        XCTAssertNoThrow(try loadScenario(steps(#"{ "control": "POST /_mockentra/clock", "body": \#(nested(32)) }"#)))
        XCTAssertNoThrow(try JSONValue.parseStrict(Array(nested(32).utf8)))
        XCTAssertThrowsError(try JSONValue.parseStrict(Array(nested(33).utf8)))
    }

    func testANullFormValueIsAnErrorNotAnOmission() {
        assertSingleProblem(steps(#"{ "form": { "client_secret": null } }"#), path: "steps[0].form.client_secret", reason: "found null")
        assertSingleProblem(steps(#"{ "form": {}, "headers": { "x": null } }"#), path: "steps[0].headers.x", reason: "found null")
    }

    func testASuccessStatusCannotComeWithAnError() {
        assertSingleProblem(steps(#"{ "form": {}, "expect": { "status": 200, "code": 65001 } }"#),
                            path: "steps[0].expect.status", reason: "a 200 response has no 'code'")
        XCTAssertNoThrow(try loadScenario(steps(#"{ "form": {}, "expect": { "status": 401, "error": "invalid_client" } }"#)))
    }

    func testTheTenantMustBeOneOfTheScenarioOrAKeyword() throws {
        assertSingleProblem(steps(#"{ "tenant": "contoso.test", "form": {} }"#), path: "steps[0].tenant", reason: "no tenant of this scenario")
        XCTAssertEqual(try loadScenario(steps(#"{ "tenant": "organizations", "form": {} }"#)).steps.count, 1)
    }

    func testReferenceParsing() {
        XCTAssertEqual(try StepReference.parse("Bearer {{a-1.access_token}}!").get(),
                       [.literal("Bearer "), .reference(.init(stepId: "a-1", field: "access_token")), .literal("!")])
        XCTAssertEqual(try StepReference.parse("plain").get(), [.literal("plain")])
        XCTAssertEqual(try StepReference.parse("").get(), [])
        for bad in ["{{a.b.c}}", "{{.b}}", "{{a.}}", "{{a b.c}}", "x {{a.b"] {
            XCTAssertThrowsError(try StepReference.parse(bad).get(), bad)
        }
    }
}
