import Foundation
import XCTest
import JOSE
@testable import EntraDirectory

final class DeterministicIDTests: XCTestCase {
    func testSHA1KnownAnswers() {
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
        XCTAssertEqual(hex(Digest.sha1(Array("abc".utf8))), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(hex(Digest.sha1([])), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(hex(Digest.sha1(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
                       "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }

    func testGuidHasVersion5AndVariantBits() {
        let guid = DeterministicID.guid("mockentra/x")
        XCTAssertEqual(GUID.normalized(guid), guid)
        let characters = Array(guid)
        XCTAssertEqual(characters[14], "5")
        XCTAssertTrue("89ab".contains(characters[19]))
        XCTAssertNotEqual(guid, DeterministicID.guid("mockentra/y"))
    }

    func testDerivedIdsAreStableAcrossLoads() throws {
        let text = scenario(applications: """
            { "displayName": "App", "api": { "oauth2PermissionScopes": [ { "value": "s" } ] },
              "appRoles": [ { "value": "r", "allowedMemberTypes": ["Application"] } ],
              "passwordCredentials": [ { "secretText": "x" } ] }
            """)
        let first = try XCTUnwrap(loadScenario(text).directory.tenants.first)
        let second = try XCTUnwrap(loadScenario(text).directory.tenants.first)
        XCTAssertEqual(first.id, second.id)
        XCTAssertEqual(first.id, DeterministicID.guid("mockentra/tenant/fabrikam.test"))
        let a = try XCTUnwrap(first.applications.first), b = try XCTUnwrap(second.applications.first)
        XCTAssertEqual(a.appId, b.appId)
        XCTAssertEqual(a.appId, DeterministicID.guid("mockentra/\(first.id)/application/App"))
        XCTAssertEqual(a.objectId, b.objectId)
        XCTAssertEqual(a.servicePrincipalId, b.servicePrincipalId)
        XCTAssertEqual(Set([a.appId, a.objectId, a.servicePrincipalId]).count, 3)
        XCTAssertEqual(a.oauth2PermissionScopes.map(\.id), b.oauth2PermissionScopes.map(\.id))
        XCTAssertEqual(a.appRoles.map(\.id), b.appRoles.map(\.id))
        XCTAssertEqual(a.passwordCredentials.map(\.keyId), b.passwordCredentials.map(\.keyId))
        XCTAssertEqual(first.users.map(\.id), second.users.map(\.id))
    }

    /// Two loads in one process cannot catch ids that change between runs (a per-process seed);
    /// these literals were derived by earlier runs and must never change.
    func testDerivedIdsOfTheDefaultScenarioArePinned() throws {
        let tenant = try XCTUnwrap(try ScenarioLoader.load(file: RepositoryPaths.scenarios.appendingPathComponent("default.json").path).directory.tenants.first)
        XCTAssertEqual(tenant.user(userPrincipalName: "alice@contoso.test")?.id, "871d3f14-c77a-5ef8-941e-91a6a3c85630")
        XCTAssertEqual(tenant.application(appId: "2d6f6a9c-3b8e-4f1a-9c2d-7e5b4a3f1c0d")?.servicePrincipalId,
                       "559a3e89-1a1c-5c8e-bd72-f6087cc605b4")
    }

    func testGivenGuidsAreNormalisedToLowerCase() throws {
        let tenant = try XCTUnwrap(loadScenario(scenario(applications: #"{ "displayName": "A", "appId": "ABCDEF01-2345-6789-ABCD-EF0123456789" }"#))
            .directory.tenants.first)
        XCTAssertEqual(tenant.applications.first?.appId, "abcdef01-2345-6789-abcd-ef0123456789")
        XCTAssertEqual(tenant.application(appId: "ABCDEF01-2345-6789-ABCD-EF0123456789")?.displayName, "A")
    }
}
