import Foundation
import XCTest
@testable import EntraDirectory

final class ShippedScenarioTests: XCTestCase {
    func testEveryShippedScenarioLoadsWithoutProblems() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: RepositoryPaths.scenarios.path)
            .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".schema.json") }
        XCTAssertTrue(files.contains("default.json"))
        for name in files {
            do {
                let scenario = try ScenarioLoader.load(file: RepositoryPaths.scenarios.appendingPathComponent(name).path)
                XCTAssertFalse(scenario.directory.tenants.isEmpty, name)
            } catch {
                XCTFail("\(name) did not load:\n\(error)")
            }
        }
    }

    func testDefaultScenarioHasTheDocumentedContents() throws {
        let path = RepositoryPaths.scenarios.appendingPathComponent("default.json").path
        let scenario = try ScenarioLoader.load(file: path)
        XCTAssertEqual(scenario.sourceFile, path)
        let tenant = try XCTUnwrap(scenario.directory.tenant(matching: "contoso.test"))
        XCTAssertEqual(tenant.id, "0f8e4f3a-6c1b-4c52-9d7e-3a6b2c1d0e9f")
        XCTAssertEqual(tenant.displayName, "Contoso (MockEntra default)")

        let daemon = try XCTUnwrap(tenant.application(appId: "2d6f6a9c-3b8e-4f1a-9c2d-7e5b4a3f1c0d"))
        XCTAssertEqual(daemon.passwordCredentials.map(\.secretText), ["contoso-daemon-secret"])
        XCTAssertEqual(daemon.passwordCredentials.first?.hint, "con")
        XCTAssertEqual(daemon.keyCredentials.count, 1)
        XCTAssertLessThan(try XCTUnwrap(daemon.keyCredentials.first).startDateTime, try XCTUnwrap(daemon.keyCredentials.first).endDateTime)

        let api = try XCTUnwrap(tenant.resource(identifier: "api://contoso-api"))
        XCTAssertEqual(api.appId, "6a0c3e8f-5d2b-4b7e-8f1a-9c3d2e1b0a4f")
        XCTAssertEqual(api.requestedAccessTokenVersion, 2)
        XCTAssertEqual(api.oauth2PermissionScopes.map(\.value), ["access_as_user"])
        XCTAssertEqual(api.appRoles.map(\.value), ["Orders.Read.All", "Orders.Write.All"])

        let legacy = try XCTUnwrap(tenant.resource(identifier: "https://legacy.contoso.test/"))
        XCTAssertNil(legacy.requestedAccessTokenVersion)

        let desktop = try XCTUnwrap(tenant.application(appId: "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"))
        XCTAssertTrue(desktop.isFallbackPublicClient)
        XCTAssertEqual(desktop.publicClientRedirectUris, ["http://localhost"])
        XCTAssertEqual(desktop.requiredResourceAccess.map(\.resourceAppId), [api.appId, BuiltInResources.microsoftGraphAppId])

        XCTAssertEqual(tenant.appRoles(grantedTo: daemon.servicePrincipalId, on: api.appId).map(\.value), ["Orders.Read.All"])
        XCTAssertEqual(tenant.appRoles(grantedTo: daemon.servicePrincipalId, on: legacy.appId).map(\.value), ["Legacy.Access"])
        XCTAssertEqual(tenant.appRoles(grantedTo: daemon.servicePrincipalId, on: BuiltInResources.microsoftGraphAppId).map(\.id),
                       ["df021288-bdef-4463-88db-98f22de89214"])
        XCTAssertEqual(tenant.appRoles(grantedTo: desktop.servicePrincipalId, on: api.appId).count, 0)

        let alice = try XCTUnwrap(tenant.user(userPrincipalName: "ALICE@contoso.test"))
        XCTAssertEqual(alice.displayName, "Alice Smith")
        XCTAssertEqual(alice.password, "alice-password")
        XCTAssertTrue(alice.mfaRegistered)
        let bob = try XCTUnwrap(tenant.user(userPrincipalName: "bob@contoso.test"))
        XCTAssertFalse(bob.mfaRegistered)
        let engineers = try XCTUnwrap(tenant.groups.first)
        XCTAssertEqual(engineers.memberIds, [alice.id])
        XCTAssertEqual(alice.groupIds, [engineers.id])
        XCTAssertEqual(bob.groupIds, [])

        XCTAssertEqual(tenant.oauth2PermissionGrants.count, 5)
        XCTAssertEqual(tenant.oauth2PermissionGrants.map(\.scopes),
                       [["access_as_user"], ["User.Read"], ["User.Read"], ["access_as_user"], ["access_as_user"]])
        XCTAssertEqual(tenant.oauth2PermissionGrants[2].clientAppId, api.appId, "the middle tier's Graph consent (OBO)")
        // Agent ID: the blueprint and its agent identity, which trusts the blueprint's exchange token.
        let agent = try XCTUnwrap(tenant.application(appId: "6e8a0c2d-4f6b-4d8f-8b2c-4d6f8a0c2e3f"))
        XCTAssertEqual(agent.agentIdentity?.blueprintAppId, "5d7f9b1c-3e5a-4c7e-9a1b-3c5e7f9b1d2e")
        XCTAssertEqual(agent.servicePrincipalId, agent.appId)
        XCTAssertEqual(agent.federatedIdentityCredentials.map(\.audiences), [[TokenExchange.audience]])
        XCTAssertEqual(Set(tenant.oauth2PermissionGrants.map(\.consentType)), ["AllPrincipals"])
    }
}
