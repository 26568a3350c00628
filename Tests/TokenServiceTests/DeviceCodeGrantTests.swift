import Foundation
import XCTest
import EntraDirectory
import JOSE
@testable import TokenService

/// The device code flow without sockets: the /devicecode response, every polling answer, and that
/// concurrent pollers of one approved code get exactly one token.
final class DeviceCodeGrantTests: XCTestCase {
    var fixture: Fixture!
    var service: TokenService { fixture.service }
    var tenant: Tenant { service.directory.tenants[0] }

    override func setUpWithError() throws {
        fixture = try Fixture(scenario: userScenarioText)
    }

    func start(scope: String = "\(UserIDs.apiScope) offline_access", client: String = IDs.desktop) throws -> DeviceAuthorizationResponse {
        try service.deviceAuthorization(tenant: IDs.tenant, form: [("client_id", client), ("scope", scope)],
                                        baseURL: IDs.baseURL).get()
    }

    /// msal's poll: `device_code` and `code`, no scope.
    /// What the device-login page knows of a pending code.
    func info(_ code: DeviceAuthorizationResponse) throws -> DeviceCodeInfo {
        try XCTUnwrap(service.deviceCodeInfo(userCode: code.userCode))
    }

    func poll(_ code: DeviceAuthorizationResponse, client: String = IDs.desktop) -> [(String, String)] {
        [("grant_type", DeviceCodeGrant.grantType), ("client_id", client), ("device_code", code.deviceCode), ("code", code.deviceCode)]
    }

    func alice() throws -> Authentication {
        try service.signIn(userName: "alice@contoso.test", password: "alice-password", tenant: tenant).get()
    }

    func testDeviceAuthorizationResponse() throws {
        let code = try start()
        XCTAssertEqual(code.verificationURI, "\(IDs.baseURL)/devicelogin")
        XCTAssertEqual(code.expiresIn, 900)
        XCTAssertEqual(code.interval, 5)
        XCTAssertEqual(code.userCode.count, 9)
        XCTAssertTrue(code.message.contains(code.userCode) && code.message.contains(code.verificationURI))
        XCTAssertEqual(service.deviceCodeInfo(userCode: code.userCode.lowercased())?.clientDisplayName, "Contoso Desktop")
    }

    func testUnknownClientAndMissingScopeAreRefused() {
        guard case .failure(let unknown) = service.deviceAuthorization(
            tenant: IDs.tenant, form: [("client_id", "00000000-1111-4222-8333-444444444444"), ("scope", "openid")], baseURL: IDs.baseURL) else {
            return XCTFail("expected 700016")
        }
        XCTAssertEqual(unknown.error.code, 700016)
        guard case .failure(let missing) = service.deviceAuthorization(
            tenant: IDs.tenant, form: [("client_id", IDs.desktop)], baseURL: IDs.baseURL) else {
            return XCTFail("expected 900144")
        }
        XCTAssertEqual(missing.error.code, 900144)
    }

    /// An approval from a sign-in before the user's sessions were revoked gives no token (50173).
    func testApprovalFromARevokedSignInIs50173() throws {
        let code = try start()
        let authentication = try alice()
        XCTAssertTrue(service.approveDevice(try info(code), authentication: authentication, method: "headless"))
        fixture.clock.advance(by: 1)
        service.revokeSessions(userId: authentication.userId)
        fixture.reject(poll(code), error: "invalid_grant", code: 50173)
    }

    func testPendingThenTokensAfterApproval() throws {
        let code = try start()
        fixture.reject(poll(code), error: "authorization_pending", code: 70016)
        // Polled again at once, faster than the interval: still pending (Entra documents no slow_down,
        // and MSAL.NET and ADAL give up on any other error).
        fixture.reject(poll(code), error: "authorization_pending", code: 70016)
        XCTAssertTrue(service.approveDevice(try info(code), authentication: try alice(), method: "headless"))
        fixture.clock.advance(by: 6)
        let tokens = try fixture.issue(poll(code))
        let payload = try JWT.decode(tokens.accessToken).payload
        XCTAssertEqual(payload["scp"]?.stringValue, "access_as_user")
        XCTAssertEqual(payload["oid"]?.stringValue, try alice().userId)
        XCTAssertNil(payload["preferred_username"], "no profile in the device authorization's scope")
        XCTAssertNotNil(tokens.refreshToken, "offline_access was in the device authorization's scope")
        // The code is spent.
        fixture.clock.advance(by: 6)
        fixture.reject(poll(code), error: "invalid_grant", code: 54005)
    }

    /// ADAL's device flow on the v1 endpoint: `/oauth2/devicecode` with `resource`, then polls
    /// `/oauth2/token` with `grant_type=device_code`, the device code in `code`, and `resource`.
    func testADALPollsTheV1EndpointWithTheShortGrantName() throws {
        let code = try service.deviceAuthorization(tenant: IDs.tenant, form: TokenService.v1DeviceCodeParameters(
            [("client_id", IDs.desktop), ("resource", "api://contoso-api")]), baseURL: IDs.baseURL).get()
        let adalPoll = [("grant_type", "device_code"), ("client_id", IDs.desktop), ("code", code.deviceCode),
                        ("resource", "api://contoso-api")]
        fixture.reject(adalPoll, version: .v1, error: "authorization_pending", code: 70016)
        XCTAssertTrue(service.approveDevice(try info(code), authentication: try alice(), method: "headless"))
        let tokens = try fixture.issue(adalPoll, version: .v1)
        XCTAssertEqual(fixture.log.records().last?.grantType, DeviceCodeGrant.grantType, "recorded under the grant's full name")
        XCTAssertEqual(try JWT.decode(tokens.accessToken).payload["aud"]?.stringValue, IDs.api)
        // The short name is v1's: v2 does not know it.
        fixture.reject(poll(code).map { $0.0 == "grant_type" ? ($0.0, "device_code") : $0 }, error: "unsupported_grant_type", code: 70003)
    }

    func testDeclined() throws {
        let code = try start()
        let info = try info(code)
        XCTAssertTrue(service.declineDevice(info))
        XCTAssertFalse(service.approveDevice(info, authentication: try alice(), method: "headless"), "already decided")
        fixture.reject(poll(code), error: "authorization_declined", code: 65004)
    }

    /// The page's decisions are exchange records of their own (`devicelogin:<method>`), next to the
    /// device's polls; a decision that came too late records nothing.
    func testApprovalAndDeclineAreRecorded() throws {
        let approved = try start()
        let authentication = try alice()
        let before = fixture.log.records().count
        XCTAssertTrue(service.approveDevice(try info(approved), authentication: authentication, method: "password+mfa"))
        let approval = try XCTUnwrap(fixture.log.records().last)
        XCTAssertEqual(fixture.log.records().count, before + 1)
        XCTAssertEqual(approval.grantType, "devicelogin:password+mfa")
        XCTAssertEqual(approval.endpoint, "/devicelogin")
        XCTAssertEqual(approval.outcome, "issued")
        XCTAssertEqual(approval.tenantId, IDs.tenant)
        XCTAssertEqual(approval.client?.appId, IDs.desktop)
        XCTAssertEqual(approval.subject?.name, "alice@contoso.test")
        XCTAssertEqual(approval.sessionId, authentication.sessionId)
        XCTAssertEqual(approval.requestedScopes, ScopeParser.split(UserIDs.apiScope + " offline_access"))

        let declined = try start()
        let info = try info(declined)
        XCTAssertTrue(service.declineDevice(info))
        let decline = try XCTUnwrap(fixture.log.records().last)
        XCTAssertEqual(decline.grantType, "devicelogin:cancel")
        XCTAssertEqual(decline.outcome, "error")
        XCTAssertEqual(decline.failure?.code, 65004)
        XCTAssertNil(decline.subject)
        let count = fixture.log.records().count
        XCTAssertFalse(service.declineDevice(info))
        XCTAssertFalse(service.approveDevice(info, authentication: authentication, method: "password"))
        XCTAssertEqual(fixture.log.records().count, count, "no record for a decision that did not happen")
    }

    func testExpiredAfterFifteenMinutes() throws {
        let code = try start()
        let info = try info(code)
        fixture.clock.advance(by: 901)
        fixture.reject(poll(code), error: "expired_token", code: 70020)
        XCTAssertFalse(service.approveDevice(info, authentication: try alice(), method: "password"))
    }

    func testUnknownDeviceCodeAndWrongClient() throws {
        fixture.reject([("grant_type", DeviceCodeGrant.grantType), ("client_id", IDs.desktop), ("device_code", "nope")],
                       error: "bad_verification_code", code: 70019)
        let code = try start()
        fixture.reject(poll(code, client: UserIDs.tool), error: "bad_verification_code", code: 70019)
    }

    /// A confidential app that does not allow public client flows must authenticate its polls, as
    /// Entra requires (7000218); with its secret the same code is redeemed.
    func testConfidentialClientMustAuthenticateItsPolls() throws {
        let code = try start(scope: UserIDs.apiScope, client: UserIDs.web)
        XCTAssertTrue(service.approveDevice(try info(code), authentication: try alice(), method: "headless"))
        fixture.reject(poll(code, client: UserIDs.web), error: "invalid_client", code: 7000218, status: 401)
        fixture.clock.advance(by: 6)
        XCTAssertNotNil(try fixture.issue(poll(code, client: UserIDs.web) + [("client_secret", "web-secret")]).accessToken)
    }

    func testConcurrentPollsOfOneApprovedCodeMintExactlyOneToken() throws {
        let code = try start()
        XCTAssertTrue(service.approveDevice(try info(code), authentication: try alice(), method: "headless"))
        let form = poll(code)
        let successes = LockedCounter()
        let service = self.service
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let outcome = service.token(TokenRequest(tenant: IDs.tenant, version: .v2, form: form, baseURL: IDs.baseURL))
            if case .success = outcome.result { successes.increment() }
        }
        XCTAssertEqual(successes.value, 1)
        XCTAssertEqual(fixture.log.records(matching: .init(grantType: DeviceCodeGrant.grantType, outcome: "issued")).count, 1)
    }
}

/// A thread-safe counter for concurrency tests.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
