import Foundation
import XCTest
import EntraDirectory
import JOSE
@testable import TokenService

/// Tokens from the managed-identity endpoints, without sockets: which identity a request selects,
/// the token it gets (roles, `xms_mirid`, v1 or v2 shape), the errors, the exchange record.
final class ManagedIdentityTests: XCTestCase {
    static let worker = "7f3e9a1c-4b2d-4e8f-a6c0-5d1b3e7f9a24"
    static let batch = "8a4f0b2d-5c3e-4f9a-b7d1-6e2c4f8a0b35"
    static let retired = "9b5a1c3e-6d4f-4a0b-8c2e-7f3d5a9b1c46"
    static let batchResourceId = "/subscriptions/1/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/batch"
    static let scenario = """
    {
      \(IDs.tenantHeader),
      applications: [
        { displayName: "Contoso API", appId: "\(IDs.api)", identifierUris: [ "api://contoso-api" ],
          api: { requestedAccessTokenVersion: 2 },
          appRoles: [ { value: "Orders.Write.All", allowedMemberTypes: [ "Application" ] } ] },
        { displayName: "Orders Worker", appId: "\(worker)", managedIdentity: { type: "systemAssigned" } },
        { displayName: "batch", appId: "\(batch)", managedIdentity: { type: "userAssigned", resourceId: "\(batchResourceId)" } },
        { displayName: "retired", appId: "\(retired)", managedIdentity: { type: "userAssigned" }, accountEnabled: false },
      ],
      appRoleAssignments: [ { principal: "Orders Worker", resource: "Contoso API", appRole: "Orders.Write.All" } ],
    }
    """

    var fixture: Fixture!
    var service: TokenService { fixture.service }

    override func setUpWithError() throws {
        fixture = try Fixture(scenario: Self.scenario)
    }

    func request(_ resource: String?, clientId: String? = nil, objectId: String? = nil, resourceId: String? = nil,
                 endpoint: ManagedIdentityRequest.Endpoint = .imds) -> ManagedIdentityRequest {
        ManagedIdentityRequest(endpoint: endpoint, resource: resource, clientId: clientId,
                               objectId: objectId, resourceId: resourceId, baseURL: IDs.baseURL)
    }

    func testTheSystemAssignedIdentityIsTheDefault() throws {
        let token = try service.managedIdentityToken(request("api://contoso-api")).get()
        XCTAssertEqual(token.clientId, Self.worker)
        XCTAssertEqual(token.resource, "api://contoso-api")
        XCTAssertEqual(token.expiresOn - token.notBefore, token.expiresIn + Int(TokenMinter.backdating))
        let claims = try JWT.decode(token.accessToken).payload
        XCTAssertEqual(claims["aud"]?.stringValue, IDs.api)
        XCTAssertEqual(claims["azp"]?.stringValue, Self.worker)
        XCTAssertEqual(claims["azpacr"]?.stringValue, "2")
        XCTAssertEqual(claims["roles"], .array(["Orders.Write.All"]))
        XCTAssertNil(claims["idtyp"], "this Contoso API does not ask for the optional claim")
        XCTAssertEqual(claims["oid"], claims["sub"])
        XCTAssertTrue(claims["xms_mirid"]?.stringValue?.hasSuffix("/providers/Microsoft.Web/sites/orders-worker") ?? false)
        XCTAssertNoThrow(try JWT.decode(token.accessToken).verifySignature(with: service.keys.active.privateKey.publicKey,
                                                                           allowed: [.rs256]))

        let record = try XCTUnwrap(fixture.log.records().last)
        XCTAssertEqual(record.grantType, "managed_identity:imds")
        XCTAssertEqual(record.outcome, "issued")
        XCTAssertEqual(record.client?.appId, Self.worker)
        XCTAssertEqual(record.client?.authenticationMethod, .managedIdentity)
        XCTAssertEqual(record.subject?.kind, "app")
        XCTAssertEqual(record.grantedRoles, ["Orders.Write.All"])
    }

    func testAUserAssignedIdentityIsSelectedByClientIdObjectIdOrResourceId() throws {
        let batch = try XCTUnwrap(service.directory.tenants[0].application(appId: Self.batch))
        for selected in [request("api://contoso-api", clientId: Self.batch.uppercased()),
                         request("api://contoso-api", objectId: batch.servicePrincipalId),
                         request("api://contoso-api/.default", resourceId: Self.batchResourceId.lowercased(), endpoint: .appService)] {
            let token = try service.managedIdentityToken(selected).get()
            XCTAssertEqual(token.clientId, Self.batch)
            let claims = try JWT.decode(token.accessToken).payload
            XCTAssertNil(claims["roles"], "no role assigned to it")
            XCTAssertEqual(claims["xms_mirid"]?.stringValue, Self.batchResourceId)
        }
        XCTAssertEqual(fixture.log.records().last?.grantType, "managed_identity:app_service")
    }

    func testAV1ResourceGetsAV1TokenForTheNameAsked() throws {
        let token = try service.managedIdentityToken(request("https://management.azure.com/")).get()
        let claims = try JWT.decode(token.accessToken).payload
        XCTAssertEqual(claims["aud"]?.stringValue, "https://management.azure.com/")
        XCTAssertEqual(claims["appid"]?.stringValue, Self.worker)
        XCTAssertEqual(claims["appidacr"]?.stringValue, "2")
        XCTAssertEqual(claims["ver"]?.stringValue, "1.0")
    }

    func testErrors() {
        let cases: [(ManagedIdentityRequest, String, String)] = [
            (request(nil), "invalid_request", "Required audience parameter not specified"),
            (request("api://contoso-api", clientId: "00000000-1111-4222-8333-444444444444"), "invalid_request", "Identity not found"),
            (request("api://contoso-api", clientId: IDs.api), "invalid_request", "Identity not found"),
            (request("api://nobody"), "invalid_resource", "AADSTS50001: The application named api://nobody was not found"),
            // A disabled identity is a disabled service principal.
            (request("api://contoso-api", clientId: Self.retired), "unauthorized_client", "AADSTS7000112: Application '\(Self.retired)'(retired) is disabled."),
            // Two selectors: none of them wins silently.
            (request("api://contoso-api", clientId: Self.batch, objectId: "11111111-2222-4333-8444-555555555555"),
             "invalid_request", "Give at most one of client_id, object_id"),
        ]
        for (request, error, description) in cases {
            guard case .failure(let failure) = service.managedIdentityToken(request) else {
                XCTFail("expected \(error) for \(request)")
                continue
            }
            XCTAssertEqual(failure.kind, .badRequest)
            XCTAssertEqual(failure.error, error)
            XCTAssertTrue(failure.description.hasPrefix(description), failure.description)
            XCTAssertEqual(fixture.log.records().last?.outcome, "error")
            XCTAssertEqual(fixture.log.records().last?.failure?.code, failure.code ?? 0)
        }
        XCTAssertEqual(fixture.log.records().filter { $0.failure?.code == 7000112 }.count, 1, "the record keeps Entra's code")
    }

    func testTheRecordNamesTheEndpointThatWasCalled() throws {
        _ = try service.managedIdentityToken(request("api://contoso-api", endpoint: .appService)).get()
        XCTAssertEqual(fixture.log.records().last?.endpoint, "/msi/token")
        XCTAssertEqual(fixture.log.records().last?.grantType, "managed_identity:app_service")
    }
}
