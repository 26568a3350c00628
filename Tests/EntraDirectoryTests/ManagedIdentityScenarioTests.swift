import Foundation
import XCTest
@testable import EntraDirectory

/// `managedIdentity` on an application: a service principal of the emulated Azure host.
final class ManagedIdentityScenarioTests: XCTestCase {
    func testKindsAndResourceIds() throws {
        let loaded = try ScenarioLoader.load(bytes: Array(scenario(applications: """
            { "displayName": "Orders Worker", "managedIdentity": { "type": "systemAssigned" } },
            { "displayName": "batch", "managedIdentity": { "type": "userAssigned",
              "resourceId": "/subscriptions/1/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/batch" } },
            { "displayName": "Plain app" }
            """).utf8), fileName: "test.json", baseDirectory: "/")
        let apps = loaded.directory.tenants[0].applications.filter { !$0.isBuiltIn }
        XCTAssertEqual(apps[0].managedIdentity, ManagedIdentity(
            kind: .systemAssigned,
            resourceId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/mockentra/providers/Microsoft.Web/sites/orders-worker"))
        XCTAssertEqual(apps[1].managedIdentity?.kind, .userAssigned)
        XCTAssertEqual(apps[1].managedIdentity?.resourceId,
                       "/subscriptions/1/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/batch")
        XCTAssertNil(apps[2].managedIdentity)
    }

    func testAManagedIdentityHasNoCredentials() {
        assertSingleProblem(scenario(applications: """
            { "displayName": "W", "managedIdentity": { "type": "systemAssigned" }, "passwordCredentials": [ { "secretText": "s" } ] }
            """), path: "applications[0].passwordCredentials", reason: "a managed identity has no passwordCredentials")
    }

    func testUnknownTypeAndBadResourceId() {
        assertSingleProblem(scenario(applications: #"{ "displayName": "W", "managedIdentity": { "type": "hostAssigned" } }"#),
                            path: "applications[0].managedIdentity.type", reason: "is not one of systemAssigned, userAssigned")
        assertSingleProblem(scenario(applications: #"{ "displayName": "W", "managedIdentity": { "type": "userAssigned", "resourceId": "batch" } }"#),
                            path: "applications[0].managedIdentity.resourceId", reason: "is not an Azure resource id")
    }

    func testTwoIdentitiesCannotShareAResourceId() {
        assertSingleProblem(scenario(applications: """
            { "displayName": "Batch Identity", "managedIdentity": { "type": "userAssigned" } },
            { "displayName": "batch-identity", "managedIdentity": { "type": "userAssigned" } }
            """), path: "tenant", reason: "managed identities 'Batch Identity' and 'batch-identity' have one resource id")
    }

    func testAnEntraFederatedIssuerMustBeAScenarioTenant() {
        assertSingleProblem(scenario(applications: """
            { "displayName": "D", "federatedIdentityCredentials": [
              { "issuer": "https://login.microsoftonline.com/contoso.test/v2.0", "subject": "x" } ] }
            """), path: "tenant", reason: "names no tenant of this scenario")
    }

    func testTheHostHasOneSystemAssignedIdentity() {
        assertSingleProblem(scenario(applications: """
            { "displayName": "A", "managedIdentity": { "type": "systemAssigned" } },
            { "displayName": "B", "managedIdentity": { "type": "systemAssigned" } }
            """), path: "tenant", reason: "'B' is a second system-assigned managed identity (also 'A')")
    }
}
