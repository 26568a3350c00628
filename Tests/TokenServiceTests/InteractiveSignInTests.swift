import Foundation
import XCTest
import EntraDirectory
import JOSE
@testable import TokenService

/// What an interactive sign-in must still do (on `Scenarios/conditional-access.json`): the MFA step
/// when a policy on the requested resource or the `claims` challenge a middle tier passed back
/// demands it, enrolment for users without MFA, the password again after the sign-in frequency,
/// and the one-time code itself (right, wrong, exhausted, expired, single use).
final class InteractiveSignInTests: XCTestCase {
    var fixture: Fixture!
    var service: TokenService { fixture.service }
    var tenant: Tenant { service.directory.tenants[0] }

    override func setUpWithError() throws {
        fixture = try Fixture(scenario: try CA.scenarioText)
    }

    func request(scope: String, claims: String? = nil, client: String = CA.assistant) throws -> AuthorizeRequest {
        var query = [("client_id", client), ("response_type", "code"), ("redirect_uri", "http://localhost"), ("scope", scope)]
        if let claims { query.append(("claims", claims)) }
        guard case .valid(let request) = service.validateAuthorize(query, tenant: CA.tenant) else {
            XCTFail("authorize request invalid")
            throw XCTSkip("authorize request invalid")
        }
        return request
    }

    func signIn(_ user: String = "alice@woodgrove.test", methods: [String] = ["pwd"]) throws -> Authentication {
        try service.signInWithoutPassword(userName: user, tenant: tenant, mfa: methods.contains("mfa")).get()
    }

    func step(_ authentication: Authentication, scope: String, claims: String? = nil) throws -> SignInDecision {
        service.nextStep(after: authentication, for: try request(scope: scope, claims: claims), remoteAddress: "127.0.0.1")
    }

    // MARK: When the step is needed

    func testNoPolicyOnTheResourceNeedsNothing() throws {
        let decision = try step(try signIn(), scope: CA.webAPIScope)
        XCTAssertEqual(decision.step.kind, "complete")
        XCTAssertNil(decision.step.error)
        XCTAssertEqual(decision.evaluations.first { $0.policyId == CA.sqlPolicy }?.result, .notApplied)
    }

    /// A policy on the requested resource itself: the step is taken at sign-in, with the error a
    /// silent request would get (50076 and the policy in `capolids`).
    func testPolicyOnTheRequestedResourceAsksForTheSecondFactor() throws {
        let decision = try step(try signIn(), scope: CA.sqlScope)
        XCTAssertEqual(decision.step.kind, "secondFactor")
        XCTAssertEqual(decision.step.error?.error.code, 50076)
        XCTAssertEqual(decision.step.error?.error.error, "interaction_required")
        XCTAssertEqual(decision.step.error?.error.claims, CA.sqlCapolids)
        XCTAssertEqual(decision.evaluations.first { $0.policyId == CA.sqlPolicy }?.result, .failure)
        XCTAssertEqual(try step(try signIn(methods: ["pwd", "mfa"]), scope: CA.sqlScope).step.kind, "complete")
    }

    /// A sign-in asking consent for several resources meets the policies of the first: the resource
    /// a redemption without `scope` gets its token for. The others are met when their tokens are asked for.
    func testSeveralResourcesAreJudgedByTheFirst() throws {
        let sql = "https://database.windows.net//user_impersonation"
        let sqlFirst = try step(try signIn(), scope: "\(sql) \(CA.webAPIScope)")
        XCTAssertEqual(sqlFirst.step.kind, "secondFactor")
        XCTAssertEqual(sqlFirst.step.error?.error.claims, CA.sqlCapolids)
        XCTAssertEqual(try step(try signIn(), scope: "\(CA.webAPIScope) \(sql)").step.kind, "complete")
    }

    /// The OBO round trip's middle step: the client re-acquires a token for the *Web API* with the
    /// challenge the OBO hop returned. No policy targets the Web API, yet the challenge names the
    /// Azure SQL policy, so the sign-in must perform MFA. A session with MFA already satisfies it.
    func testCapolidsChallengeForAnotherResourceDemandsMFA() throws {
        let decision = try step(try signIn(), scope: CA.webAPIScope, claims: CA.sqlCapolids)
        XCTAssertEqual(decision.step.kind, "secondFactor")
        XCTAssertEqual(decision.step.error?.error.code, 50076)
        XCTAssertEqual(decision.step.error?.error.claims, CA.sqlCapolids)
        XCTAssertEqual(try step(try signIn(methods: ["pwd", "mfa"]), scope: CA.webAPIScope, claims: CA.sqlCapolids).step.kind, "complete")
        // The break-glass account is excluded from the policy on Azure SQL: a challenge naming it
        // asks nothing of that user.
        XCTAssertEqual(try step(try signIn("breakglass@woodgrove.test"), scope: CA.webAPIScope, claims: CA.sqlCapolids).step,
                       .complete)
    }

    func testUnknownDisabledOrNonMFAPoliciesInAChallengeDemandNothing() throws {
        let unknown = #"{"access_token":{"capolids":{"essential":true,"values":["00000000-0000-0000-0000-000000000000"]}}}"#
        XCTAssertEqual(try step(try signIn(), scope: CA.webAPIScope, claims: unknown).step.kind, "complete")
        XCTAssertEqual(try step(try signIn(), scope: CA.webAPIScope, claims: "not json").step.kind, "complete")
        try useVariant([(#""state": "enabled","#, #""state": "disabled","#)])
        XCTAssertEqual(try step(try signIn(), scope: CA.webAPIScope, claims: CA.sqlCapolids).step.kind, "complete")
    }

    func testAuthenticationContextChallengeDemandsMFA() throws {
        XCTAssertEqual(try step(try signIn(), scope: CA.mcpScope).step.kind, "complete")
        let decision = try step(try signIn(), scope: CA.mcpScope, claims: CA.acrsC1)
        XCTAssertEqual(decision.step.kind, "secondFactor")
        XCTAssertEqual(decision.step.error?.error.claims, CA.acrsC1)
    }

    func testUserWithoutMFACannotSatisfy() throws {
        let decision = try step(try signIn("bob@woodgrove.test"), scope: CA.sqlScope)
        XCTAssertEqual(decision.step.kind, "cannotSatisfy")
        XCTAssertEqual(decision.step.error?.error.code, 50079)
        XCTAssertNil(service.beginSecondFactor(try signIn("bob@woodgrove.test")), "no code for an unenrolled user")
    }

    /// A block or a device requirement cannot be met on a page: the token endpoint refuses later.
    func testBlockIsLeftToTheTokenEndpoint() throws {
        try useVariant(CA.sqlPolicyBlocks)
        XCTAssertEqual(try step(try signIn(), scope: CA.sqlScope).step.kind, "complete")
    }

    /// A remembered sign-in older than the policy's sign-in frequency: the password again. A fresh
    /// sign-in never is.
    func testSignInFrequencyAsksForThePasswordAgain() throws {
        try useVariant(CA.hourlySignInFrequencyOnWebAPI)
        let remembered = try signIn(methods: ["pwd", "mfa"])
        XCTAssertEqual(try step(remembered, scope: CA.webAPIScope).step.kind, "complete")
        service.clock.advance(by: 3601)
        let decision = try step(remembered, scope: CA.webAPIScope)
        XCTAssertEqual(decision.step.kind, "reauthenticate")
        XCTAssertEqual(decision.step.error?.error.error, "login_required")
        XCTAssertEqual(try step(try signIn(methods: ["pwd", "mfa"]), scope: CA.webAPIScope).step.kind, "complete")
    }

    // MARK: The one-time code

    var tenantId: String { service.directory.tenants[0].id }

    /// A step posted for another tenant's sign-in ends nothing and is not used up.
    func testAStepBelongsToItsTenant() throws {
        let prompt = try XCTUnwrap(service.beginSecondFactor(try signIn()))
        guard case .ended = service.completeSecondFactor(stepId: prompt.stepId, code: prompt.code, tenantId: "another-tenant") else {
            return XCTFail("another tenant's sign-in finished the step")
        }
        guard case .verified = service.completeSecondFactor(stepId: prompt.stepId, code: prompt.code, tenantId: tenantId) else {
            return XCTFail("the step was used up by the other tenant's post")
        }
    }

    func testRightCodeAddsMFAAndKeepsTheSession() throws {
        let password = try signIn()
        service.clock.advance(by: 60)
        let prompt = try XCTUnwrap(service.beginSecondFactor(password))
        XCTAssertEqual(prompt.code.count, 6)
        XCTAssertTrue(prompt.code.allSatisfy(\.isNumber))
        XCTAssertEqual(service.latestOneTimeCode(userId: password.userId), prompt.code)
        guard case .verified(let stepped) = service.completeSecondFactor(stepId: prompt.stepId, code: prompt.code, tenantId: tenantId) else {
            return XCTFail("the right code must verify")
        }
        XCTAssertEqual(stepped.methods, ["pwd", "mfa"])
        XCTAssertEqual(stepped.sessionId, password.sessionId)
        XCTAssertEqual(stepped.authTime.timeIntervalSince(password.authTime), 60, accuracy: 5, "auth_time moves to the step")
        XCTAssertEqual(try step(stepped, scope: CA.sqlScope).step.kind, "complete")
        // Single use.
        guard case .ended = service.completeSecondFactor(stepId: prompt.stepId, code: prompt.code, tenantId: tenantId) else {
            return XCTFail("a code works once")
        }
        XCTAssertNil(service.latestOneTimeCode(userId: password.userId))
    }

    func testWrongCodesEndTheStepAfterThreeTries() throws {
        let alice = try signIn()
        let prompt = try XCTUnwrap(service.beginSecondFactor(alice))
        XCTAssertEqual(service.latestOneTimeCode(userId: alice.userId), prompt.code)
        let wrong = prompt.code == "000000" ? "111111" : "000000"
        guard case .wrongCode(let left) = service.completeSecondFactor(stepId: prompt.stepId, code: wrong, tenantId: tenantId), left == 2 else {
            return XCTFail("first wrong code")
        }
        guard case .wrongCode(1) = service.completeSecondFactor(stepId: prompt.stepId, code: wrong, tenantId: tenantId) else {
            return XCTFail("second wrong code")
        }
        guard case .ended(let stamped) = service.completeSecondFactor(stepId: prompt.stepId, code: wrong, tenantId: tenantId) else {
            return XCTFail("third wrong code ends the step")
        }
        XCTAssertEqual(stamped.error.code, 500121)
        XCTAssertNil(service.latestOneTimeCode(userId: alice.userId), "the control API must not offer a dead code")
        // Even the right code is refused now: guessing cannot continue past the limit.
        guard case .ended = service.completeSecondFactor(stepId: prompt.stepId, code: prompt.code, tenantId: tenantId) else {
            return XCTFail("the step is over")
        }
    }

    func testStepExpiresAndUnknownStepsEnd() throws {
        let prompt = try XCTUnwrap(service.beginSecondFactor(try signIn()))
        service.clock.advance(by: 601)
        guard case .ended = service.completeSecondFactor(stepId: prompt.stepId, code: prompt.code, tenantId: tenantId) else {
            return XCTFail("an expired step cannot be completed")
        }
        guard case .ended = service.completeSecondFactor(stepId: "forged", code: prompt.code, tenantId: tenantId) else {
            return XCTFail("an unknown step cannot be completed")
        }
    }

    // MARK: Helpers

    func useVariant(_ edits: [(String, String)], file: StaticString = #filePath, line: UInt = #line) throws {
        fixture = try Fixture(scenario: try CA.variant(edits, file: file, line: line))
    }
}

extension SignInStep {
    /// The case without its error, for assertions.
    var kind: String {
        switch self {
        case .complete: return "complete"
        case .secondFactor: return "secondFactor"
        case .cannotSatisfy: return "cannotSatisfy"
        case .reauthenticate: return "reauthenticate"
        }
    }
}
