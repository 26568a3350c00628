import Foundation
import XCTest
@testable import EntraDirectory
import JOSE
@testable import TokenService

/// Conditional Access for workload identities and Agent ID: policies with `clientApplications` apply
/// to an application getting a token as itself (client credentials), service principals and agent
/// identities each by their own list; `block` is their only control. User policies never apply to
/// app-only tokens, and workload policies never to user tokens (an agent's On-Behalf-Of request has
/// the user as its subject). `AllAgentIdUsers` targets agents' user accounts.
final class WorkloadConditionalAccessTests: XCTestCase {
    static let blueprint = AgentIdentityTests.blueprint
    static let agent = AgentIdentityTests.agent
    static let reporter = "3c5e7a9b-1d3f-4a5c-8e7a-9b1d3f5a7c9e"

    /// The Agent ID scenario plus a daemon and a second service principal, and `policies`.
    static func scenario(policies: String, agentRisk: String = "none", daemonRisk: String = "none") -> String {
        AgentIdentityTests.scenario(inheritable: AgentIdentityTests.inheritableEntry)
            .replacingOccurrences(of: #"{ displayName: "Orders Agent", appId: "\#(agent)", "#,
                                  with: #"{ displayName: "Orders Agent", appId: "\#(agent)", riskLevel: "\#(agentRisk)", "#)
            .replacingOccurrences(of: "applications: [", with: """
                applications: [
                    { displayName: "Daemon", appId: "\(IDs.daemon)", passwordCredentials: [ { secretText: "daemon-secret" } ], riskLevel: "\(daemonRisk)" },
                    { displayName: "Reporter", appId: "\(reporter)", passwordCredentials: [ { secretText: "reporter-secret" } ], riskLevel: "high" },
                    { displayName: "Batch", managedIdentity: { type: "userAssigned" } },
                """)
            .replacingOccurrences(of: "oauth2PermissionGrants: [", with: """
                namedLocations: [ { displayName: "Office", ipRanges: [ { cidrAddress: "10.1.0.0/16" } ], isTrusted: true } ],
                conditionalAccessPolicies: [ \(policies) ],
                oauth2PermissionGrants: [
                """)
    }

    static func policy(_ name: String, state: String = "enabled", conditions: String) -> String {
        #"{ displayName: "\#(name)", state: "\#(state)", conditions: { \#(conditions) }, grantControls: { operator: "OR", builtInControls: [ "block" ] } },"#
    }

    static let toAPI = #"applications: { includeApplications: [ "Contoso API" ] }"#

    func daemon(_ fixture: Fixture, remoteAddress: String = "127.0.0.1") -> TokenOutcome {
        fixture.service.token(TokenRequest(tenant: IDs.tenant, version: .v2, form: Form.secret(secret: "daemon-secret"),
                                           basicCredentials: nil, clientRequestId: nil, baseURL: IDs.baseURL,
                                           remoteAddress: remoteAddress))
    }

    func t1(_ fixture: Fixture) throws -> String {
        try fixture.issue(Form.secret(client: Self.blueprint, secret: "blueprint-secret",
                                      scope: "api://AzureADTokenExchange/.default") + [("fmi_path", Self.agent)]).accessToken
    }

    /// The agent's own (app-only) token request for Contoso API.
    func agentForm(_ fixture: Fixture) throws -> [(String, String)] { Form.assertion(try t1(fixture), client: Self.agent) }

    /// The agent On-Behalf-Of Alice (who signed in to the blueprint's API), for Contoso API.
    func agentOBOForm(_ fixture: Fixture) throws -> [(String, String)] {
        let user = try fixture.issue([("grant_type", "password"), ("client_id", IDs.desktop), ("username", "alice@contoso.test"),
                                      ("password", "alice-password"), ("scope", "api://contoso-agent/access_as_user")]).accessToken
        return [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("requested_token_use", "on_behalf_of"),
                ("client_id", Self.agent), ("client_assertion_type", IDs.jwtBearer), ("client_assertion", try t1(fixture)),
                ("assertion", user), ("scope", "api://contoso-api/access_as_user")]
    }

    /// The agent as its own user account (`user_fic`), for Contoso API.
    func agentUserForm(_ fixture: Fixture) throws -> [(String, String)] {
        let t1 = try t1(fixture)
        let t2 = try fixture.issue(Form.assertion(t1, client: Self.agent, scope: "api://AzureADTokenExchange/.default")).accessToken
        return [("grant_type", "user_fic"), ("client_id", Self.agent), ("client_assertion_type", IDs.jwtBearer),
                ("client_assertion", t1), ("user_federated_identity_credential", t2), ("username", "orders-agent@contoso.test"),
                ("scope", "api://contoso-api/access_as_user")]
    }

    func testAPolicyForAgentIdentitiesBlocksTheAgentsAppOnlyTokensOnly() throws {
        let fixture = try Fixture(scenario: Self.scenario(policies: Self.policy("Block agents", conditions: """
            users: { includeUsers: [ "None" ] }, clientApplications: { includeAgentIdServicePrincipals: [ "All" ] }, \(Self.toAPI)
            """)))
        let stamped = fixture.reject(try agentForm(fixture), error: "interaction_required", code: 53003)
        XCTAssertNil(stamped?.error.claims, "nothing a workload could satisfy")
        let record = try XCTUnwrap(fixture.log.records().last)
        XCTAssertEqual(record.conditionalAccess.map(\.result), [.failure])
        XCTAssertEqual(record.conditionalAccess.first?.unmetControls, ["block"])
        // The blueprint's exchange token (T1), a service principal's token and the agent acting for a
        // user (the user is the subject) are not the policy's business.
        XCTAssertNotNil(try daemon(fixture).result.get())
        XCTAssertEqual(fixture.log.records().last?.conditionalAccess.map(\.result), [.notApplied])
        XCTAssertNotNil(try fixture.issue(try agentOBOForm(fixture)).accessToken)
        XCTAssertEqual(fixture.log.records().last?.conditionalAccess.map(\.displayName), [], "a user token's record lists user policies only")
        // Another resource is not the policy's target.
        XCTAssertNotNil(try fixture.issue(try agentForm(fixture).map { $0.0 == "scope" ? ("scope", "api://contoso-agent/.default") : $0 }).accessToken)
    }

    /// Microsoft's agent policies skip the intermediate exchanges: the blueprint's T1 and an agent's
    /// own exchange token are never blocked, so a policy on every service principal or every agent
    /// blocks only tokens for resources.
    func testIntermediateExchangesAreNotEvaluated() throws {
        let everyWorkload = try Fixture(scenario: Self.scenario(policies: Self.policy("All workloads", conditions: """
            clientApplications: { includeServicePrincipals: [ "ServicePrincipalsInMyTenant" ] }, applications: { includeApplications: [ "All" ] }
            """)))
        XCTAssertNotNil(try t1(everyWorkload), "the blueprint's exchange token")
        XCTAssertNotNil(try everyWorkload.issue(try agentOBOForm(everyWorkload)).accessToken, "the agent for a user")
        guard case .failure(let daemonBlocked) = daemon(everyWorkload).result else { return XCTFail("the daemon got a token for a resource") }
        XCTAssertEqual(daemonBlocked.error.code, 53003)

        let everyAgent = try Fixture(scenario: Self.scenario(policies: Self.policy("All agents", conditions: """
            clientApplications: { includeAgentIdServicePrincipals: [ "All" ] }, applications: { includeApplications: [ "All" ] }
            """)))
        XCTAssertNotNil(try everyAgent.issue(try agentUserForm(everyAgent)).accessToken, "the agent's exchange token, then its user account")
        everyAgent.reject(try agentForm(everyAgent), error: "interaction_required", code: 53003)
        // Excluded, or the policy switched off: nothing is blocked, and a disabled policy is not evaluated at all.
        for (state, exclusion) in [("enabled", #", excludeAgentIdServicePrincipals: [ "Orders Agent" ]"#), ("disabled", "")] {
            let fixture = try Fixture(scenario: Self.scenario(policies: Self.policy("All agents", state: state, conditions: """
                clientApplications: { includeAgentIdServicePrincipals: [ "All" ]\(exclusion) }, applications: { includeApplications: [ "All" ] }
                """)))
            XCTAssertNotNil(try fixture.issue(try agentForm(fixture)).accessToken, state)
            XCTAssertEqual(fixture.log.records().last?.conditionalAccess.map(\.result), state == "enabled" ? [.notApplied] : [])
        }
    }

    func testServicePrincipalsByListRiskAndLocation() throws {
        let risky = try Fixture(scenario: Self.scenario(policies: Self.policy("Risky workloads", conditions: """
            clientApplications: { includeServicePrincipals: [ "ServicePrincipalsInMyTenant" ], excludeServicePrincipals: [ "Reporter" ] },
            servicePrincipalRiskLevels: [ "high" ], \(Self.toAPI)
            """), daemonRisk: "high"))
        guard case .failure(let blocked) = daemon(risky).result else { return XCTFail("a high-risk daemon got a token") }
        XCTAssertEqual(blocked.error.code, 53003)
        XCTAssertNotNil(try risky.issue(Form.secret(client: Self.reporter, secret: "reporter-secret")).accessToken, "excluded")
        let calm = try Fixture(scenario: Self.scenario(policies: Self.policy("Risky workloads", conditions: """
            clientApplications: { includeServicePrincipals: [ "ServicePrincipalsInMyTenant" ] }, servicePrincipalRiskLevels: [ "high" ], \(Self.toAPI)
            """)))
        XCTAssertNotNil(try daemon(calm).result.get(), "no risk, no match")
        // Agents are not service principals of the tenant for this list.
        XCTAssertNotNil(try calm.issue(try agentForm(calm)).accessToken)

        let offsite = try Fixture(scenario: Self.scenario(policies: Self.policy("Daemon off site", conditions: """
            clientApplications: { includeServicePrincipals: [ "Daemon" ] },
            locations: { includeLocations: [ "All" ], excludeLocations: [ "AllTrusted" ] }, \(Self.toAPI)
            """)))
        XCTAssertNotNil(try daemon(offsite, remoteAddress: "10.1.2.3").result.get(), "from the office")
        guard case .failure(let away) = daemon(offsite, remoteAddress: "203.0.113.9").result else { return XCTFail("blocked off site") }
        XCTAssertEqual(away.error.code, 53003)
    }

    func testAgentRiskAndReportOnly() throws {
        let conditions = """
            clientApplications: { includeAgentIdServicePrincipals: [ "Orders Agent" ] }, agentIdRiskLevels: "medium,high", \(Self.toAPI)
            """
        let risky = try Fixture(scenario: Self.scenario(policies: Self.policy("Risky agents", conditions: conditions), agentRisk: "high"))
        risky.reject(try agentForm(risky), error: "interaction_required", code: 53003)
        let low = try Fixture(scenario: Self.scenario(policies: Self.policy("Risky agents", conditions: conditions), agentRisk: "low"))
        XCTAssertNotNil(try low.issue(try agentForm(low)).accessToken)
        let reportOnly = try Fixture(scenario: Self.scenario(policies: Self.policy("Risky agents", state: "enabledForReportingButNotEnforced",
                                                                                    conditions: conditions), agentRisk: "high"))
        XCTAssertNotNil(try reportOnly.issue(try agentForm(reportOnly)).accessToken)
        XCTAssertEqual(reportOnly.log.records().last?.conditionalAccess.map(\.result), [.reportOnlyFailure])
    }

    func testAllAgentIdUsersTargetsAgentsUserAccountsOnly() throws {
        let fixture = try Fixture(scenario: Self.scenario(policies: Self.policy("Agent users", conditions: """
            users: { includeUsers: [ "AllAgentIdUsers" ] }, \(Self.toAPI)
            """)))
        let stamped = fixture.reject(try agentUserForm(fixture), error: "interaction_required", code: 53003)
        XCTAssertNotNil(stamped?.error.claims, "a user token's block names the policy (capolids)")
        XCTAssertNotNil(try fixture.issue([("grant_type", "password"), ("client_id", IDs.desktop), ("username", "alice@contoso.test"),
                                           ("password", "alice-password"), ("scope", "api://contoso-api/access_as_user")]).accessToken)
    }

    func testWorkloadPoliciesAreCheckedAtLoad() {
        func problems(_ policy: String, agentRisk: String = "none") -> String {
            do {
                _ = try Fixture(scenario: Self.scenario(policies: policy, agentRisk: agentRisk))
                return "loaded"
            } catch {
                return String(describing: error)
            }
        }
        let clients = #"clientApplications: { includeAgentIdServicePrincipals: [ "All" ] }, \#(Self.toAPI)"#
        let cases: [(String, String)] = [
            (#"{ displayName: "P", state: "enabled", conditions: { \#(clients) }, grantControls: { operator: "OR", builtInControls: [ "mfa" ] } },"#,
             "a policy for client applications can only block"),
            (Self.policy("P", conditions: #"users: { includeUsers: [ "All" ] }, \#(clients)"#), "users or client applications, not both"),
            (Self.policy("P", conditions: #"clientApplications: { includeServicePrincipals: [ "Orders Agent" ] }, \#(Self.toAPI)"#),
             "is an agent identity (list it in includeAgentIdServicePrincipals)"),
            (Self.policy("P", conditions: #"clientApplications: { includeAgentIdServicePrincipals: [ "Daemon" ] }, \#(Self.toAPI)"#),
             "is not an agent identity"),
            (Self.policy("P", conditions: #"clientApplications: { includeServicePrincipals: [ "Batch" ] }, \#(Self.toAPI)"#), "is a managed identity"),
            (Self.policy("P", conditions: #"clientApplications: { includeServicePrincipals: [ "Microsoft Graph" ] }, \#(Self.toAPI)"#),
             "is a Microsoft application"),
            (Self.policy("P", conditions: #"clientApplications: { }, \#(Self.toAPI)"#), "give includeServicePrincipals or includeAgentIdServicePrincipals"),
            (Self.policy("P", conditions: #"users: { includeUsers: [ "All" ] }, servicePrincipalRiskLevels: [ "high" ], \#(Self.toAPI)"#),
             "applies to client applications"),
            (Self.policy("P", conditions: #"\#(clients), signInRiskLevels: [ "high" ]"#), "applies to users, not to client applications"),
            (Self.policy("P", conditions: #"\#(clients), agentIdRiskLevels: "high,severe""#), "'severe' is not a risk level"),
            (Self.policy("P", conditions: #"clientApplications: { includeServicePrincipals: [ "ServicePrincipalsInMyTenant", "Daemon" ] }, \#(Self.toAPI)"#),
             "'ServicePrincipalsInMyTenant' must be the only entry"),
        ]
        for (policy, expected) in cases {
            let text = problems(policy)
            XCTAssertTrue(text.contains(expected), "\(policy): \(text)")
        }
        XCTAssertEqual(problems(Self.policy("P", conditions: #"\#(clients), agentIdRiskLevels: "high""#)), "loaded")
        XCTAssertTrue(problems(Self.policy("P", conditions: #"\#(clients), agentIdRiskLevels: [ "high" ]"#)).contains("expected a string"),
                      "Graph writes the multivalued enum as a string")
        XCTAssertTrue(problems(Self.policy("P", conditions: clients), agentRisk: "severe").contains("riskLevel"))

        let more: [(String, String)] = [
            (Self.policy("P", conditions: #"clientApplications: { includeAgentIdServicePrincipals: [ "All" ] }, applications: { includeAuthenticationContextClassReferences: [ "c1" ] }"#),
             "an authentication context is a user's"),
            (Self.policy("P", conditions: #"\#(clients), clientAppTypes: [ "browser" ]"#), "applies to users, not to client applications"),
            (Self.policy("P", conditions: #"\#(clients), agentIdRiskLevels: """#), "'' is not a risk level"),
            (Self.policy("P", conditions: #"\#(clients), servicePrincipalRiskLevels: [ ]"#), "must name at least one risk level"),
            (Self.policy("P", conditions: #"\#(clients), agentIdRiskLevels: "medium,,high""#), "'' is not a risk level"),
            (Self.policy("P", conditions: #"\#(clients), agentIdRiskLevels: "medium, high""#), "' high' is not a risk level"),
            (Self.policy("P", conditions: #"\#(clients), agentIdRiskLevels: "none""#), "'none' is not a risk level"),
            (Self.policy("P", conditions: #"\#(clients), servicePrincipalRiskLevels: [ "none" ]"#), "'none' is not a risk level"),
            (Self.policy("P", conditions: #"clientApplications: { includeServicePrincipals: [ "Desktop" ] }, \#(Self.toAPI)"#),
             "has no credential"),
            (Self.policy("P", conditions: #"users: { }, \#(clients)"#), "not both"),
            (Self.policy("P", conditions: #"clientApplications: { includeServicePrincipals: [ ], includeAgentIdServicePrincipals: [ "All" ] }, \#(Self.toAPI)"#),
             "lists nothing"),
        ]
        for (policy, expected) in more {
            let text = problems(policy)
            XCTAssertTrue(text.contains(expected), "\(policy): \(text)")
        }
        // A mistyped clientApplications is that one problem, not also a missing users condition.
        let mistyped = problems(Self.policy("P", conditions: #"clientApplications: "All", agentIdRiskLevels: "high", \#(Self.toAPI)"#))
        XCTAssertTrue(mistyped.contains("expected an object") && !mistyped.contains("users") && !mistyped.contains("give clientApplications"), mistyped)
    }
}
