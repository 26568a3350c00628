import Foundation
import XCTest
@testable import EntraDirectory
import JOSE
@testable import TokenService

/// Agent ID (entra-wire §7): a blueprint's exchange token for one of its agent identities (T1,
/// `fmi_path`), the agent's own tokens with T1 as its credential, and the agent acting for a user.
final class AgentIdentityTests: XCTestCase {
    static let blueprint = "5d7f9b1c-3e5a-4c7e-9a1b-3c5e7f9b1d2e"
    static let agent = "6e8a0c2d-4f6b-4d8f-8b2c-4d6f8a0c2e3f"
    static let otherBlueprint = "7f9b1d3e-5a7c-4e9a-8c1d-5e7a9c1e3f4a"
    static let otherAgent = "8a0c2e4f-6b8d-4f0b-9d2e-6f8b0d2f4a5b"
    /// The blueprint's `inheritablePermissions` member in `scenario`.
    static let inheritableEntry = #"inheritablePermissions: [ { resourceAppId: "Contoso API", inheritableScopes: { kind: "allAllowed" } } ]"#
    static let scenario = scenario(inheritable: inheritableEntry)

    static func scenario(inheritable: String, grants: String = "", assignments: String = "") -> String { """
    {
      \(IDs.tenantHeader),
      applications: [
        { displayName: "Contoso API", appId: "\(IDs.api)", identifierUris: [ "api://contoso-api" ],
          api: { requestedAccessTokenVersion: 2,
                 oauth2PermissionScopes: [ { value: "access_as_user" }, { value: "Orders.Read" }, { value: "Orders.Write" } ] },
          appRoles: [ { value: "Orders.Read.All", allowedMemberTypes: [ "Application" ] },
                      { value: "Orders.Write.All", allowedMemberTypes: [ "Application" ] } ] },
        { displayName: "Desktop", appId: "\(IDs.desktop)", isFallbackPublicClient: true },
        { displayName: "Blueprint", appId: "\(blueprint)", identifierUris: [ "api://contoso-agent" ],
          passwordCredentials: [ { secretText: "blueprint-secret" } ],
          api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [ { value: "access_as_user" } ] },
          \(inheritable) },
        { displayName: "Orders Agent", appId: "\(agent)", agentIdentity: { blueprint: "Blueprint" } },
        { displayName: "Other Blueprint", appId: "\(otherBlueprint)", passwordCredentials: [ { secretText: "other-secret" } ] },
        { displayName: "Other Agent", appId: "\(otherAgent)", agentIdentity: { blueprint: "Other Blueprint" } },
      ],
      users: [ { userPrincipalName: "alice@contoso.test", displayName: "Alice", password: "alice-password" },
               { userPrincipalName: "orders-agent@contoso.test", displayName: "Orders Agent (user)", identityParentId: "Orders Agent" } ],
      appRoleAssignments: [ { principal: "Orders Agent", resource: "Contoso API", appRole: "Orders.Read.All" }, \(assignments) ],
      oauth2PermissionGrants: [
        { client: "Desktop", resource: "Blueprint", scope: "access_as_user", consentType: "AllPrincipals" },
        { client: "Desktop", resource: "Contoso API", scope: "access_as_user", consentType: "AllPrincipals" },
        { client: "Blueprint", resource: "Contoso API", scope: "access_as_user", consentType: "AllPrincipals" },
        \(grants)
      ],
    }
    """
    }

    var fixture: Fixture!

    override func setUpWithError() throws {
        fixture = try Fixture(scenario: Self.scenario)
    }

    func exchangeForm(client: String = blueprint, secret: String = "blueprint-secret", agent: String = agent,
                      scope: String = "api://AzureADTokenExchange/.default") -> [(String, String)] {
        Form.secret(client: client, secret: secret, scope: scope) + [("fmi_path", agent)]
    }

    func t1(agent: String = agent) throws -> String { try fixture.issue(exchangeForm(agent: agent)).accessToken }

    func testTheSubjectEncodesTenantAndBlueprintAsDotNetGUIDBytes() {
        // Microsoft's own tenant, as it appears in published FIC subjects.
        XCTAssertTrue(AgentIdentity.exchangeSubject(tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", blueprintAppId: Self.blueprint,
                                                    agentAppId: Self.agent).hasPrefix("/eid1/c/pub/t/v4j5cvGGr0GRqy180BHbRw/a/"))
    }

    func testStep1TheBlueprintsExchangeToken() throws {
        let claims = try JWT.decode(try t1()).payload
        XCTAssertEqual(claims["aud"]?.stringValue, TokenExchange.appId)
        XCTAssertEqual(claims["azp"]?.stringValue, Self.blueprint)
        XCTAssertEqual(claims["sub"]?.stringValue,
                       AgentIdentity.exchangeSubject(tenantId: IDs.tenant, blueprintAppId: Self.blueprint, agentAppId: Self.agent))
        XCTAssertEqual(claims["idtyp"]?.stringValue, "app")
        XCTAssertNil(claims["roles"])
        // Another blueprint's agent, an unknown one, and another resource are refused.
        fixture.reject(exchangeForm(agent: Self.otherAgent), error: "unauthorized_client", code: 700016)
        fixture.reject(exchangeForm(agent: "00000000-1111-4222-8333-444444444444"), error: "unauthorized_client", code: 700016)
        fixture.reject(exchangeForm(scope: "api://contoso-api/.default"), error: "invalid_scope", code: 70011)
    }

    func testStep2TheAgentsOwnToken() throws {
        let form = Form.assertion(try t1(), client: Self.agent)
        let claims = try JWT.decode(try fixture.issue(form).accessToken).payload
        XCTAssertEqual(claims["azp"]?.stringValue, Self.agent)
        XCTAssertEqual(claims["oid"]?.stringValue, Self.agent, "an agent identity's object id is its appId")
        XCTAssertEqual(claims["roles"], .array(["Orders.Read.All"]))
        XCTAssertEqual(claims["idtyp"]?.stringValue, "app")
        XCTAssertEqual(claims["xms_act_fct"]?.stringValue, "11")
        XCTAssertEqual(claims["xms_sub_fct"]?.stringValue, "11")
        XCTAssertEqual(claims["xms_idrel"]?.stringValue, "7")
        XCTAssertEqual(claims["xms_par_app_azp"]?.stringValue, Self.blueprint)
        XCTAssertEqual(fixture.log.records().last?.client?.authenticationMethod, .federatedCredential)

        // T1 for another agent is no credential for this one; nor is the blueprint's ordinary token.
        let otherT1 = try fixture.issue(exchangeForm(client: Self.otherBlueprint, secret: "other-secret", agent: Self.otherAgent)).accessToken
        fixture.reject(Form.assertion(otherT1, client: Self.agent), error: "invalid_client", code: 700213)
        let ordinary = try fixture.issue(Form.secret(client: Self.blueprint, secret: "blueprint-secret")).accessToken
        fixture.reject(Form.assertion(ordinary, client: Self.agent), error: "invalid_client", code: 700213)
        // An agent identity has no secret to present.
        fixture.reject(Form.secret(client: Self.agent, secret: "blueprint-secret"), error: "invalid_client", code: 7000215)
    }

    func testStep2bTheAgentActsForAUser() throws {
        let userToken = try fixture.issue([("grant_type", "password"), ("client_id", IDs.desktop), ("username", "alice@contoso.test"),
                                           ("password", "alice-password"), ("scope", "api://contoso-agent/access_as_user")]).accessToken
        XCTAssertEqual(try JWT.decode(userToken).payload["aud"]?.stringValue, Self.blueprint)
        let obo = [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("requested_token_use", "on_behalf_of"),
                   ("client_id", Self.agent), ("client_assertion_type", IDs.jwtBearer), ("client_assertion", try t1()),
                   ("assertion", userToken), ("scope", "api://contoso-api/access_as_user")]
        let claims = try JWT.decode(try fixture.issue(obo).accessToken).payload
        XCTAssertEqual(claims["azp"]?.stringValue, Self.agent)
        XCTAssertEqual(claims["scp"]?.stringValue, "access_as_user", "consent inherited from the blueprint")
        XCTAssertEqual(claims["idtyp"]?.stringValue, "user")
        XCTAssertEqual(claims["xms_act_fct"]?.stringValue, "11")
        XCTAssertEqual(claims["xms_par_app_azp"]?.stringValue, Self.blueprint)
        XCTAssertEqual(claims["oid"], try JWT.decode(userToken).payload["oid"])
        XCTAssertNil(claims["xms_sub_fct"], "the subject is a person, not an agent user")

        // A user token for another audience than the blueprint is refused with 50013 (entra-wire §7.4).
        let elsewhere = try fixture.issue([("grant_type", "password"), ("client_id", IDs.desktop), ("username", "alice@contoso.test"),
                                           ("password", "alice-password"), ("scope", "api://contoso-api/access_as_user")]).accessToken
        fixture.reject(obo.map { $0.0 == "assertion" ? ("assertion", elsewhere) : $0 }, error: "invalid_grant", code: 50013,
                       messageContains: "is not the agent identity's blueprint")
    }

    /// The agent's On-Behalf-Of request for alice (signed in to the blueprint's API) on `fixture`.
    func agentOBO(scope: String, on fixture: Fixture) throws -> [(String, String)] {
        let userToken = try fixture.issue([("grant_type", "password"), ("client_id", IDs.desktop), ("username", "alice@contoso.test"),
                                           ("password", "alice-password"), ("scope", "api://contoso-agent/access_as_user")]).accessToken
        let t1 = try fixture.issue(exchangeForm()).accessToken
        return [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("requested_token_use", "on_behalf_of"),
                ("client_id", Self.agent), ("client_assertion_type", IDs.jwtBearer), ("client_assertion", t1),
                ("assertion", userToken), ("scope", scope)]
    }

    func scp(_ tokens: IssuedTokens) throws -> String? { try JWT.decode(tokens.accessToken).payload["scp"]?.stringValue }

    /// Entra's two conditions: the blueprint lists the resource as inheritable *and* holds the
    /// consent. The blueprint's consent alone gives its agents nothing.
    func testWithoutAnInheritableEntryTheBlueprintsConsentIsNotInherited() throws {
        let bare = try Fixture(scenario: Self.scenario(inheritable: ""))
        bare.reject(try agentOBO(scope: "api://contoso-api/access_as_user", on: bare), error: "invalid_grant", code: 65001)
        bare.reject(try agentOBO(scope: "api://contoso-api/.default", on: bare), error: "invalid_grant", code: 65001)
        // Listed as inheritable but not consented to the blueprint: nothing either.
        let unconsented = try Fixture(scenario: Self.scenario(inheritable: Self.inheritableEntry).replacingOccurrences(
            of: #"{ client: "Blueprint", resource: "Contoso API", scope: "access_as_user", consentType: "AllPrincipals" },"#, with: ""))
        unconsented.reject(try agentOBO(scope: "api://contoso-api/.default", on: unconsented), error: "invalid_grant", code: 65001)
        // The agent identity's own consent needs no inheritance.
        let own = try Fixture(scenario: Self.scenario(inheritable: "", grants: """
            { client: "Orders Agent", resource: "Contoso API", scope: "Orders.Read", consentType: "AllPrincipals" },
            """))
        XCTAssertEqual(try scp(own.issue(try agentOBO(scope: "api://contoso-api/.default", on: own))), "Orders.Read")
    }

    func testEnumeratedAndNoScopesLimitWhatIsInherited() throws {
        let grants = #"{ client: "Blueprint", resource: "Contoso API", scope: "Orders.Read Orders.Write", consentType: "AllPrincipals" },"#
        let enumerated = try Fixture(scenario: Self.scenario(inheritable: """
            inheritablePermissions: [ { resourceAppId: "api://contoso-api",
              inheritableScopes: { "@odata.type": "#microsoft.graph.enumeratedScopes", kind: "enumerated", scopes: [ "Orders.Read", "access_as_user" ] } } ]
            """, grants: grants))
        XCTAssertEqual(try scp(enumerated.issue(try agentOBO(scope: "api://contoso-api/.default", on: enumerated))), "access_as_user Orders.Read",
                       "consented to the blueprint and listed; Orders.Write is consented but not listed")
        enumerated.reject(try agentOBO(scope: "api://contoso-api/Orders.Write", on: enumerated), error: "invalid_grant", code: 65001)

        // Graph's type name alone says the pattern too.
        let typed = try Fixture(scenario: Self.scenario(inheritable: """
            inheritablePermissions: [ { resourceAppId: "Contoso API",
              inheritableScopes: { "@odata.type": "microsoft.graph.enumeratedScopes", scopes: [ "Orders.Write" ] } } ]
            """, grants: grants))
        XCTAssertEqual(try scp(typed.issue(try agentOBO(scope: "api://contoso-api/.default", on: typed))), "Orders.Write")

        let none = try Fixture(scenario: Self.scenario(inheritable: """
            inheritablePermissions: [ { resourceAppId: "Contoso API", inheritableScopes: { "@odata.type": "#microsoft.graph.noScopes" } } ]
            """, grants: grants))
        none.reject(try agentOBO(scope: "api://contoso-api/.default", on: none), error: "invalid_grant", code: 65001)
    }

    /// Graph lists an agent identity's inherited grants as the blueprint's admin consents only.
    func testPerUserConsentToTheBlueprintIsNotInherited() throws {
        let perUser = try Fixture(scenario: Self.scenario(inheritable: Self.inheritableEntry, grants: """
            { client: "Blueprint", resource: "Contoso API", scope: "Orders.Read", consentType: "Principal", principal: "alice@contoso.test" },
            """))
        XCTAssertEqual(try scp(perUser.issue(try agentOBO(scope: "api://contoso-api/.default", on: perUser))), "access_as_user")
        perUser.reject(try agentOBO(scope: "api://contoso-api/Orders.Read", on: perUser), error: "invalid_grant", code: 65001)
    }

    /// An autonomous agent's app-only token: its own roles, plus the blueprint's where its roles are inheritable.
    func testAppRolesAreInheritedOnlyWhenListed() throws {
        let assignment = #"{ principal: "Blueprint", resource: "Contoso API", appRole: "Orders.Write.All" }"#
        func roles(_ inheritable: String) throws -> JSONValue? {
            let fixture = try Fixture(scenario: Self.scenario(inheritable: inheritable, assignments: assignment))
            let t1 = try fixture.issue(exchangeForm()).accessToken
            return try JWT.decode(try fixture.issue(Form.assertion(t1, client: Self.agent)).accessToken).payload["roles"]
        }
        XCTAssertEqual(try roles(""), .array(["Orders.Read.All"]))
        XCTAssertEqual(try roles(Self.inheritableEntry), .array(["Orders.Read.All"]), "scopes inheritable, roles not")
        XCTAssertEqual(try roles(#"inheritablePermissions: [ { resourceAppId: "Contoso API", inheritableRoles: { kind: "allAllowed" } } ]"#),
                       .array(["Orders.Read.All", "Orders.Write.All"]))
        XCTAssertEqual(try roles(#"inheritablePermissions: [ { resourceAppId: "Contoso API", inheritableRoles: { kind: "enumerated", roles: [ "Orders.Read.All" ] } } ]"#),
                       .array(["Orders.Read.All"]), "the blueprint holds Orders.Write.All, which is not listed")
        // Listed by value, or by id with Graph's type name alone.
        XCTAssertEqual(try roles(#"inheritablePermissions: [ { resourceAppId: "Contoso API", inheritableRoles: { kind: "enumerated", roles: [ "Orders.Write.All" ] } } ]"#),
                       .array(["Orders.Read.All", "Orders.Write.All"]))
        let writeRole = try XCTUnwrap(fixture.service.directory.tenants.first?.application(appId: IDs.api)?.appRole(matching: "Orders.Write.All")?.id)
        XCTAssertEqual(try roles(##"inheritablePermissions: [ { resourceAppId: "Contoso API", inheritableRoles: { "@odata.type": "#microsoft.graph.enumeratedRoles", roles: [ "\##(writeRole.uppercased())" ] } } ]"##),
                       .array(["Orders.Read.All", "Orders.Write.All"]))
    }

    func testInheritablePermissionsAreCheckedAtLoad() {
        func problems(_ inheritable: String, on app: String = "Blueprint") -> String {
            var scenario = Self.scenario(inheritable: "")
            if app != "Blueprint" {
                scenario = scenario.replacingOccurrences(of: #"{ displayName: "\#(app)", "#, with: #"{ displayName: "\#(app)", \#(inheritable), "#)
            } else {
                scenario = Self.scenario(inheritable: inheritable)
            }
            do {
                _ = try Fixture(scenario: scenario)
                return "loaded"
            } catch {
                return String(describing: error)
            }
        }
        let entry = #"inheritablePermissions: [ { resourceAppId: "Contoso API", inheritableScopes: { kind: "allAllowed" } } ]"#
        XCTAssertTrue(problems(entry, on: "Desktop").contains("only an agent identity blueprint"))
        XCTAssertTrue(problems(entry, on: "Orders Agent").contains("only an agent identity blueprint"))
        let cases: [(String, String)] = [
            (#"{ resourceAppId: "Contoso API", inheritableScopes: { kind: "some" } }"#, #"must be one of "allAllowed", "enumerated", "none""#),
            (##"{ resourceAppId: "Contoso API", inheritableScopes: { "@odata.type": "#microsoft.graph.noScopes", kind: "allAllowed" } }"##, "contradicts @odata.type"),
            (##"{ resourceAppId: "Contoso API", inheritableScopes: { "@odata.type": "#microsoft.graph.allAllowedRoles" } }"##, "#microsoft.graph.allAllowedScopes"),
            (#"{ resourceAppId: "Contoso API", inheritableScopes: { } }"#, "required (or @odata.type)"),
            (#"{ resourceAppId: "Contoso API", inheritableScopes: { kind: "enumerated" } }"#, "lists at least one"),
            (#"{ resourceAppId: "Contoso API", inheritableScopes: { kind: "none", scopes: [ "Orders.Read" ] } }"#, "only kind \"enumerated\""),
            (#"{ resourceAppId: "Contoso API", inheritableScopes: { kind: "enumerated", scopes: [ "Orders.Delete" ] } }"#, "exposes no delegated permission 'Orders.Delete'"),
            (#"{ resourceAppId: "Contoso API", inheritableRoles: { kind: "enumerated", roles: [ "Orders.Delete.All" ] } }"#, "has no app role 'Orders.Delete.All'"),
            (#"{ resourceAppId: "Nobody" }"#, "no application or built-in resource 'Nobody'"),
            (#"{ resourceAppId: "Contoso API" }, { resourceAppId: "api://contoso-api" }"#, "already has an entry"),
            (#"{ resourceAppId: "Contoso API", inheritedScopes: { kind: "none" } }"#, "inheritedScopes"),
        ]
        for (entries, expected) in cases {
            let text = problems("inheritablePermissions: [ \(entries) ]")
            XCTAssertTrue(text.contains(expected), "\(entries): \(text)")
        }
        XCTAssertEqual(problems(#"inheritablePermissions: [ { resourceAppId: "Microsoft Graph", inheritableScopes: { kind: "enumerated", scopes: [ "User.Read" ] } } ]"#), "loaded")
        XCTAssertTrue(problems("inheritablePermissions: [ ]", on: "Desktop").contains("only an agent identity blueprint"), "an empty list too")

        // One problem, not a second one that follows from it.
        for (entries, expected, followOn) in [
            (#"{ resourceAppId: "Contoso API", inheritableScopes: { kind: 3 } }"#, "expected a string", "required (or @odata.type)"),
            (#"{ resourceAppId: "Contoso API", inheritableScopes: { kind: "enumerated", scopes: "Orders.Read" } }"#, "expected an array", "lists at least one"),
        ] {
            let text = problems("inheritablePermissions: [ \(entries) ]")
            XCTAssertTrue(text.contains(expected) && !text.contains(followOn), "\(entries): \(text)")
        }
        // A blueprint named wrongly, or one that may not be a blueprint, is that one problem.
        let misnamed = Self.scenario.replacingOccurrences(of: #"agentIdentity: { blueprint: "Blueprint" } }"#,
                                                          with: #"agentIdentity: { blueprint: "Bluprint" } }"#)
        XCTAssertThrowsError(try Fixture(scenario: misnamed)) {
            let text = String(describing: $0)
            XCTAssertTrue(text.contains("Bluprint") && !text.contains("only an agent identity blueprint"), text)
        }
        let uncredentialed = Self.scenario.replacingOccurrences(of: #"passwordCredentials: [ { secretText: "blueprint-secret" } ],"#, with: "")
        XCTAssertThrowsError(try Fixture(scenario: uncredentialed)) {
            let text = String(describing: $0)
            XCTAssertTrue(text.contains("has no credential") && !text.contains("only an agent identity blueprint"), text)
        }
    }

    /// The agent's user account (entra-wire §7.5): T1, then T2 (the agent's own exchange token),
    /// then `user_fic` naming the agent user, as msal's `acquire_token_by_user_federated_identity_credential` sends it.
    func agentUserForm(credential: String? = nil, user: String = "orders-agent@contoso.test",
                       scope: String = "api://contoso-api/access_as_user openid profile offline_access") throws -> [(String, String)] {
        let t1 = try t1()
        let t2 = try credential ?? fixture.issue(Form.assertion(t1, client: Self.agent, scope: "api://AzureADTokenExchange/.default")).accessToken
        return [("grant_type", "user_fic"), ("client_id", Self.agent), ("client_assertion_type", IDs.jwtBearer),
                ("client_assertion", t1), ("user_federated_identity_credential", t2), ("username", user),
                ("scope", scope), ("client_info", "1")]
    }

    func testTheAgentActsAsItsOwnUserAccount() throws {
        let tokens = try fixture.issue(try agentUserForm())
        let claims = try JWT.decode(tokens.accessToken).payload
        let agentUser = try XCTUnwrap(fixture.service.directory.tenants.first?.user(userPrincipalName: "orders-agent@contoso.test"))
        XCTAssertEqual(claims["oid"]?.stringValue, agentUser.id)
        XCTAssertEqual(claims["idtyp"]?.stringValue, "user")
        XCTAssertEqual(claims["xms_sub_fct"]?.stringValue, "13", "the subject is an agent user")
        XCTAssertEqual(claims["xms_act_fct"]?.stringValue, "11", "acted for by an agent identity")
        XCTAssertEqual(claims["azp"]?.stringValue, Self.agent)
        XCTAssertEqual(claims["scp"]?.stringValue, "access_as_user", "inherited from the blueprint")
        XCTAssertEqual(claims["preferred_username"]?.stringValue, "orders-agent@contoso.test")
        XCTAssertNotNil(tokens.idToken)
        let record = try XCTUnwrap(fixture.log.records().last)
        XCTAssertEqual(record.grantType, "user_fic")
        XCTAssertEqual(record.subject?.name, "orders-agent@contoso.test")
        XCTAssertEqual(record.authenticationMethods, ["fed"])
        XCTAssertNotNil(record.assertionTokenId, "T2's uti, so the chain reaches the agent's exchange token")

        // Its refresh token is redeemed by the agent identity with T1, like any other.
        let refreshed = try fixture.issue([("grant_type", "refresh_token"), ("client_id", Self.agent), ("client_assertion_type", IDs.jwtBearer),
                                           ("client_assertion", try t1()), ("refresh_token", try XCTUnwrap(tokens.refreshToken))])
        XCTAssertEqual(try JWT.decode(refreshed.accessToken).payload["oid"]?.stringValue, agentUser.id)
    }

    func testOnlyTheAgentItselfGetsItsUsersTokens() throws {
        // The credential must be the agent's own exchange token: not T1 (the blueprint's), not a token for another audience.
        fixture.reject(try agentUserForm(credential: try t1()), error: "invalid_grant", code: 50013, messageContains: "as an application")
        let forAPI = try fixture.issue(Form.assertion(try t1(), client: Self.agent)).accessToken
        fixture.reject(try agentUserForm(credential: forAPI), error: "invalid_grant", code: 50013, messageContains: "audience")
        fixture.reject(try agentUserForm(credential: "not.a.jwt"), error: "invalid_request", code: 50027)
        // Only its own agent user: not a person, not nobody.
        fixture.reject(try agentUserForm(user: "alice@contoso.test"), error: "invalid_grant", code: 50013, messageContains: "not the agent user")
        fixture.reject(try agentUserForm(user: "nobody@contoso.test"), error: "invalid_grant", code: 50034)
        fixture.reject(try agentUserForm().filter { $0.0 != "user_federated_identity_credential" }, error: "invalid_request", code: 900144)
        fixture.reject(try agentUserForm().filter { $0.0 != "username" }, error: "invalid_request", code: 900144)
        // Another client (here the blueprint itself, with its secret) is not an agent identity.
        let asBlueprint = try agentUserForm().filter { !["client_id", "client_assertion", "client_assertion_type"].contains($0.0) }
            + [("client_id", Self.blueprint), ("client_secret", "blueprint-secret")]
        fixture.reject(asBlueprint, error: "unauthorized_client", code: 82001)
        // An expired exchange token.
        let t2 = try fixture.issue(Form.assertion(try t1(), client: Self.agent, scope: "api://AzureADTokenExchange/.default")).accessToken
        fixture.clock.advance(by: 2 * 3600)
        fixture.reject(try agentUserForm(credential: t2), error: "invalid_grant", code: 500133)
        // The agent user has no password to sign in with, nor a password-less test sign-in
        // (headless /authorize, device approval, auto sign-in): another client would get its tokens.
        fixture.reject([("grant_type", "password"), ("client_id", IDs.desktop), ("username", "orders-agent@contoso.test"),
                        ("password", "a guess"), ("scope", "api://contoso-api/access_as_user")], error: "invalid_grant", code: 50126)
        let tenant = try XCTUnwrap(fixture.service.directory.tenants.first)
        guard case .failure(let refused) = fixture.service.signInWithoutPassword(userName: "orders-agent@contoso.test", tenant: tenant) else {
            return XCTFail("an agent user signed in without its agent")
        }
        XCTAssertEqual(refused.error.code, 50126)
    }

    func testAgentUserRequestDetails() throws {
        // By object id (msal's user_object_id), and with the docs' requested_token_use.
        let agentUser = try XCTUnwrap(fixture.service.directory.tenants.first?.user(userPrincipalName: "orders-agent@contoso.test"))
        let byId = try agentUserForm().map { $0.0 == "username" ? ("user_id", agentUser.id) : $0 }
        XCTAssertEqual(try JWT.decode(try fixture.issue(byId + [("requested_token_use", "on_behalf_of")]).accessToken).payload["oid"]?.stringValue,
                       agentUser.id)
        fixture.reject(try agentUserForm().map { $0.0 == "username" ? ("user_id", "orders-agent@contoso.test") : $0 },
                       error: "invalid_grant", code: 50034)
        fixture.reject(try agentUserForm() + [("requested_token_use", "something_else")], error: "invalid_request", code: 90023)
        fixture.reject(try agentUserForm(), version: .v1, error: "unsupported_grant_type", code: 70003)
        // A refused request does not name the person it asked for as its subject.
        fixture.reject(try agentUserForm(user: "alice@contoso.test"), error: "invalid_grant", code: 50013)
        XCTAssertNil(fixture.log.records().last?.subject)

        let disabled = try Fixture(scenario: Self.scenario.replacingOccurrences(
            of: #"identityParentId: "Orders Agent" }"#, with: #"identityParentId: "Orders Agent", accountEnabled: false }"#))
        fixture = disabled
        fixture.reject(try agentUserForm(), error: "invalid_grant", code: 50057)
    }

    func testAgentUsersAreCheckedAtLoad() {
        func problems(_ user: String) -> String {
            let scenario = Self.scenario.replacingOccurrences(
                of: #"{ userPrincipalName: "orders-agent@contoso.test", displayName: "Orders Agent (user)", identityParentId: "Orders Agent" }"#,
                with: user)
            do {
                _ = try Fixture(scenario: scenario)
                return "loaded"
            } catch {
                return String(describing: error)
            }
        }
        for key in ["password: \"p\"", "passwordExpired: true", "mfa: { registered: true }"] {
            let name = String(key.prefix { $0 != ":" })
            XCTAssertTrue(problems(#"{ userPrincipalName: "a@contoso.test", identityParentId: "Orders Agent", \#(key) }"#)
                .contains("an agent user has no \(name)"), key)
        }
        XCTAssertTrue(problems(#"{ userPrincipalName: "a@contoso.test", identityParentId: "Desktop" }"#)
            .contains("'Desktop' is not an agent identity"))
        XCTAssertTrue(problems(#"{ userPrincipalName: "a@contoso.test", identityParentId: "Nobody" }"#).contains("Nobody"))
        XCTAssertTrue(problems(#"{ userPrincipalName: "a@contoso.test", identityParentId: "Orders Agent" }, { userPrincipalName: "b@contoso.test", identityParentId: "\#(Self.agent)" }"#)
            .contains("already has an agent user (a@contoso.test)"))
    }

    /// Client credentials and On-Behalf-Of only: an agent identity is no client for ROPC or the
    /// device flow (82001, our choice of code), even with its exchange token.
    func testOtherUserFlowsAreNotForAgents() throws {
        let credential = [("client_assertion_type", IDs.jwtBearer), ("client_assertion", try t1())]
        fixture.reject([("grant_type", "password"), ("client_id", Self.agent), ("username", "alice@contoso.test"),
                        ("password", "alice-password"), ("scope", "api://contoso-api/access_as_user")] + credential,
                       error: "unauthorized_client", code: 82001)
        guard case .failure(let error) = fixture.service.deviceAuthorization(
            tenant: IDs.tenant, form: [("client_id", Self.agent), ("scope", "api://contoso-api/access_as_user")], baseURL: IDs.baseURL) else {
            return XCTFail("a device code for an agent identity")
        }
        XCTAssertEqual(error.error.code, 82001)
    }

    func testALoadedAgentIdentityHasNoCredentialAndANamedBlueprint() {
        XCTAssertThrowsError(try Fixture(scenario: Self.scenario.replacingOccurrences(
            of: #"agentIdentity: { blueprint: "Blueprint" } }"#,
            with: #"agentIdentity: { blueprint: "Blueprint" }, passwordCredentials: [ { secretText: "s" } ] }"#))) {
            XCTAssertTrue(String(describing: $0).contains("an agent identity has no passwordCredentials"), "\($0)")
        }
        XCTAssertThrowsError(try Fixture(scenario: Self.scenario.replacingOccurrences(
            of: #"agentIdentity: { blueprint: "Blueprint" } }"#, with: #"agentIdentity: { blueprint: "Nobody" } }"#))) {
            XCTAssertTrue(String(describing: $0).contains("Nobody"), "\($0)")
        }
        XCTAssertThrowsError(try Fixture(scenario: Self.scenario.replacingOccurrences(
            of: #"agentIdentity: { blueprint: "Blueprint" } }"#, with: #"agentIdentity: { blueprint: "Desktop" } }"#))) {
            XCTAssertTrue(String(describing: $0).contains("has no credential"), "\($0)")
        }
    }
}
