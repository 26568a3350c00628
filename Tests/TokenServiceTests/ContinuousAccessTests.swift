import Foundation
import XCTest
import EntraDirectory
import JOSE
@testable import TokenService

/// A CAE-aware v2 API (asks for `xms_cc`), a v1 API that does not, the daemon, a desktop client,
/// and the API as a middle tier to Microsoft Graph (built in, CAE-capable).
let caeScenarioText = """
{
  \(IDs.tenantHeader),
  applications: [
    { displayName: "Contoso API", appId: "\(IDs.api)", identifierUris: [ "api://contoso-api" ],
      passwordCredentials: [ { secretText: "api-secret" } ],
      api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [ { value: "access_as_user" } ] },
      appRoles: [ { value: "Orders.Read.All", allowedMemberTypes: [ "Application" ] } ],
      optionalClaims: { accessToken: [ { name: "xms_cc", source: null, essential: false } ] } },
    { displayName: "Contoso Legacy API", appId: "\(IDs.legacy)", identifierUris: [ "https://legacy.contoso.test" ],
      api: { requestedAccessTokenVersion: null, oauth2PermissionScopes: [ { value: "user_impersonation" } ] },
      appRoles: [ { value: "Legacy.Access", allowedMemberTypes: [ "Application" ] } ] },
    { displayName: "Contoso Daemon", appId: "\(IDs.daemon)", passwordCredentials: [ { secretText: "\(IDs.daemonSecret)" } ] },
    { displayName: "Contoso Desktop", appId: "\(IDs.desktop)", isFallbackPublicClient: true,
      publicClient: { redirectUris: [ "http://localhost" ] } },
  ],
  users: [
    { userPrincipalName: "alice@contoso.test", displayName: "Alice", password: "alice-password" },
    { userPrincipalName: "carol@contoso.test", displayName: "Carol", password: "carol-password", accountEnabled: false },
  ],
  appRoleAssignments: [
    { principal: "Contoso Daemon", resource: "Contoso API", appRole: "Orders.Read.All" },
    { principal: "Contoso Daemon", resource: "Contoso Legacy API", appRole: "Legacy.Access" },
    { principal: "Contoso Daemon", resource: "Microsoft Graph", appRole: "User.Read.All" },
  ],
  oauth2PermissionGrants: [
    { client: "Contoso Desktop", resource: "Contoso API", scope: "access_as_user", consentType: "AllPrincipals" },
    { client: "Contoso Desktop", resource: "Contoso Legacy API", scope: "user_impersonation", consentType: "AllPrincipals" },
    { client: "Contoso API", resource: "Microsoft Graph", scope: "User.Read", consentType: "AllPrincipals" },
  ],
}
"""

/// Continuous access evaluation without sockets: client capabilities in `claims`, long-lived
/// tokens and `xms_cc` at issuance, and the resource-side check with its claims challenge.
final class ContinuousAccessTests: XCTestCase {
    static let cp1 = #"{"access_token":{"xms_cc":{"values":["CP1"]}}}"#
    static let graph = "00000003-0000-0000-c000-000000000000"

    var fixture: Fixture!
    var service: TokenService { fixture.service }
    var tenant: Tenant { service.directory.tenants[0] }

    override func setUpWithError() throws {
        fixture = try Fixture(scenario: caeScenarioText)
    }

    func payload(_ compact: String) throws -> [String: JSONValue] { try JWT.decode(compact).payload }

    func clientCredentials(scope: String = "api://contoso-api/.default", claims: String? = cp1) -> [(String, String)] {
        var form = Form.secret(scope: scope)
        if let claims { form.append(("claims", claims)) }
        return form
    }

    func ropc(scope: String = UserIDs.apiScope, claims: String? = cp1, user: String = "alice@contoso.test",
              password: String = "alice-password") -> [(String, String)] {
        var form = [("grant_type", "password"), ("client_id", IDs.desktop), ("username", user),
                    ("password", password), ("scope", scope)]
        if let claims { form.append(("claims", claims)) }
        return form
    }

    /// The response's lifetime fields agree with the token; returns the lifetime.
    @discardableResult
    func checkLifetime(_ tokens: IssuedTokens, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let p = try payload(tokens.accessToken)
        let exp = try XCTUnwrap(intClaim(p, "exp")), iat = try XCTUnwrap(intClaim(p, "iat"))
        XCTAssertEqual(tokens.expiresIn, tokens.extExpiresIn, file: file, line: line)
        XCTAssertEqual(tokens.expiresOn, exp, file: file, line: line)
        XCTAssertEqual(exp - iat, tokens.expiresIn + Int(TokenMinter.backdating), file: file, line: line)
        return tokens.expiresIn
    }

    // MARK: Client capabilities

    func testCapabilitiesAreReadStrictlyAndWithoutCase() {
        XCTAssertEqual(ClientCapabilities.parse(Self.cp1), ["CP1"])
        XCTAssertEqual(ClientCapabilities.parse(#"{"access_token":{"xms_cc":{"value":"cp1"}}}"#), ["cp1"])
        XCTAssertEqual(ClientCapabilities.parse(#"{"access_token":{"xms_cc":{"values":["CP1","cp1","cp2"]}}}"#), ["CP1", "cp2"])
        // msal merges a challenge and the capabilities into one request.
        XCTAssertEqual(ClientCapabilities.parse(
            #"{"access_token":{"xms_cc":{"values":["cp1"]},"acrs":{"essential":true,"value":"c25"}}}"#), ["cp1"])
        for ignored in [nil, "", "not json", "[]", #"{"id_token":{"xms_cc":{"values":["cp1"]}}}"#,
                        #"{"access_token":{"xms_cc":{"values":[1,true]}}}"#,
                        #"{"access_token":{"xms_cc":{"values":["cp1"]}},"access_token":{}}"#,   // duplicate member: strict parser refuses
                        String(repeating: "[", count: 10_000)] {
            XCTAssertEqual(ClientCapabilities.parse(ignored), [], "\(String(describing: ignored).prefix(60))")
        }
        XCTAssertTrue(ClientCapabilities.declares("cp1", in: ["CP1"]))
        XCTAssertFalse(ClientCapabilities.declares("cp1", in: ["cp2"]))
    }

    // MARK: App tokens

    func testClientCredentialsWithCP1ForAnAPIThatAsksForXmsCC() throws {
        let tokens = try fixture.issue(clientCredentials())
        XCTAssertEqual(try checkLifetime(tokens), 86399, "Entra answered expires_in 86399 to a cp1 client-credentials call")
        XCTAssertEqual(try payload(tokens.accessToken)["xms_cc"], .array(["CP1"]), "values as sent")
        XCTAssertEqual(fixture.log.records().last?.clientCapabilities, ["CP1"])
    }

    func testWithoutCapabilitiesTheLifetimeIsTheUsualOne() throws {
        for claims in [nil, "not json", #"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#] {
            let tokens = try fixture.issue(clientCredentials(claims: claims))
            XCTAssertEqual(try checkLifetime(tokens), 3599)
            XCTAssertNil(try payload(tokens.accessToken)["xms_cc"])
            XCTAssertNil(fixture.log.records().last?.clientCapabilities)
        }
    }

    func testGraphIsCAECapableWithoutDeclaringAnything() throws {
        let tokens = try fixture.issue(clientCredentials(scope: "https://graph.microsoft.com/.default"))
        XCTAssertEqual(try checkLifetime(tokens), 86399)
        XCTAssertEqual(try payload(tokens.accessToken)["xms_cc"], .array(["CP1"]))
        // v1 endpoint, `resource=`: same rule.
        var form = Form.secret()
        form.removeAll { $0.0 == "scope" }
        form += [("resource", "https://graph.microsoft.com"), ("claims", Self.cp1)]
        XCTAssertEqual(try checkLifetime(try fixture.issue(form, version: .v1)), 86399)
    }

    func testAResourceThatDoesNotAskGetsNeitherTheClaimNorTheLongLifetime() throws {
        let tokens = try fixture.issue(clientCredentials(scope: "https://legacy.contoso.test/.default"))
        XCTAssertEqual(try checkLifetime(tokens), 3599)
        XCTAssertNil(try payload(tokens.accessToken)["xms_cc"])
        XCTAssertEqual(fixture.log.records().last?.clientCapabilities, ["CP1"], "still recorded as declared")
    }

    func testOnlyCP1EarnsTheLongLifetimeButTheClaimCarriesWhateverWasDeclared() throws {
        let tokens = try fixture.issue(clientCredentials(claims: #"{"access_token":{"xms_cc":{"values":["cp2"]}}}"#))
        XCTAssertEqual(try checkLifetime(tokens), 3599)
        XCTAssertEqual(try payload(tokens.accessToken)["xms_cc"], .array(["cp2"]))
    }

    // MARK: User tokens

    func testUserTokensLive20To28HoursWithCP1() throws {
        let tokens = try fixture.issue(ropc(scope: "\(UserIDs.apiScope) offline_access"))
        XCTAssertTrue(ContinuousAccess.userTokenLifetimes.contains(try checkLifetime(tokens)))
        XCTAssertEqual(try payload(tokens.accessToken)["xms_cc"], .array(["CP1"]))
        XCTAssertEqual(fixture.log.records().last?.clientCapabilities, ["CP1"])

        // Refresh: msal sends the capabilities on every request; without them the lifetime is the usual one.
        let refreshToken = try XCTUnwrap(tokens.refreshToken)
        let refreshed = try fixture.issue([("grant_type", "refresh_token"), ("client_id", IDs.desktop),
                                           ("refresh_token", refreshToken), ("claims", Self.cp1)])
        XCTAssertTrue(ContinuousAccess.userTokenLifetimes.contains(try checkLifetime(refreshed)))
        let plain = try fixture.issue([("grant_type", "refresh_token"), ("client_id", IDs.desktop), ("refresh_token", refreshToken)])
        XCTAssertTrue((3600...5399).contains(try checkLifetime(plain)))
        XCTAssertNil(try payload(plain.accessToken)["xms_cc"])

        // The v1 API asks for nothing: usual lifetime, no claim.
        let legacy = try fixture.issue(ropc(scope: "https://legacy.contoso.test/user_impersonation"))
        XCTAssertTrue((3600...5399).contains(try checkLifetime(legacy)))
        XCTAssertNil(try payload(legacy.accessToken)["xms_cc"])
    }

    func testAuthorizationCodeUsesTheClaimsKeptWithTheCodeOrTheFormsOwn() throws {
        func code(claims: String?) throws -> String {
            var query = [("client_id", IDs.desktop), ("response_type", "code"), ("redirect_uri", UserIDs.redirect),
                         ("scope", UserIDs.apiScope), ("state", "s")]
            if let claims { query.append(("claims", claims)) }
            guard case .valid(let request) = service.validateAuthorize(query, tenant: IDs.tenant) else {
                throw XCTSkip("authorize request invalid")
            }
            let authentication = try service.signIn(userName: "alice@contoso.test", password: "alice-password", tenant: tenant).get()
            return try XCTUnwrap(service.authorize(request, authentication: authentication).parameters.first { $0.name == "code" }?.value)
        }
        func redeem(_ code: String, claims: String?) throws -> IssuedTokens {
            var form = [("grant_type", "authorization_code"), ("client_id", IDs.desktop), ("code", code),
                        ("redirect_uri", UserIDs.redirect)]
            if let claims { form.append(("claims", claims)) }
            return try fixture.issue(form)
        }
        let kept = try redeem(try code(claims: Self.cp1), claims: nil)
        XCTAssertTrue(ContinuousAccess.userTokenLifetimes.contains(try checkLifetime(kept)))
        let sent = try redeem(try code(claims: nil), claims: Self.cp1)
        XCTAssertEqual(try payload(sent.accessToken)["xms_cc"], .array(["CP1"]))
        let neither = try redeem(try code(claims: nil), claims: nil)
        XCTAssertNil(try payload(neither.accessToken)["xms_cc"])
    }

    func testDeviceCodePollCarriesTheCapabilities() throws {
        // msal sends `claims` (with its capabilities) on each poll, not on /devicecode.
        let code = try service.deviceAuthorization(tenant: IDs.tenant, form: [("client_id", IDs.desktop), ("scope", UserIDs.apiScope)],
                                                   baseURL: IDs.baseURL).get()
        let alice = try service.signIn(userName: "alice@contoso.test", password: "alice-password", tenant: tenant).get()
        XCTAssertTrue(service.approveDevice(try XCTUnwrap(service.deviceCodeInfo(userCode: code.userCode)), authentication: alice,
                                            method: "headless"))
        let tokens = try fixture.issue([("grant_type", DeviceCodeGrant.grantType), ("client_id", IDs.desktop),
                                        ("device_code", code.deviceCode), ("code", code.deviceCode), ("claims", Self.cp1)])
        XCTAssertTrue(ContinuousAccess.userTokenLifetimes.contains(try checkLifetime(tokens)))
        XCTAssertEqual(try payload(tokens.accessToken)["xms_cc"], .array(["CP1"]))
    }

    func testOnBehalfOfToGraphWithTheMiddleTiersCapabilities() throws {
        let userToken = try fixture.issue(ropc(claims: nil)).accessToken
        var form = [("grant_type", OnBehalfOfGrant.grantType), ("requested_token_use", "on_behalf_of"),
                    ("client_id", IDs.api), ("client_secret", "api-secret"), ("assertion", userToken),
                    ("scope", "https://graph.microsoft.com/User.Read")]
        let plain = try fixture.issue(form)
        XCTAssertTrue((3600...5399).contains(try checkLifetime(plain)))
        form.append(("claims", Self.cp1))
        let cae = try fixture.issue(form)
        XCTAssertTrue(ContinuousAccess.userTokenLifetimes.contains(try checkLifetime(cae)))
        XCTAssertEqual(try payload(cae.accessToken)["xms_cc"], .array(["CP1"]))
    }

    // MARK: The resource side

    func testClaimsChallengeIsEntrasDocumentedForm() {
        // Microsoft's CAE example (its header's base64 decodes to exactly this; the header itself is
        // checked in MockEntraTests, where it is built).
        XCTAssertEqual(ClaimsChallenge.notBeforeClaims(Date(timeIntervalSince1970: 1604106651.7)),
                       #"{"access_token":{"nbf":{"essential":true, "value":"1604106651"}}}"#)
        XCTAssertEqual(ClaimsChallenge.authenticationContextClaims("c1"), #"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#)
        XCTAssertEqual(ClaimsChallenge.authenticationContextClaims(#"c"1"#), #"{"access_token":{"acrs":{"essential":true,"value":"c\"1"}}}"#)
    }

    func evaluate(_ token: String) throws -> ContinuousAccessVerdict {
        try service.evaluateContinuousAccess(accessToken: token).get()
    }

    func testRevokedSessionsInvalidateEarlierTokensWithANotBeforeChallenge() throws {
        let tokens = try fixture.issue(ropc(scope: "\(UserIDs.apiScope) offline_access"))
        let before = try evaluate(tokens.accessToken)
        XCTAssertTrue(before.valid)
        XCTAssertNil(before.claims)
        XCTAssertEqual(before.clientCapabilities, ["CP1"])
        XCTAssertTrue(before.clientIsCAECapable)

        fixture.clock.advance(by: 60)
        let alice = try XCTUnwrap(tenant.user(userPrincipalName: "alice@contoso.test"))
        service.revokeSessions(userId: alice.id)
        let revokedAt = Int(fixture.clock.now().timeIntervalSince1970)
        let after = try evaluate(tokens.accessToken)
        XCTAssertFalse(after.valid)
        XCTAssertEqual(after.reason, .sessionsRevoked)
        XCTAssertEqual(after.claims, #"{"access_token":{"nbf":{"essential":true, "value":"\#(revokedAt)"}}}"#)
        XCTAssertNil(after.challengeClientId, "only Graph names itself in its challenge")

        // The refresh token from that sign-in is refused too (50173); a fresh sign-in's token is valid,
        // even within the five minutes its `iat` is backdated by.
        fixture.reject([("grant_type", "refresh_token"), ("client_id", IDs.desktop),
                        ("refresh_token", try XCTUnwrap(tokens.refreshToken)), ("claims", Self.cp1)],
                       error: "invalid_grant", code: 50173)
        fixture.clock.advance(by: 1)
        let fresh = try fixture.issue(ropc())
        XCTAssertTrue(try evaluate(fresh.accessToken).valid)
    }

    func testTokensOfNonCAEClientsAndGraphAreReportedToo() throws {
        let plain = try fixture.issue(ropc(claims: nil)).accessToken
        let forGraph = try fixture.issue([("grant_type", OnBehalfOfGrant.grantType), ("requested_token_use", "on_behalf_of"),
                                          ("client_id", IDs.api), ("client_secret", "api-secret"), ("assertion", plain),
                                          ("scope", "https://graph.microsoft.com/User.Read"), ("claims", Self.cp1)]).accessToken
        fixture.clock.advance(by: 1)
        service.revokeSessions(userId: try XCTUnwrap(tenant.user(userPrincipalName: "alice@contoso.test")).id)
        let verdict = try evaluate(plain)
        XCTAssertFalse(verdict.valid)
        XCTAssertEqual(verdict.clientCapabilities, [])
        XCTAssertFalse(verdict.clientIsCAECapable, "the resource decides whether to challenge a client that cannot answer")
        let graph = try evaluate(forGraph)
        XCTAssertFalse(graph.valid, "the OBO token comes from the same, revoked sign-in")
        XCTAssertEqual(graph.challengeClientId, Self.graph)
    }

    func testADisabledUsersTokenIsRejected() throws {
        // Carol can sign in only where she is enabled; the same keys and ids make it "our" token.
        let enabled = try Fixture(scenario: caeScenarioText.replacingOccurrences(of: "accountEnabled: false", with: "accountEnabled: true"))
        let token = try enabled.issue(ropc(user: "carol@contoso.test", password: "carol-password")).accessToken
        XCTAssertTrue(try enabled.service.evaluateContinuousAccess(accessToken: token).get().valid)
        let verdict = try evaluate(token)
        XCTAssertFalse(verdict.valid)
        XCTAssertEqual(verdict.reason, .userDisabled)
        XCTAssertNotNil(verdict.claims)
    }

    func testAppTokensAreValid() throws {
        let verdict = try evaluate(try fixture.issue(clientCredentials()).accessToken)
        XCTAssertTrue(verdict.valid)
        XCTAssertEqual(verdict.clientCapabilities, ["CP1"])
    }

    func testForgedExpiredAndNonAccessTokensGetNoAnswer() throws {
        let tokens = try fixture.issue(ropc(scope: "\(UserIDs.apiScope) openid"))
        let parts = tokens.accessToken.split(separator: ".").map(String.init)
        var claims = try payload(tokens.accessToken)
        claims["oid"] = .string("00000000-0000-0000-0000-000000000000")
        let tampered = parts[0] + "." + (try Assertion.encode(claims)) + "." + parts[2]
        let header = try JWT.decode(tokens.accessToken).header
        let rogue = try Assertion.make(header: header, payload: try payload(tokens.accessToken), key: try Assertion.rogueKey())
        var noneHeader = header
        noneHeader["alg"] = "none"
        let unsigned = (try Assertion.encode(noneHeader)) + "." + parts[1] + "."
        for (name, token) in [("tampered", tampered), ("signed by another key", rogue), ("alg none", unsigned),
                              ("garbage", "not.a.jwt"), ("ID token", try XCTUnwrap(tokens.idToken))] {
            guard case .failure = service.evaluateContinuousAccess(accessToken: token) else {
                return XCTFail("\(name) got an answer")
            }
        }
        // An expired token is rejected by any resource before CAE matters.
        fixture.clock.advance(by: 29 * 3600)
        guard case .failure(let expired) = service.evaluateContinuousAccess(accessToken: tokens.accessToken) else {
            return XCTFail("an expired token got an answer")
        }
        XCTAssertTrue(expired.reason.contains("expired"))
    }
}
