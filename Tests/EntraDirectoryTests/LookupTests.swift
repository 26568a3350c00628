import Foundation
import XCTest
@testable import EntraDirectory

final class LookupTests: XCTestCase {
    private let twoTenants = """
        {
          "tenants": [
            { "tenant": { "id": "AAAAAAAA-0000-0000-0000-000000000001", "defaultDomain": "one.test", "domains": ["One.Example"] },
              "applications": [ { "displayName": "Api", "identifierUris": ["https://api.one.test/v1/"] } ],
              "users": [ { "userPrincipalName": "u@one.example", "memberOf": ["G"] } ],
              "groups": [ { "displayName": "G" } ] },
            { "tenant": { "defaultDomain": "two.test" },
              "applications": [ { "displayName": "Api" } ] }
          ]
        }
        """

    func testTenantByGuidAndDomainInAnyCase() throws {
        let directory = try loadScenario(twoTenants).directory
        XCTAssertEqual(directory.tenants.count, 2)
        XCTAssertEqual(directory.tenant(matching: "aaaaaaaa-0000-0000-0000-000000000001")?.defaultDomain, "one.test")
        XCTAssertEqual(directory.tenant(matching: "ONE.example")?.id, "aaaaaaaa-0000-0000-0000-000000000001")
        XCTAssertEqual(directory.tenant(matching: "Two.Test")?.id, DeterministicID.guid("mockentra/tenant/two.test"))
        XCTAssertNil(directory.tenant(matching: "common"))
        XCTAssertNil(directory.tenant(matching: "three.test"))
    }

    func testMembershipIsNormalisedOnBothSides() throws {
        let tenant = try XCTUnwrap(loadScenario(twoTenants).directory.tenant(matching: "one.test"))
        let user = try XCTUnwrap(tenant.users.first)
        let group = try XCTUnwrap(tenant.groups.first)
        XCTAssertEqual(group.memberIds, [user.id])
        XCTAssertEqual(user.groupIds, [group.id])
        XCTAssertEqual(tenant.group(id: group.id.uppercased())?.displayName, "G")
    }

    func testSameNamesInTwoTenantsGetDifferentIds() throws {
        let directory = try loadScenario(twoTenants).directory
        let first = try XCTUnwrap(directory.tenants[0].applications.first)
        let second = try XCTUnwrap(directory.tenants[1].applications.first)
        XCTAssertNotEqual(first.appId, second.appId)
        // Built-ins keep their real appId everywhere, but get per-tenant object ids.
        let graphOne = try XCTUnwrap(directory.tenants[0].application(appId: BuiltInResources.microsoftGraphAppId))
        let graphTwo = try XCTUnwrap(directory.tenants[1].application(appId: BuiltInResources.microsoftGraphAppId))
        XCTAssertNotEqual(graphOne.servicePrincipalId, graphTwo.servicePrincipalId)
    }

    func testResourceByIdentifierUriWithAndWithoutTrailingSlash() throws {
        let tenant = try XCTUnwrap(loadScenario(twoTenants).directory.tenant(matching: "one.test"))
        XCTAssertEqual(tenant.resource(identifier: "https://api.one.test/v1/")?.displayName, "Api")
        XCTAssertEqual(tenant.resource(identifier: "https://api.one.test/v1")?.displayName, "Api")
        XCTAssertEqual(tenant.resource(identifier: "HTTPS://API.ONE.TEST/v1")?.displayName, "Api")
        XCTAssertNil(tenant.resource(identifier: "https://api.one.test/V1"), "the path stays case-sensitive")
        XCTAssertNil(tenant.resource(identifier: "https://api.one.test"))

        XCTAssertEqual(tenant.resource(identifier: "https://database.windows.net")?.appId, "022907d3-0f1b-48f7-badc-1ba6abab6d66")
        XCTAssertEqual(tenant.resource(identifier: "https://database.windows.net/")?.appId, "022907d3-0f1b-48f7-badc-1ba6abab6d66")
        XCTAssertEqual(tenant.resource(identifier: "https://graph.microsoft.com/")?.appId, BuiltInResources.microsoftGraphAppId)
        XCTAssertEqual(tenant.resource(identifier: "https://management.core.windows.net/")?.appId, "797f4846-ba00-4fd7-ba43-dac1f8f63013")
        XCTAssertEqual(tenant.resource(identifier: "https://management.azure.com")?.appId, "797f4846-ba00-4fd7-ba43-dac1f8f63013")
        XCTAssertEqual(tenant.resource(identifier: "CFA8B339-82A2-471A-A3C9-0FC0BE7A4093")?.displayName, "Azure Key Vault")
        XCTAssertNil(tenant.resource(identifier: "https://example.com"))
    }

    func testBuiltInsArePresentAfterDeclaredApplications() throws {
        let tenant = try XCTUnwrap(loadScenario(twoTenants).directory.tenant(matching: "one.test"))
        XCTAssertEqual(tenant.applications.first?.displayName, "Api")
        XCTAssertFalse(tenant.applications[0].isBuiltIn)
        let builtIns = tenant.applications.filter(\.isBuiltIn)
        XCTAssertEqual(builtIns.count, BuiltInResources.catalogue.count)
        XCTAssertTrue(builtIns.allSatisfy { $0.requestedAccessTokenVersion == ($0.appId == TokenExchange.appId ? 2 : nil) })
        let graph = try XCTUnwrap(tenant.application(appId: BuiltInResources.microsoftGraphAppId))
        XCTAssertEqual(graph.scope(named: "User.Read")?.id, "e1fe6dd8-ba31-4d61-89e7-88639da4683d")
        XCTAssertEqual(graph.appRole(matching: "User.Read.All")?.id, "df021288-bdef-4463-88db-98f22de89214")
        let ledger = try XCTUnwrap(tenant.resource(identifier: "https://confidential-ledger.azure.com/"))
        XCTAssertTrue(ledger.oauth2PermissionScopes.isEmpty, "no delegated scope, so OBO to it must fail")
        XCTAssertEqual(tenant.application(servicePrincipalId: graph.servicePrincipalId.uppercased())?.appId, graph.appId)
    }

    func testCatalogueIsConsistent() {
        var appIds: Set<String> = []
        var uris: Set<String> = []
        for resource in BuiltInResources.catalogue {
            XCTAssertEqual(GUID.normalized(resource.appId), resource.appId)
            XCTAssertTrue(appIds.insert(resource.appId).inserted, resource.displayName)
            for uri in resource.identifierUris { XCTAssertTrue(uris.insert(IdentifierURI.normalized(uri)).inserted, uri) }
            for id in resource.scopes.map(\.id) + resource.roles.map(\.id) { XCTAssertEqual(GUID.normalized(id), id) }
        }
    }

    func testReferencesByAppIdUriAndAlias() throws {
        let tenant = try XCTUnwrap(loadScenario(scenario(applications: """
            { "displayName": "App", "requiredResourceAccess": [
              { "resource": "Azure Resource Manager", "scopes": ["user_impersonation"] },
              { "resource": "https://vault.azure.net/", "scopes": ["user_impersonation"] },
              { "resource": "e406a681-f3d4-42a8-90b6-c2b029497af1", "scopes": ["user_impersonation"] },
              { "resource": "microsoft graph", "roles": ["Directory.Read.All"] } ] }
            """)).directory.tenants.first)
        XCTAssertEqual(tenant.applications.first?.requiredResourceAccess.map(\.resourceAppId), [
            "797f4846-ba00-4fd7-ba43-dac1f8f63013", "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
            "e406a681-f3d4-42a8-90b6-c2b029497af1", BuiltInResources.microsoftGraphAppId,
        ])
    }
}
