import Foundation
import XCTest
import EntraDirectory
import JOSE
@testable import TokenService

/// One test per rejection of the request, the client or the scope: Entra's `error`, AADSTS code,
/// HTTP status, and an "error" exchange record carrying the code.
final class RequestRejectionTests: XCTestCase {
    var fixture: Fixture!

    override func setUpWithError() throws {
        fixture = try Fixture()
    }

    func testUnknownClientIs700016() {
        fixture.reject(Form.secret(client: "00000000-1111-4222-8333-444444444444"),
                       error: "unauthorized_client", code: 700016, status: 400,
                       messageContains: "'00000000-1111-4222-8333-444444444444' was not found in the directory '\(IDs.tenantName)'")
    }

    func testMalformedClientIdIs700038() {
        fixture.reject(Form.secret(client: "not-a-guid"), error: "unauthorized_client", code: 700038,
                       messageContains: "not-a-guid is not a valid application identifier")
    }

    func testWrongSecretIs7000215With401() {
        let stamped = fixture.reject(Form.secret(secret: "wrong"), error: "invalid_client", code: 7000215, status: 401,
                                     messageContains: "Invalid client secret provided")
        // A rejected client is still recorded (as the client it claimed to be, with no method),
        // so tests can find its failures by client id.
        let client = fixture.log.records().last?.client
        XCTAssertEqual(client?.appId, "2d6f6a9c-3b8e-4f1a-9c2d-7e5b4a3f1c0d")
        XCTAssertNil(client?.authenticationMethod)
        XCTAssertEqual(fixture.log.records().last?.requestedScopes, ["api://contoso-api/.default"])
        XCTAssertEqual(stamped?.error.httpStatus, 401)
    }

    func testExpiredSecretIs7000222With401() {
        fixture.reject(Form.secret(client: IDs.expiredSecretApp, secret: "old-secret"),
                       error: "invalid_client", code: 7000222, status: 401, messageContains: "are expired")
        // A wrong secret on the same app is still 7000215, not 7000222.
        fixture.reject(Form.secret(client: IDs.expiredSecretApp, secret: "other"), error: "invalid_client", code: 7000215)
    }

    func testMissingGrantTypeIs900144() {
        let form = Form.secret().filter { $0.0 != "grant_type" }
        fixture.reject(form, error: "invalid_request", code: 900144, messageContains: "'grant_type'")
    }

    func testMissingClientIdIs900144() {
        let form = Form.secret().filter { $0.0 != "client_id" }
        fixture.reject(form, error: "invalid_request", code: 900144, messageContains: "'client_id'")
    }

    /// Client credentials without `scope` get Entra's own 90014, not the generic 900144.
    func testClientCredentialsWithoutScopeIs90014() {
        let form = Form.secret().filter { $0.0 != "scope" }
        fixture.reject(form, error: "invalid_request", code: 90014,
                       messageContains: "The required field 'scope' is missing from the credential.")
        // An empty value counts as missing.
        let empty = Form.secret().filter { $0.0 != "scope" } + [("scope", "")]
        fixture.reject(empty, error: "invalid_request", code: 90014)
    }

    func testDuplicatedParameterIs9000411() {
        fixture.reject(Form.secret() + [("scope", "api://contoso-api/.default")], error: "invalid_request", code: 9000411,
                       messageContains: "'scope' is duplicated")
    }

    /// Past a handful of parameters the names are indexed (a body may hold thousands): the same
    /// answers either way, duplicates included.
    func testManyParametersAreReadAndTheirDuplicatesFoundAsWithFew() throws {
        let padding = (1...40).map { ("x-padding-\($0)", "v\($0)") }
        XCTAssertFalse(try fixture.issue(padding + Form.secret()).accessToken.isEmpty)
        fixture.reject(padding + Form.secret() + [("x-padding-7", "again")], error: "invalid_request", code: 9000411,
                       messageContains: "'x-padding-7' is duplicated")
        fixture.reject([("scope", "a")] + padding + Form.secret(), error: "invalid_request", code: 9000411,
                       messageContains: "'scope' is duplicated")
    }

    func testUnsupportedGrantIs70003() {
        var form = Form.secret()
        form[0] = ("grant_type", "magic")
        fixture.reject(form, error: "unsupported_grant_type", code: 70003, messageContains: "'magic'")
    }

    func testUnknownResourceIs500011() {
        fixture.reject(Form.secret(scope: "api://nobody/.default"), error: "invalid_resource", code: 500011,
                       messageContains: "api://nobody was not found in the tenant named \(IDs.tenantName)")
    }

    func testTwoResourcesDefaultScopesIs70011() {
        fixture.reject(Form.secret(scope: "api://contoso-api/.default https://legacy.contoso.test/.default"),
                       error: "invalid_scope", code: 70011)
    }

    func testDefaultMixedWithNamedScopeIs70011() {
        // entra-wire §4.4: mixing `.default` with named scopes is an error: 70011 (brief and catalogue).
        fixture.reject(Form.secret(scope: "api://contoso-api/.default api://contoso-api/access_as_user"),
                       error: "invalid_scope", code: 70011)
    }

    func testNamedScopeInClientCredentialsIs1002012() {
        fixture.reject(Form.secret(scope: "api://contoso-api/access_as_user"), error: "invalid_scope", code: 1002012,
                       messageContains: "api://contoso-api/access_as_user")
        fixture.reject(Form.secret(scope: "User.Read"), error: "invalid_scope", code: 1002012)
    }

    func testUnknownTenantIs90002() {
        fixture.reject(Form.secret(), tenant: "nobody.test", error: "invalid_request", code: 90002,
                       messageContains: "Tenant 'nobody.test' not found")
        fixture.reject(Form.secret(), tenant: "11111111-2222-4333-8444-555555555555", error: "invalid_request", code: 90002)
    }

    func testCommonIs9001023() {
        fixture.reject(Form.secret(), tenant: "common", error: "invalid_request", code: 9001023)
        fixture.reject(Form.secret(), tenant: "consumers", error: "invalid_request", code: 9001023)
    }

    func testOrganizationsResolvesToTheClientsHomeTenant() throws {
        let tokens = try fixture.issue(Form.secret(), tenant: "organizations")
        let jwt = try JWT.decode(tokens.accessToken)
        XCTAssertEqual(jwt.payload["tid"]?.stringValue, IDs.tenant)
        XCTAssertEqual(jwt.payload["iss"]?.stringValue, "\(IDs.baseURL)/\(IDs.tenant)/v2.0")
        XCTAssertEqual(fixture.log.records().last?.tenantId, IDs.tenant)
        XCTAssertEqual(fixture.log.records().last?.outcome, "issued")
    }

    func testTenantByDomainWorks() throws {
        let tokens = try fixture.issue(Form.secret(), tenant: "Contoso.Test")
        XCTAssertEqual(try JWT.decode(tokens.accessToken).payload["tid"]?.stringValue, IDs.tenant)
    }

    func testNoCredentialIs7000218() {
        let form = Form.secret().filter { $0.0 != "client_secret" }
        fixture.reject(form, error: "invalid_client", code: 7000218, status: 401)
        // A public client cannot use client credentials either.
        fixture.reject([("grant_type", "client_credentials"), ("client_id", IDs.desktop), ("scope", "api://contoso-api/.default")],
                       error: "invalid_client", code: 7000218, status: 401)
    }

    func testSecretAndAssertionTogetherAreConflicting() throws {
        let assertion = try Assertion.rs256(Assertion.claims())
        let form = Form.assertion(assertion) + [("client_secret", IDs.daemonSecret)]
        fixture.reject(form, error: "invalid_request", code: 90023)
        // A body secret plus a Basic header is the same conflict.
        fixture.reject(Form.secret(), basic: BasicCredentials(clientId: IDs.daemon, secret: IDs.daemonSecret),
                       error: "invalid_request", code: 90023)
    }

    func testBasicHeaderForAnotherClientIsConflicting() {
        let form = Form.secret().filter { $0.0 != "client_secret" }
        fixture.reject(form, basic: BasicCredentials(clientId: IDs.api, secret: "contoso-api-secret"),
                       error: "invalid_request", code: 90023)
    }

    func testResourceOnV2WithoutScopeIs901002() {
        let form = Form.secret().filter { $0.0 != "scope" } + [("resource", "api://contoso-api")]
        fixture.reject(form, error: "invalid_request", code: 901002)
    }

    /// Next to `scope`, client credentials accept a `resource` naming the same resource (case aside)
    /// and refuse another one, a trailing slash included (9010010).
    func testResourceNextToClientCredentialsScope() throws {
        XCTAssertNotNil(try fixture.issue(Form.secret() + [("resource", "API://Contoso-API")]).accessToken)
        fixture.reject(Form.secret() + [("resource", "api://contoso-api/")], error: "invalid_target", code: 9010010)
        fixture.reject(Form.secret() + [("resource", "https://graph.microsoft.com")], error: "invalid_target", code: 9010010)
    }

    func testV1EndpointWithoutResourceIs900144() {
        fixture.reject(Form.secret(), version: .v1, error: "invalid_request", code: 900144, messageContains: "'resource'")
    }

    func testRejectionRecordsWhatWasKnown() {
        fixture.reject(Form.secret(scope: "api://nobody/.default"), error: "invalid_resource", code: 500011)
        let record = fixture.log.records().last
        XCTAssertEqual(record?.grantType, "client_credentials")
        XCTAssertEqual(record?.tenantId, IDs.tenant)
        XCTAssertEqual(record?.client?.appId, IDs.daemon)
        XCTAssertEqual(record?.client?.authenticationMethod, .clientSecretPost)
        XCTAssertEqual(record?.requestedScopes, ["api://nobody/.default"])
        XCTAssertEqual(record?.endpoint, "/\(IDs.tenant)/oauth2/v2.0/token")
        XCTAssertTrue(record?.failure?.description.contains("\r\nTrace ID: \(record?.traceId ?? "?")") ?? false)
    }
}
