import Foundation
import XCTest
import HTTPServer
import JOSE
import MockEntra

/// The managed-identity endpoints over TLS on the default scenario: the headers each one demands,
/// and the response shapes azure-identity and MSAL read (numbers as strings).
final class ManagedIdentityRouteTests: ShippedScenarioServerTestCase {
    static let worker = "7f3e9a1c-4b2d-4e8f-a6c0-5d1b3e7f9a24"
    static let batch = "8a4f0b2d-5c3e-4f9a-b7d1-6e2c4f8a0b35"
    let imds = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F"

    func testIMDS() throws {
        // azure-identity's probe sends no Metadata header: any answer means "IMDS is here".
        let probe = try client.get(imds)
        XCTAssertEqual(probe.status, 400)
        XCTAssertEqual(probe.object()["error"]?.stringValue, "bad_request_102")
        XCTAssertEqual(probe.object()["error_description"]?.stringValue, "Required metadata header not specified")
        // "true", in all lower case (how-to-use-vm-token).
        for value in ["True", "TRUE", "1", ""] {
            XCTAssertEqual(try client.get(imds, headers: [("Metadata", value)]).object()["error"]?.stringValue, "bad_request_102", value)
        }

        let response = try client.get(imds, headers: [("Metadata", "true")])
        XCTAssertEqual(response.status, 200, response.text)
        let body = response.object()
        for key in ["client_id", "expires_in", "expires_on", "ext_expires_in", "not_before", "resource", "token_type"] {
            XCTAssertNotNil(body[key]?.stringValue, "\(key) is a string")
        }
        XCTAssertEqual(body["client_id"]?.stringValue, Self.worker)
        XCTAssertEqual(body["resource"]?.stringValue, "https://management.azure.com/")
        let token = try JWT.decode(try XCTUnwrap(body["access_token"]?.stringValue))
        XCTAssertEqual(token.payload["aud"]?.stringValue, "https://management.azure.com/")

        let missingVersion = try client.get("/metadata/identity/oauth2/token?resource=api://contoso-api", headers: [("Metadata", "true")])
        XCTAssertEqual(missingVersion.status, 400)
        let unknown = try client.get(imds + "&client_id=00000000-1111-4222-8333-444444444444", headers: [("Metadata", "true")])
        XCTAssertEqual(unknown.status, 400)
        XCTAssertEqual(unknown.object()["error_description"]?.stringValue, "Identity not found")
    }

    func testAppService() throws {
        let path = "/msi/token?api-version=2019-08-01&resource=api%3A%2F%2Fcontoso-api&client_id=\(Self.batch)"
        XCTAssertEqual(try client.get(path).status, 401, "X-IDENTITY-HEADER is required")
        XCTAssertEqual(try client.get(path, headers: [("X-IDENTITY-HEADER", "guess")]).status, 401)
        let response = try client.get(path, headers: [("X-IDENTITY-HEADER", "mockentra-identity-header")])
        XCTAssertEqual(response.status, 200, response.text)
        let body = response.object()
        XCTAssertEqual(body["client_id"]?.stringValue, Self.batch)
        XCTAssertEqual(body["resource"]?.stringValue, "api://contoso-api")
        XCTAssertNotNil(body["expires_on"]?.stringValue)
        XCTAssertNil(body["expires_in"], "App Service sends expires_on only")
        let claims = try JWT.decode(try XCTUnwrap(body["access_token"]?.stringValue)).payload
        XCTAssertEqual(claims["iss"]?.stringValue, "\(base)/\(Default.tenant)/v2.0", "issued for the listener called")
        let badResource = try client.get("/msi/token?api-version=2019-08-01&resource=api%3A%2F%2Fnobody",
                                         headers: [("X-IDENTITY-HEADER", "mockentra-identity-header")])
        XCTAssertEqual(badResource.status, 400)
        XCTAssertEqual(badResource.object()["statusCode"], 400)
    }
}
