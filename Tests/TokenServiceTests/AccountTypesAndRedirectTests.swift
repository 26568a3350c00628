import Foundation
import XCTest
import EntraDirectory
import JOSE
@testable import TokenService

/// Fixes from an adversarial review: an application's supported account types against the
/// authority, a disabled resource, loopback redirect URIs that a browser would read as another
/// host, the clock's range, and device-code floods.
final class AccountTypesAndRedirectTests: XCTestCase {
    /// The user scenario with Contoso Desktop's `signInAudience` set (nil: left out).
    func fixture(audience: String?, apiEnabled: Bool = true) throws -> Fixture {
        var text = userScenarioText
        if let audience {
            text = text.replacingOccurrences(of: #"{ displayName: "Contoso Desktop", appId: "\#(IDs.desktop)", "#,
                                             with: #"{ displayName: "Contoso Desktop", appId: "\#(IDs.desktop)", signInAudience: "\#(audience)", "#
                                                 + (audience.contains("Personal") ? "api: { requestedAccessTokenVersion: 2 }, " : ""))
        }
        if !apiEnabled {
            text = text.replacingOccurrences(of: #"{ displayName: "Contoso API", appId: "\#(IDs.api)", "#,
                                             with: #"{ displayName: "Contoso API", appId: "\#(IDs.api)", accountEnabled: false, "#)
        }
        return try Fixture(scenario: text)
    }

    let ropc = [("grant_type", "password"), ("client_id", IDs.desktop), ("username", "alice@contoso.test"),
                ("password", "alice-password"), ("scope", UserIDs.apiScope)]

    func authorize(_ fixture: Fixture, tenant: String, redirect: String = UserIDs.redirect) -> AuthorizeValidation {
        fixture.service.validateAuthorize([("client_id", IDs.desktop), ("response_type", "code"), ("redirect_uri", redirect),
                                           ("scope", UserIDs.apiScope), ("state", "s")], tenant: tenant)
    }

    func code(of validation: AuthorizeValidation) -> Int? {
        switch validation {
        case .errorPage(let stamped): return stamped.error.code
        case .redirect(let response):
            return response.parameters.first { $0.name == "error_codes" }.flatMap { Int($0.value) }
                ?? response.parameters.first { $0.name == "error_description" }.flatMap { Int($0.value.dropFirst(6).prefix { $0.isNumber }) }
        case .valid: return nil
        }
    }

    func testASingleTenantAppIsRefusedOnTenantlessAuthorities() throws {
        let single = try fixture(audience: "AzureADMyOrg")
        XCTAssertNotNil(try single.issue(ropc).accessToken, "its own tenant")
        single.reject(ropc, tenant: "organizations", error: "invalid_request", code: 50194, messageContains: "not configured as a multi-tenant")
        XCTAssertEqual(code(of: authorize(single, tenant: "common")), 50194)
        XCTAssertEqual(code(of: authorize(single, tenant: "organizations")), 50194)
        XCTAssertNil(code(of: authorize(single, tenant: IDs.tenant)))
        guard case .failure(let device) = single.service.deviceAuthorization(
            tenant: "common", form: [("client_id", IDs.desktop), ("scope", UserIDs.apiScope)], baseURL: IDs.baseURL) else {
            return XCTFail("a device code on /common")
        }
        XCTAssertEqual(device.error.code, 50194)

        // Client credentials on /organizations (its home tenant) too.
        let daemon = try Fixture(scenario: testScenarioText.replacingOccurrences(
            of: #"displayName: "Contoso Daemon", appId: "\#(IDs.daemon)","#,
            with: #"displayName: "Contoso Daemon", appId: "\#(IDs.daemon)", signInAudience: "AzureADMyOrg","#))
        daemon.reject(Form.secret(), tenant: "organizations", error: "invalid_request", code: 50194)
        XCTAssertNotNil(try daemon.issue(Form.secret()).accessToken)

        // Multi-tenant, or not declared: every authority as before.
        for audience in ["AzureADMultipleOrgs", nil] {
            let multi = try fixture(audience: audience)
            XCTAssertNotNil(try multi.issue(ropc, tenant: "organizations").accessToken)
            XCTAssertNil(code(of: authorize(multi, tenant: "common")))
        }
    }

    func testConsumersAndPersonalAccountsOnly() throws {
        // /consumers: only applications that accept personal accounts.
        XCTAssertEqual(code(of: authorize(try fixture(audience: "AzureADMultipleOrgs"), tenant: "consumers")), 700016)
        guard case .errorPage(let stamped) = authorize(try fixture(audience: "AzureADMyOrg"), tenant: "consumers") else {
            return XCTFail("an organizations-only app on /consumers")
        }
        XCTAssertEqual(stamped.error.error, "unauthorized_client")
        XCTAssertTrue(stamped.error.message.hasPrefix("The client does not exist or is not enabled for consumers"))
        // Personal accounts only: not for a work tenant or /organizations.
        let personal = try fixture(audience: "PersonalMicrosoftAccount")
        personal.reject(ropc, error: "invalid_request", code: 9002331, messageContains: "Microsoft Account users only")
        XCTAssertEqual(code(of: authorize(personal, tenant: IDs.tenant)), 9002331)
        XCTAssertEqual(code(of: authorize(personal, tenant: "organizations")), 9002331)
    }

    func testADisabledResourceGetsNoTokens() throws {
        let disabled = try fixture(audience: nil, apiEnabled: false)
        disabled.reject(ropc, error: "invalid_resource", code: 500014, messageContains: "is disabled")
        XCTAssertNotNil(try disabled.issue(ropc.map { $0.0 == "scope" ? ("scope", "https://legacy.contoso.test/user_impersonation") : $0 }).accessToken,
                        "another resource")
        let apps = try Fixture(scenario: testScenarioText.replacingOccurrences(
            of: #"displayName: "Contoso API", appId: "\#(IDs.api)","#, with: #"displayName: "Contoso API", appId: "\#(IDs.api)", accountEnabled: false,"#))
        apps.reject(Form.secret(), error: "invalid_resource", code: 500014)
    }

    /// A browser reads `http://evil.test\@localhost:1234` as host `evil.test` (WHATWG turns `\`
    /// into `/`); Foundation reads host `localhost`. Only plain loopback URIs may differ in port.
    func testOnlyPlainLoopbackURIsMayDifferInPort() throws {
        for uri in ["http://localhost:4321", "http://localhost:4321/", "http://localhost", "http://localhost:80/?a=b"] {
            let registered = uri.contains("?") ? "http://localhost/?a=b" : "http://localhost"
            XCTAssertTrue(RedirectURIs.matches(uri, registered: registered), uri)
        }
        for uri in ["http://evil.test\\@localhost:1234", "http://evil.test%5C@localhost", "http://user@localhost:1234",
                    "http://localhost:1234#x", "http://localhost:12a4", "http://localhost.evil.test", "http://localhost:1234 x",
                    "http://localhost:123456", "http://localhost@evil.test"] {
            XCTAssertFalse(RedirectURIs.matches(uri, registered: "http://localhost"), uri)
        }
        let fixture = try fixture(audience: nil)
        XCTAssertEqual(code(of: authorize(fixture, tenant: IDs.tenant, redirect: "http://127.0.0.2:8999\\@localhost:1234")), 50011)
    }

    func testTheClockStaysWithinACentury() {
        let clock = Clock()
        XCTAssertFalse(clock.advance(by: 1e300))
        XCTAssertFalse(clock.advance(by: -.infinity))
        XCTAssertTrue(clock.advance(by: 50 * 365 * 86400))
        XCTAssertFalse(clock.advance(by: 60 * 365 * 86400), "101 years in all")
        XCTAssertFalse(clock.set(to: Date(timeIntervalSince1970: 1e15)))
        XCTAssertTrue(clock.set(to: Date(timeIntervalSinceNow: 3600)))
    }

    func testDeviceCodesAreCappedOldestFirst() {
        let store = DeviceCodeStore()
        let now = Date()
        let first = store.issue(clientId: IDs.desktop, tenantId: IDs.tenant, scope: "s", claims: nil, now: now)
        for _ in 1..<DeviceCodeStore.capacity {
            _ = store.issue(clientId: IDs.desktop, tenantId: IDs.tenant, scope: "s", claims: nil, now: now)
        }
        XCTAssertNotNil(store.lookup(userCode: first.userCode, now: now), "at capacity, still kept")
        let last = store.issue(clientId: IDs.desktop, tenantId: IDs.tenant, scope: "s", claims: nil, now: now)
        XCTAssertNil(store.lookup(userCode: first.userCode, now: now), "the oldest made room")
        XCTAssertNotNil(store.lookup(userCode: last.userCode, now: now))
    }
}
