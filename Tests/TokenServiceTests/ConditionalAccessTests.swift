import Foundation
import XCTest
import EntraDirectory
import JOSE
@testable import TokenService

/// The shipped `Scenarios/conditional-access.json`, as these tests know it.
enum CA {
    static let tenant = "7c1d3e5f-2a4b-4c6d-8e0f-1a3b5c7d9e2f"
    static let spa = "a1b2c3d4-1111-4a1a-8a1a-0a1b2c3d4e01"
    static let webAPI = "a1b2c3d4-2222-4b2b-8b2b-0a1b2c3d4e02"
    static let webAPISecret = "woodgrove-web-api-secret"
    static let assistant = "a1b2c3d4-3333-4c3c-8c3c-0a1b2c3d4e03"
    static let sqlPolicy = "4c3f9a2e-5b1d-4e8f-9a7c-2d6e8f0a1b3c"
    static let contextPolicy = "8e2d4f6a-7c9b-4a1d-b3e5-6f8a0c2e4d1b"
    static let sqlAppId = "022907d3-0f1b-48f7-badc-1ba6abab6d66"
    static let sqlScope = "https://database.windows.net//.default"
    static let mcpScope = "api://woodgrove-mcp/tools.invoke"
    static let webAPIScope = "api://woodgrove-web-api/access_as_user"
    static let spaRedirect = "http://localhost:3000"
    static let acrsC1 = #"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#
    static let sqlCapolids = #"{"access_token":{"capolids":{"essential":true,"values":["4c3f9a2e-5b1d-4e8f-9a7c-2d6e8f0a1b3c"]}}}"#

    static var scenarioText: String {
        get throws { try String(contentsOfFile: Repo.root + "/Scenarios/conditional-access.json", encoding: .utf8) }
    }

    /// The shipped scenario with `edits` applied (exact text replacements, each of which must match).
    static func variant(_ edits: [(String, String)], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        var text = try scenarioText
        for (old, new) in edits {
            XCTAssertTrue(text.contains(old), "variant edit not found: \(old)", file: file, line: line)
            text = text.replacingOccurrences(of: old, with: new)
        }
        return text
    }

    /// The MFA policy on Azure SQL blocks instead.
    static let sqlPolicyBlocks = [(#""builtInControls": [ "mfa" ] },"# + "\n    },\n    {\n      // Authentication context",
                                   #""builtInControls": [ "block" ] },"# + "\n    },\n    {\n      // Authentication context")]

    /// The MFA policy targets the Web API instead, with a one-hour sign-in frequency.
    static let hourlySignInFrequencyOnWebAPI = [
        (#""includeApplications": [ "Azure SQL Database" ] },"# + "\n      },\n      \"grantControls\": { \"operator\": \"OR\", \"builtInControls\": [ \"mfa\" ] },",
         #""includeApplications": [ "Woodgrove Web API" ] },"# + "\n      },\n      \"grantControls\": { \"operator\": \"OR\", \"builtInControls\": [ \"mfa\" ] },"
            + #" "sessionControls": { "signInFrequency": { "isEnabled": true, "value": 1, "type": "hours" } },"#)]
}

/// Conditional Access at token issuance: each outcome with Entra's error, code, suberror and claims;
/// where a policy applies in an OBO chain (the resource's hop, never the middle tier as subject);
/// report-only, exclusions, locations, sign-in frequency, and the step-up round trip.
final class ConditionalAccessTests: XCTestCase {
    var fixture: Fixture!
    var service: TokenService { fixture.service }
    var tenant: Tenant { service.directory.tenants[0] }

    override func setUpWithError() throws {
        fixture = try Fixture(scenario: try CA.scenarioText)
    }

    /// The shipped scenario with `edits` applied (exact text replacements), for one test.
    func useVariant(_ edits: [(String, String)], file: StaticString = #filePath, line: UInt = #line) throws {
        fixture = try Fixture(scenario: try CA.variant(edits, file: file, line: line))
    }

    // MARK: Helpers

    func payload(_ compact: String?) throws -> [String: JSONValue] { try JWT.decode(try XCTUnwrap(compact)).payload }

    /// A token through /authorize and the code grant, as the SPA (or the Assistant) gets it, for a
    /// sign-in with `methods` (`["pwd","mfa"]` = the user stepped up).
    func codeTokens(user: String = "alice@woodgrove.test", methods: [String] = ["pwd"], client: String = CA.spa,
                    scope: String = CA.webAPIScope + " openid offline_access", claims: String? = nil,
                    remoteAddress: String = "127.0.0.1") throws -> TokenOutcome {
        let verifier = "ca-verifier-0123456789-0123456789-0123456789"
        let redirect = client == CA.spa ? CA.spaRedirect : "http://localhost"
        var query = [("client_id", client), ("response_type", "code"), ("redirect_uri", redirect), ("scope", scope),
                     ("code_challenge", Base64URL.encode(Digest.sha256(Array(verifier.utf8)))), ("code_challenge_method", "S256")]
        if let claims { query.append(("claims", claims)) }
        guard case .valid(let request) = service.validateAuthorize(query, tenant: CA.tenant) else {
            XCTFail("authorize request invalid")
            throw XCTSkip("authorize request invalid")
        }
        let authentication = try service.signInWithoutPassword(userName: user, tenant: tenant, mfa: methods.contains("mfa")).get()
        let code = try XCTUnwrap(service.authorize(request, authentication: authentication).parameters.first { $0.name == "code" }?.value)
        return service.token(TokenRequest(
            tenant: CA.tenant, version: .v2,
            form: [("grant_type", "authorization_code"), ("client_id", client), ("code", code), ("redirect_uri", redirect),
                   ("code_verifier", verifier)],
            baseURL: IDs.baseURL, remoteAddress: remoteAddress, origin: client == CA.spa ? CA.spaRedirect : nil))
    }

    func webAPIToken(user: String = "alice@woodgrove.test", methods: [String] = ["pwd"]) throws -> String {
        let outcome = try codeTokens(user: user, methods: methods)
        return try outcome.result.get().accessToken
    }

    func obo(_ assertion: String, remoteAddress: String = "127.0.0.1") -> TokenOutcome {
        service.token(TokenRequest(
            tenant: CA.tenant, version: .v2,
            form: [("grant_type", OnBehalfOfGrant.grantType), ("client_id", CA.webAPI), ("client_secret", CA.webAPISecret),
                   ("assertion", assertion), ("scope", CA.sqlScope), ("requested_token_use", "on_behalf_of")],
            baseURL: IDs.baseURL, remoteAddress: remoteAddress))
    }

    func ropc(user: String = "alice@woodgrove.test", password: String = "alice-password", scope: String = CA.mcpScope,
              claims: String? = nil) -> TokenOutcome {
        var form = [("grant_type", "password"), ("client_id", CA.assistant), ("username", user),
                    ("password", password), ("scope", scope)]
        if let claims { form.append(("claims", claims)) }
        return fixture.token(form, tenant: CA.tenant)
    }

    /// Asserts the exact Entra shape of a Conditional Access rejection and returns it.
    @discardableResult
    func assertRejected(_ outcome: TokenOutcome, error: String, code: Int, suberror: String?, claims: String?,
                        file: StaticString = #filePath, line: UInt = #line) -> StampedError? {
        guard case .failure(let stamped) = outcome.result else {
            XCTFail("expected AADSTS\(code), got tokens", file: file, line: line)
            return nil
        }
        XCTAssertEqual(stamped.error.error, error, stamped.description, file: file, line: line)
        XCTAssertEqual(stamped.error.code, code, stamped.description, file: file, line: line)
        XCTAssertEqual(stamped.error.httpStatus, 400, file: file, line: line)
        XCTAssertEqual(stamped.error.suberror, suberror, file: file, line: line)
        XCTAssertEqual(stamped.error.claims, claims, file: file, line: line)
        XCTAssertTrue(stamped.description.hasPrefix("AADSTS\(code): "), file: file, line: line)
        let record = service.log.records().last
        XCTAssertEqual(record?.outcome, "error", file: file, line: line)
        XCTAssertEqual(record?.claimsChallenge, claims, file: file, line: line)
        XCTAssertEqual(record?.failure?.claims, claims, file: file, line: line)
        return stamped
    }

    func evaluation(_ name: String, in record: ExchangeRecord?) -> PolicyEvaluation? {
        record?.conditionalAccess.first { $0.displayName == name }
    }

    let sqlPolicyName = "Require MFA for Azure SQL Database"
    let reportOnlyName = "Report-only: block sign-ins outside the office"

    // MARK: Rule 1: the resource's hop

    /// The seed's Rule 1: the MFA policy on Azure SQL is not evaluated when the user signs in to the
    /// SPA for the Web API; it is enforced at the OBO hop, where the Web API asks for the SQL token.
    func testPolicyOnAzureSQLIsEnforcedAtTheOBOHopNotAtSignIn() throws {
        let webToken = try webAPIToken()
        let signIn = service.log.records().last
        XCTAssertEqual(signIn?.outcome, "issued")
        XCTAssertEqual(evaluation(sqlPolicyName, in: signIn)?.result, .notApplied)

        let stamped = assertRejected(obo(webToken), error: "interaction_required", code: 50076, suberror: nil, claims: CA.sqlCapolids)
        XCTAssertEqual(stamped?.error.message,
                       "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '\(CA.sqlAppId)'.")
        let hop = service.log.records().last
        XCTAssertEqual(hop?.client?.appId, CA.webAPI)
        XCTAssertEqual(hop?.subject?.kind, "user")
        XCTAssertEqual(evaluation(sqlPolicyName, in: hop),
                       PolicyEvaluation(policyId: CA.sqlPolicy, displayName: sqlPolicyName, state: "enabled", result: .failure, unmetControls: ["mfa"]))
        // Every non-disabled policy is recorded, applied or not (loopback is the trusted office,
        // which the report-only policy excludes).
        XCTAssertEqual(hop?.conditionalAccess.map(\.result), [.failure, .notApplied, .notApplied])
    }

    /// Rule 3: OBO → 50076 + claims; the user signs in again with MFA; the SPA gets a new token; the
    /// OBO retry succeeds and the v1 Azure SQL token carries `amr` with `mfa`, inherited from the sign-in.
    func testStepUpRoundTripThroughTheMiddleTier() throws {
        assertRejected(obo(try webAPIToken()), error: "interaction_required", code: 50076, suberror: nil, claims: CA.sqlCapolids)
        let steppedUp = try webAPIToken(methods: ["pwd", "mfa"])
        let tokens = try obo(steppedUp).result.get()
        let claims = try payload(tokens.accessToken)
        XCTAssertEqual(claims["ver"]?.stringValue, "1.0")
        XCTAssertEqual(claims["amr"]?.arrayValue?.compactMap(\.stringValue), ["pwd", "mfa"])
        XCTAssertEqual(evaluation(sqlPolicyName, in: service.log.records().last)?.result, .success)
        XCTAssertNil(service.log.records().last?.claimsChallenge)
    }

    /// A user without MFA enrolment gets 50079 at the OBO hop, and cannot step up.
    func testUnregisteredUserGets50079AndCannotStepUp() throws {
        let stamped = assertRejected(obo(try webAPIToken(user: "bob@woodgrove.test")), error: "interaction_required", code: 50079,
                                     suberror: nil, claims: CA.sqlCapolids)
        XCTAssertTrue(stamped?.error.message.contains("you must enroll in multi-factor authentication to access '\(CA.sqlAppId)'") ?? false)
        guard case .failure(let refused) = service.signInWithoutPassword(userName: "bob@woodgrove.test", tenant: tenant,
                                                                          mfa: true) else {
            return XCTFail("an unregistered user obtained an MFA sign-in")
        }
        XCTAssertEqual(refused.error.code, 50079)
        guard case .failure = service.signIn(userName: "bob@woodgrove.test", password: "bob-password", tenant: tenant, mfa: true) else {
            return XCTFail("an unregistered user obtained an MFA sign-in with a password")
        }
        XCTAssertEqual(try service.signIn(userName: "alice@woodgrove.test", password: "alice-password", tenant: tenant, mfa: true).get().methods,
                       ["pwd", "mfa"])
    }

    /// ROPC cannot step up: Entra answers `invalid_grant` 50076 with `suberror: basic_action`.
    func testROPCGetsInvalidGrantWithBasicAction() throws {
        try useVariant([(#""includeApplications": [ "Azure SQL Database" ]"#, #""includeApplications": [ "Woodgrove MCP Tools" ]"#)])
        assertRejected(ropc(), error: "invalid_grant", code: 50076, suberror: "basic_action",
                       claims: CA.sqlCapolids)
    }

    // MARK: Other controls

    func testBlockGets53003MessageOnly() throws {
        try useVariant(CA.sqlPolicyBlocks)
        let stamped = assertRejected(obo(try webAPIToken(methods: ["pwd", "mfa"])), error: "interaction_required", code: 53003,
                                     suberror: "message_only", claims: CA.sqlCapolids)
        XCTAssertEqual(stamped?.error.message, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.")
        XCTAssertEqual(evaluation(sqlPolicyName, in: service.log.records().last)?.unmetControls, ["block"])
    }

    func testNonCompliantDeviceGets53000() throws {
        let policy = #""builtInControls": [ "mfa" ] },"# + "\n    },\n    {\n      // Authentication context"
        try useVariant([(policy, policy.replacingOccurrences(of: #""mfa""#, with: #""compliantDevice""#))])
        let stamped = assertRejected(obo(try webAPIToken(methods: ["pwd", "mfa"])), error: "interaction_required", code: 53000,
                                     suberror: nil, claims: CA.sqlCapolids)
        XCTAssertTrue(stamped?.error.message.hasPrefix("Device is not in required device state: compliant.") ?? false)

        // The same user on a compliant device passes.
        try useVariant([(policy, policy.replacingOccurrences(of: #""mfa""#, with: #""compliantDevice""#)),
                        (#""mfa": { "registered": true } },"#, #""mfa": { "registered": true }, "device": { "isCompliant": true } },"#)])
        XCTAssertNoThrow(try obo(try webAPIToken()).result.get())
    }

    /// AND needs every control; OR any one.
    func testGrantOperators() throws {
        let policy = #""operator": "OR", "builtInControls": [ "mfa" ] },"# + "\n    },\n    {\n      // Authentication context"
        try useVariant([(policy, policy.replacingOccurrences(of: #""OR", "builtInControls": [ "mfa" ]"#,
                                                              with: #""AND", "builtInControls": [ "mfa", "compliantDevice" ]"#))])
        assertRejected(obo(try webAPIToken(methods: ["pwd", "mfa"])), error: "interaction_required", code: 53000,
                       suberror: nil, claims: CA.sqlCapolids)
        XCTAssertEqual(evaluation(sqlPolicyName, in: service.log.records().last)?.unmetControls, ["compliantDevice"])

        try useVariant([(policy, policy.replacingOccurrences(of: #""builtInControls": [ "mfa" ]"#,
                                                              with: #""builtInControls": [ "mfa", "compliantDevice" ]"#))])
        XCTAssertNoThrow(try obo(try webAPIToken(methods: ["pwd", "mfa"])).result.get())
        assertRejected(obo(try webAPIToken()), error: "interaction_required", code: 50076, suberror: nil, claims: CA.sqlCapolids)
        XCTAssertEqual(evaluation(sqlPolicyName, in: service.log.records().last)?.unmetControls, ["mfa", "compliantDevice"])
    }

    // MARK: Authentication context

    /// A request for acrs c1 without MFA gets the acrs challenge; with MFA the token carries `acrs`.
    /// Without the claims request the c1 policy does not apply.
    func testAuthenticationContextChallengeAndEvidence() throws {
        XCTAssertNoThrow(try ropc().result.get())
        XCTAssertEqual(evaluation("Step-up for sensitive MCP tools (c1)", in: service.log.records().last)?.result, .notApplied)

        assertRejected(ropc(claims: CA.acrsC1), error: "invalid_grant", code: 50076, suberror: "basic_action", claims: CA.acrsC1)

        let outcome = try codeTokens(methods: ["pwd", "mfa"], client: CA.assistant, scope: CA.mcpScope, claims: CA.acrsC1)
        let claims = try payload(try outcome.result.get().accessToken)
        XCTAssertEqual(claims["acrs"]?.arrayValue?.compactMap(\.stringValue), ["c1"])
        XCTAssertEqual(evaluation("Step-up for sensitive MCP tools (c1)", in: service.log.records().last)?.result, .success)

        // The same sign-in without the claims request: no context asked for, none claimed.
        let plain = try codeTokens(client: CA.assistant, scope: CA.mcpScope)
        XCTAssertNil(try payload(try plain.result.get().accessToken)["acrs"])
    }

    // MARK: Report-only, disabled, exclusions, targets

    /// Report-only never changes the outcome; its result is recorded.
    func testReportOnlyIsRecordedButNeverEnforced() throws {
        let outside = try codeTokens(methods: ["pwd", "mfa"], remoteAddress: "203.0.113.9")
        XCTAssertNoThrow(try outside.result.get())
        XCTAssertEqual(evaluation(reportOnlyName, in: service.log.records().last),
                       PolicyEvaluation(policyId: tenant.conditionalAccessPolicies[2].id, displayName: reportOnlyName,
                                        state: "enabledForReportingButNotEnforced", result: .reportOnlyFailure, unmetControls: ["block"]))
        XCTAssertNoThrow(try codeTokens(methods: ["pwd", "mfa"]).result.get())
        XCTAssertEqual(evaluation(reportOnlyName, in: service.log.records().last)?.result, .notApplied)
    }

    func testDisabledPolicyIsIgnored() throws {
        try useVariant([(#""state": "enabled","#, #""state": "disabled","#)])
        XCTAssertNoThrow(try obo(try webAPIToken()).result.get())
        XCTAssertNil(evaluation(sqlPolicyName, in: service.log.records().last))
    }

    func testExcludedGroupAndExcludedUser() throws {
        XCTAssertNoThrow(try obo(try webAPIToken(user: "breakglass@woodgrove.test")).result.get())
        XCTAssertEqual(evaluation(sqlPolicyName, in: service.log.records().last)?.result, .notApplied)

        try useVariant([(#""excludeGroups": [ "Emergency Access Accounts" ]"#, #""excludeUsers": [ "alice@woodgrove.test" ]"#)])
        XCTAssertNoThrow(try obo(try webAPIToken()).result.get())
        assertRejected(obo(try webAPIToken(user: "breakglass@woodgrove.test")), error: "interaction_required", code: 50079,
                       suberror: nil, claims: CA.sqlCapolids)
    }

    func testAllApplicationsVersusSpecificOnes() throws {
        try useVariant([(#""includeApplications": [ "Azure SQL Database" ]"#,
                         #""includeApplications": [ "All" ], "excludeApplications": [ "Woodgrove Web API" ]"#)])
        XCTAssertNoThrow(try webAPIToken())   // excluded resource
        assertRejected(ropc(), error: "invalid_grant", code: 50076, suberror: "basic_action", claims: CA.sqlCapolids)
        assertRejected(obo(try webAPIToken()), error: "interaction_required", code: 50076, suberror: nil, claims: CA.sqlCapolids)
    }

    /// The seed's Rule 2: a policy that targets the Web API governs users' tokens *for* the Web API.
    /// When the Web API is the client of the OBO hop, it is not the policy's subject or target.
    func testMiddleTierIsNeverTheSubject() throws {
        try useVariant([(#""includeApplications": [ "Azure SQL Database" ]"#, #""includeApplications": [ "Woodgrove Web API" ]"#)])
        assertRejected(try codeTokens(), error: "interaction_required", code: 50076, suberror: nil, claims: CA.sqlCapolids)
        let webToken = try webAPIToken(methods: ["pwd", "mfa"])
        // A password-only user token reaching the Web API some other way would not matter either:
        // at the OBO hop the Web API is the client, SQL is the target, and the policy does not apply.
        XCTAssertNoThrow(try obo(webToken).result.get())
        let hop = service.log.records().last
        XCTAssertEqual(hop?.client?.appId, CA.webAPI)
        XCTAssertEqual(evaluation(sqlPolicyName, in: hop)?.result, .notApplied)
    }

    // MARK: Locations and risk

    func testNamedLocationsMatchTheClientAddress() throws {
        try useVariant([(#""excludeGroups": [ "Emergency Access Accounts" ] },"#,
                         #""excludeGroups": [ "Emergency Access Accounts" ] }, "locations": { "includeLocations": [ "All" ], "excludeLocations": [ "Woodgrove Office" ] },"#)])
        let webToken = try webAPIToken()
        XCTAssertNoThrow(try obo(webToken, remoteAddress: "127.0.0.1").result.get())
        XCTAssertNoThrow(try obo(webToken, remoteAddress: "::1").result.get())
        XCTAssertNoThrow(try obo(webToken, remoteAddress: "::ffff:127.0.0.2").result.get())
        assertRejected(obo(webToken, remoteAddress: "198.51.100.7"), error: "interaction_required", code: 50076,
                       suberror: nil, claims: CA.sqlCapolids)
        assertRejected(obo(webToken, remoteAddress: "2001:db8::1"), error: "interaction_required", code: 50076,
                       suberror: nil, claims: CA.sqlCapolids)
    }

    func testRiskLevelsAndClientAppTypes() throws {
        try useVariant([(#""excludeGroups": [ "Emergency Access Accounts" ] },"#,
                         #""excludeGroups": [ "Emergency Access Accounts" ] }, "signInRiskLevels": [ "medium", "high" ],"#)])
        XCTAssertNoThrow(try obo(try webAPIToken()).result.get())
        try useVariant([(#""excludeGroups": [ "Emergency Access Accounts" ] },"#,
                         #""excludeGroups": [ "Emergency Access Accounts" ] }, "signInRiskLevels": [ "medium", "high" ],"#),
                        (#""mfa": { "registered": true } },"#, #""mfa": { "registered": true }, "signInRisk": "high" },"#)])
        assertRejected(obo(try webAPIToken()), error: "interaction_required", code: 50076, suberror: nil, claims: CA.sqlCapolids)

        // The OBO middle tier authenticates with a secret: a confidential client, which Entra counts
        // as `browser`. A policy for browsers applies to it, one for mobile and desktop apps does not.
        try useVariant([(#""excludeGroups": [ "Emergency Access Accounts" ] },"#,
                         #""excludeGroups": [ "Emergency Access Accounts" ] }, "clientAppTypes": [ "browser" ],"#)])
        assertRejected(obo(try webAPIToken()), error: "interaction_required", code: 50076, suberror: nil, claims: CA.sqlCapolids)
        try useVariant([(#""excludeGroups": [ "Emergency Access Accounts" ] },"#,
                         #""excludeGroups": [ "Emergency Access Accounts" ] }, "clientAppTypes": [ "mobileAppsAndDesktopClients" ],"#)])
        XCTAssertNoThrow(try obo(try webAPIToken()).result.get())
    }

    func testClientAppTypeFollowsTheClientNotTheGrant() {
        typealias Kind = ConditionalAccessPolicy.ClientAppType
        XCTAssertEqual(Kind.of(confidentialClient: true, singlePageApp: false), .browser)
        XCTAssertEqual(Kind.of(confidentialClient: false, singlePageApp: true), .browser)
        XCTAssertEqual(Kind.of(confidentialClient: false, singlePageApp: false), .mobileAppsAndDesktopClients)
    }

    // MARK: Sign-in frequency

    func testSignInFrequencyOnRefresh() throws {
        try useVariant(CA.hourlySignInFrequencyOnWebAPI)
        let first = try codeTokens(methods: ["pwd", "mfa"]).result.get()
        let refresh = [("grant_type", "refresh_token"), ("client_id", CA.spa), ("refresh_token", try XCTUnwrap(first.refreshToken))]
        XCTAssertNoThrow(try fixture.issue(refresh, tenant: CA.tenant, origin: CA.spaRedirect))
        service.clock.advance(by: 3601)
        let outcome = fixture.token(refresh, tenant: CA.tenant, origin: CA.spaRedirect)
        let stamped = assertRejected(outcome, error: "invalid_grant", code: 70043, suberror: nil, claims: nil)
        XCTAssertTrue(stamped?.error.message.contains("maximum allowed lifetime for this request is 0.01:00:00") ?? false)
        XCTAssertEqual(evaluation(sqlPolicyName, in: service.log.records().last)?.unmetControls, ["signInFrequency"])
    }
}
