import Foundation
import XCTest
import EntraDirectory
import JOSE
@testable import TokenService

/// A scenario with users and delegated permissions: a v2 API and a v1 API exposing scopes, two
/// public clients (for pairwise `sub`), a confidential web app, and users in every account state.
let userScenarioText = """
{
  \(IDs.tenantHeader),
  applications: [
    { displayName: "Contoso API", appId: "\(IDs.api)", identifierUris: [ "api://contoso-api" ],
      api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [ { value: "access_as_user" }, { value: "Orders.Read" } ] } },
    { displayName: "Contoso Legacy API", appId: "\(IDs.legacy)", identifierUris: [ "https://legacy.contoso.test" ],
      api: { requestedAccessTokenVersion: null, oauth2PermissionScopes: [ { value: "user_impersonation" } ] } },
    { displayName: "Contoso Desktop", appId: "\(IDs.desktop)", isFallbackPublicClient: true,
      publicClient: { redirectUris: [ "http://localhost" ] } },
    { displayName: "Contoso Tool", appId: "\(UserIDs.tool)", isFallbackPublicClient: true,
      publicClient: { redirectUris: [ "http://localhost" ] } },
    { displayName: "Contoso Web", appId: "\(UserIDs.web)", passwordCredentials: [ { secretText: "web-secret" } ],
      web: { redirectUris: [ "https://web.contoso.test/callback" ] } },
  ],
  users: [
    { userPrincipalName: "alice@contoso.test", displayName: "Alice Smith", givenName: "Alice", surname: "Smith", password: "alice-password" },
    { userPrincipalName: "carol@contoso.test", displayName: "Carol", password: "carol-password", accountEnabled: false },
    { userPrincipalName: "dave@contoso.test", displayName: "Dave", password: "dave-password", passwordExpired: true },
  ],
  oauth2PermissionGrants: [
    { client: "Contoso Desktop", resource: "Contoso API", scope: "access_as_user", consentType: "AllPrincipals" },
    { client: "Contoso Desktop", resource: "Contoso Legacy API", scope: "user_impersonation", consentType: "AllPrincipals" },
    { client: "Contoso Tool", resource: "Contoso API", scope: "access_as_user", consentType: "AllPrincipals" },
    { client: "Contoso Web", resource: "Contoso API", scope: "access_as_user", consentType: "AllPrincipals" },
  ],
}
"""

enum UserIDs {
    static let tool = "7c1e5a3b-9d2f-4e6a-8b0c-2d4f6e8a0b1c"
    static let web = "8d2f6b4c-0e3a-4f7b-9c1d-3e5a7f9b1c2d"
    static let apiScope = "api://contoso-api/access_as_user"
    static let redirect = "http://localhost:12345"
}

/// Password, authorization code and refresh token grants, without sockets.
final class UserGrantTests: XCTestCase {
    var fixture: Fixture!
    var service: TokenService { fixture.service }
    var tenant: Tenant { service.directory.tenants[0] }
    var alice: User { tenant.user(userPrincipalName: "alice@contoso.test")! }

    override func setUpWithError() throws {
        fixture = try Fixture(scenario: userScenarioText)
    }

    func ropc(user: String = "alice@contoso.test", password: String = "alice-password", scope: String = UserIDs.apiScope,
              client: String = IDs.desktop, clientInfo: Bool = true) -> [(String, String)] {
        var form = [("grant_type", "password"), ("client_id", client), ("username", user), ("password", password), ("scope", scope)]
        if clientInfo { form.append(("client_info", "1")) }
        return form
    }

    func payload(_ compact: String?) throws -> [String: JSONValue] {
        try JWT.decode(try XCTUnwrap(compact)).payload
    }

    /// Headless sign-in skips the password, not the account state: disabled accounts and expired
    /// passwords are refused as the sign-in page refuses them.
    func testHeadlessSignInRefusesDisabledAccountsAndExpiredPasswords() {
        guard case .failure(let expired) = service.signInWithoutPassword(userName: "dave@contoso.test", tenant: tenant) else {
            return XCTFail("an expired password signed in")
        }
        XCTAssertEqual(expired.error.code, 50055)
        guard case .failure(let disabled) = service.signInWithoutPassword(userName: "carol@contoso.test", tenant: tenant) else {
            return XCTFail("a disabled account signed in")
        }
        XCTAssertEqual(disabled.error.code, 50057)
        guard case .success = service.signInWithoutPassword(userName: "alice@contoso.test", tenant: tenant) else {
            return XCTFail("alice must sign in")
        }
    }

    // MARK: ROPC

    func testPasswordGrantV2Shape() throws {
        let tokens = try fixture.issue(ropc(scope: "\(UserIDs.apiScope) openid profile offline_access"))
        let p = try payload(tokens.accessToken)
        XCTAssertEqual(p["aud"]?.stringValue, IDs.api)
        XCTAssertEqual(p["scp"]?.stringValue, "access_as_user")
        XCTAssertEqual(p["oid"]?.stringValue, alice.id)
        XCTAssertEqual(p["preferred_username"]?.stringValue, "alice@contoso.test")
        XCTAssertEqual(p["azp"]?.stringValue, IDs.desktop)
        XCTAssertEqual(p["azpacr"]?.stringValue, "0")
        XCTAssertEqual(p["ver"]?.stringValue, "2.0")
        XCTAssertEqual(p["tid"]?.stringValue, IDs.tenant)
        XCTAssertNil(p["upn"]); XCTAssertNil(p["appid"]); XCTAssertNil(p["idtyp"])
        XCTAssertEqual(tokens.scope, "\(UserIDs.apiScope) openid profile offline_access")
        XCTAssertNotNil(tokens.refreshToken)
        // Pairwise sub: stable per application, different across applications.
        let again = try payload(try fixture.issue(ropc()).accessToken)
        XCTAssertEqual(again["sub"], p["sub"])
        let tool = try payload(try fixture.issue(ropc(client: UserIDs.tool)).accessToken)
        XCTAssertEqual(tool["oid"], p["oid"])
        let id = try payload(tokens.idToken)
        let toolId = try payload(try fixture.issue(ropc(scope: "\(UserIDs.apiScope) openid", client: UserIDs.tool)).idToken)
        XCTAssertNotEqual(id["sub"], toolId["sub"], "ID token sub differs per client")
    }

    func testPasswordGrantV1Shape() throws {
        let tokens = try fixture.issue(ropc(scope: "https://legacy.contoso.test/user_impersonation"))
        let p = try payload(tokens.accessToken)
        XCTAssertEqual(p["aud"]?.stringValue, "https://legacy.contoso.test")
        XCTAssertEqual(p["iss"]?.stringValue, "https://sts.windows.net/\(IDs.tenant)/")
        XCTAssertEqual(p["upn"]?.stringValue, "alice@contoso.test")
        XCTAssertEqual(p["unique_name"]?.stringValue, "alice@contoso.test")
        XCTAssertEqual(p["amr"], .array(["pwd"]))
        XCTAssertEqual(p["appid"]?.stringValue, IDs.desktop)
        XCTAssertEqual(p["scp"]?.stringValue, "user_impersonation")
        XCTAssertEqual(p["ver"]?.stringValue, "1.0")
        XCTAssertNil(p["azp"])
        XCTAssertNil(tokens.refreshToken, "no offline_access, no refresh token")
        XCTAssertNil(tokens.idToken, "no openid, no ID token")
    }

    /// The v1 endpoint's user grants name the resource with `resource` (ADAL's way): every consented
    /// scope on it, a refresh token always, and `resource` echoed; a v1 refresh may switch resources.
    func testV1EndpointUserGrantsTakeResource() throws {
        let form = [("grant_type", "password"), ("client_id", IDs.desktop), ("username", "alice@contoso.test"),
                    ("password", "alice-password"), ("resource", "https://legacy.contoso.test")]
        let legacy = try fixture.issue(form, version: .v1)
        XCTAssertEqual(legacy.resource, "https://legacy.contoso.test")
        XCTAssertEqual(try payload(legacy.accessToken)["aud"]?.stringValue, "https://legacy.contoso.test")
        XCTAssertEqual(try payload(legacy.accessToken)["scp"]?.stringValue, "user_impersonation")
        XCTAssertNil(legacy.idToken, "no openid asked")
        let refreshToken = try XCTUnwrap(legacy.refreshToken, "v1 always returns a refresh token")

        let withOpenID = try fixture.issue(form + [("scope", "openid")], version: .v1)
        XCTAssertNotNil(withOpenID.idToken)

        let refresh = [("grant_type", "refresh_token"), ("client_id", IDs.desktop), ("refresh_token", refreshToken),
                       ("resource", "api://contoso-api")]
        let api = try fixture.issue(refresh, version: .v1)
        XCTAssertEqual(api.resource, "api://contoso-api")
        XCTAssertEqual(try payload(api.accessToken)["aud"]?.stringValue, IDs.api)
        XCTAssertEqual(try payload(api.accessToken)["scp"]?.stringValue, "access_as_user")
        XCTAssertEqual(fixture.log.records().last?.resource?.appId, IDs.api)

        // v1 names one resource: a scope list in `resource` names none.
        fixture.reject([("grant_type", "password"), ("client_id", IDs.desktop), ("username", "alice@contoso.test"),
                        ("password", "alice-password"), ("resource", "openid api://contoso-api")],
                       version: .v1, error: "invalid_resource", code: 500011)
    }

    /// An ID token carries the app roles the user holds on the client itself, directly or through a
    /// group (web apps authorize on them); the access token carries those on the resource.
    func testIDTokenCarriesTheUsersRolesOnTheClient() throws {
        let scenario = userScenarioText
            .replacingOccurrences(of: #"{ displayName: "Contoso Tool", appId: "\#(UserIDs.tool)", isFallbackPublicClient: true,"#,
                                  with: #"{ displayName: "Contoso Tool", appId: "\#(UserIDs.tool)", isFallbackPublicClient: true, appRoles: [ { value: "Tool.Admin", allowedMemberTypes: [ "User" ] }, { value: "Tool.User", allowedMemberTypes: [ "User" ] }, { value: "Tool.Unused", allowedMemberTypes: [ "User" ] } ],"#)
            .replacingOccurrences(of: "  oauth2PermissionGrants: [", with: """
              groups: [ { displayName: "Tool users", members: [ "alice@contoso.test" ] } ],
              appRoleAssignments: [
                { principal: "alice@contoso.test", resource: "Contoso Tool", appRole: "Tool.Admin" },
                { principal: "Tool users", resource: "Contoso Tool", appRole: "Tool.User" },
              ],
              oauth2PermissionGrants: [
            """)
        XCTAssertNotEqual(scenario, userScenarioText)
        fixture = try Fixture(scenario: scenario)
        let tokens = try fixture.issue(ropc(scope: "\(UserIDs.apiScope) openid profile", client: UserIDs.tool))
        XCTAssertEqual(try payload(XCTUnwrap(tokens.idToken))["roles"], .array(["Tool.Admin", "Tool.User"]))
        XCTAssertNil(try payload(tokens.accessToken)["roles"], "no role on Contoso API")
        // Another client's ID token names none of them.
        XCTAssertNil(try payload(XCTUnwrap(try fixture.issue(ropc(scope: "\(UserIDs.apiScope) openid")).idToken))["roles"])
    }

    /// v2 access tokens carry `name` and `preferred_username` only when `profile` was asked for
    /// (msal always asks); v1 tokens carry their name claims regardless.
    func testV2NameClaimsNeedTheProfileScope() throws {
        let bare = try payload(try fixture.issue(ropc(scope: UserIDs.apiScope)).accessToken)
        XCTAssertNil(bare["name"]); XCTAssertNil(bare["preferred_username"])
        XCTAssertEqual(bare["oid"]?.stringValue, alice.id)
        let profiled = try payload(try fixture.issue(ropc(scope: "\(UserIDs.apiScope) profile")).accessToken)
        XCTAssertEqual(profiled["name"]?.stringValue, "Alice Smith")
        XCTAssertEqual(profiled["preferred_username"]?.stringValue, "alice@contoso.test")
        let v1 = try payload(try fixture.issue(ropc(scope: "https://legacy.contoso.test/user_impersonation")).accessToken)
        XCTAssertEqual(v1["name"]?.stringValue, "Alice Smith")
        XCTAssertEqual(v1["upn"]?.stringValue, "alice@contoso.test")
    }

    func testClientInfoOnlyWhenAsked() throws {
        let tokens = try fixture.issue(ropc())
        let info = try XCTUnwrap(tokens.clientInfo)
        let decoded = try JSONValue.parse(try XCTUnwrap(Base64URL.decode(info))).objectValue
        XCTAssertEqual(decoded, ["uid": JSONValue.string(alice.id), "utid": JSONValue.string(IDs.tenant)])
        XCTAssertNil(try fixture.issue(ropc(clientInfo: false)).clientInfo)
    }

    func testPasswordGrantErrors() {
        fixture.reject(ropc(password: "wrong"), error: "invalid_grant", code: 50126)
        fixture.reject(ropc(user: "nobody@contoso.test"), error: "invalid_grant", code: 50034)
        fixture.reject(ropc(user: "carol@contoso.test", password: "carol-password"), error: "invalid_grant", code: 50057)
        let expired = fixture.reject(ropc(user: "dave@contoso.test", password: "dave-password"), error: "invalid_grant", code: 50055)
        XCTAssertEqual(expired?.error.suberror, "user_password_expired")
        // A wrong password never reveals the account state.
        fixture.reject(ropc(user: "carol@contoso.test", password: "nope"), error: "invalid_grant", code: 50126)
        fixture.reject(ropc(), tenant: "common", error: "invalid_request", code: 9001023)
        fixture.reject(ropc(), tenant: "consumers", error: "invalid_request", code: 9001023)
        // /organizations finds the tenant from the user's domain.
        XCTAssertNotNil(try fixture.issue(ropc(), tenant: "organizations").accessToken)
        let consent = fixture.reject(ropc(scope: "https://legacy.contoso.test/user_impersonation", client: UserIDs.tool),
                                     error: "invalid_grant", code: 65001)
        XCTAssertEqual(consent?.error.suberror, "consent_required")
        fixture.reject(ropc(scope: "api://contoso-api/Nope.Nothing"), error: "invalid_scope", code: 650053)
        // OpenID scopes alone mean a Microsoft Graph token: without any Graph consent, 65001.
        fixture.reject(ropc(scope: "openid profile", client: UserIDs.tool), error: "invalid_grant", code: 65001)
    }

    // MARK: Authorization code

    /// Validates an /authorize request, signs alice in and returns the code.
    func authorizeCode(client: String = IDs.desktop, redirect: String = UserIDs.redirect, challenge: String? = nil,
                       method: String? = nil, nonce: String? = "n-0S6_WzA2Mj", scope: String? = nil,
                       at authority: String = IDs.tenant) throws -> String {
        var query = [("client_id", client), ("response_type", "code"), ("redirect_uri", redirect),
                     ("scope", scope ?? "\(UserIDs.apiScope) openid profile offline_access"), ("state", "s1")]
        if let challenge { query.append(("code_challenge", challenge)) }
        if let method { query.append(("code_challenge_method", method)) }
        if let nonce { query.append(("nonce", nonce)) }
        guard case .valid(let request) = service.validateAuthorize(query, tenant: authority) else {
            XCTFail("authorize request invalid")
            throw XCTSkip("authorize request invalid")
        }
        let authentication = try service.signIn(userName: "alice@contoso.test", password: "alice-password", tenant: tenant).get()
        let response = service.authorize(request, authentication: authentication)
        XCTAssertEqual(response.parameters.first { $0.name == "state" }?.value, "s1")
        return try XCTUnwrap(response.parameters.first { $0.name == "code" }?.value)
    }

    func redeem(_ code: String, verifier: String? = nil, client: String = IDs.desktop,
                redirect: String = UserIDs.redirect, extra: [(String, String)] = []) -> [(String, String)] {
        var form = [("grant_type", "authorization_code"), ("client_id", client), ("code", code), ("redirect_uri", redirect),
                    ("scope", "\(UserIDs.apiScope) openid profile offline_access"), ("client_info", "1")]
        if let verifier { form.append(("code_verifier", verifier)) }
        return form + extra
    }

    static func s256(_ verifier: String) -> String { Base64URL.encode(Digest.sha256(Array(verifier.utf8))) }

    func testAuthorizationCodeWithPKCES256() throws {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        let code = try authorizeCode(challenge: Self.s256(verifier), method: "S256")
        let tokens = try fixture.issue(redeem(code, verifier: verifier))
        let id = try payload(tokens.idToken)
        XCTAssertEqual(id["aud"]?.stringValue, IDs.desktop)
        XCTAssertEqual(id["nonce"]?.stringValue, "n-0S6_WzA2Mj")
        XCTAssertEqual(id["iss"]?.stringValue, "\(IDs.baseURL)/\(IDs.tenant)/v2.0")
        XCTAssertEqual(id["tid"]?.stringValue, IDs.tenant)
        XCTAssertEqual(id["ver"]?.stringValue, "2.0")
        XCTAssertEqual(id["oid"]?.stringValue, alice.id)
        XCTAssertEqual(id["preferred_username"]?.stringValue, "alice@contoso.test")
        XCTAssertEqual(id["name"]?.stringValue, "Alice Smith")
        XCTAssertNotNil(tokens.refreshToken)
        XCTAssertNotNil(tokens.clientInfo)
        XCTAssertEqual(try payload(tokens.accessToken)["scp"]?.stringValue, "access_as_user")
    }

    func testAuthorizationCodeWithPlainPKCEAndMismatches() throws {
        let plain = try authorizeCode(challenge: "plain-verifier-0123456789-0123456789-0123456789", method: "plain")
        XCTAssertNoThrow(try fixture.issue(redeem(plain, verifier: "plain-verifier-0123456789-0123456789-0123456789")))

        let s256 = try authorizeCode(challenge: Self.s256("right-verifier-0123456789-0123456789-0123"), method: "S256")
        fixture.reject(redeem(s256, verifier: "wrong-verifier-0123456789-0123456789-0123"), error: "invalid_grant", code: 501481)
        let missing = try authorizeCode(challenge: Self.s256("v"), method: "S256")
        fixture.reject(redeem(missing), error: "invalid_grant", code: 501481)

        // AADSTS500112 (snok/django-auth-adfs#354, 2024), also for a redirect URI that is not registered.
        let redirect = try authorizeCode()
        fixture.reject(redeem(redirect, redirect: "http://localhost:9999"), error: "invalid_client", code: 500112, status: 401,
                       messageContains: "The reply address 'http://localhost:9999' does not match the reply address '\(UserIDs.redirect)' provided when requesting Authorization code.")
        fixture.reject(redeem(try authorizeCode(), redirect: "https://unregistered.test/cb?code=x"), error: "invalid_client",
                       code: 500112, status: 401)
        let client = try authorizeCode()
        fixture.reject(redeem(client, client: UserIDs.tool), error: "invalid_grant", code: 70000)
    }

    /// A code issued at `authority` (what /authorize stores with it), for Desktop's loopback redirect.
    func code(issuedAt authority: CodeAuthority) throws -> String {
        let authentication = try service.signIn(userName: "alice@contoso.test", password: "alice-password", tenant: tenant).get()
        return service.stores.authorizationCodes.issue(StoredAuthorizationCode(
            clientId: IDs.desktop, tenantId: tenant.id, redirectURI: UserIDs.redirect,
            scope: "\(UserIDs.apiScope) openid profile offline_access", nonce: nil, codeChallenge: nil,
            codeChallengeMethod: nil, claims: nil, authentication: authentication,
            expiresAt: service.clock.now().addingTimeInterval(AuthorizationCodeStore.lifetime), issuedToSPA: false,
            authority: authority))
    }

    /// 700005: a code is redeemed at the authority it was requested at (error-code reference:
    /// "/common or /{tenant-ID} as appropriate"); the tenant's id and its domain name are one authority.
    func testCodeIsRedeemedOnlyAtTheAuthorityItWasIssuedAt() throws {
        let message = "Provided Authorization Code is intended to use against other tenant, thus rejected."
        let atTenant = CodeAuthority(segment: IDs.tenant, tenant: tenant)
        let atCommon = CodeAuthority(segment: "common", tenant: tenant)
        let atOrganizations = CodeAuthority(segment: "Organizations", tenant: tenant)
        fixture.reject(redeem(try code(issuedAt: atTenant)), tenant: "common", error: "invalid_grant", code: 700005,
                       messageContains: message)
        fixture.reject(redeem(try code(issuedAt: atCommon)), tenant: IDs.tenant, error: "invalid_grant", code: 700005)
        fixture.reject(redeem(try code(issuedAt: atOrganizations)), tenant: "common", error: "invalid_grant", code: 700005)

        XCTAssertNotNil(try fixture.issue(redeem(try code(issuedAt: atCommon)), tenant: "common").accessToken)
        XCTAssertNotNil(try fixture.issue(redeem(try code(issuedAt: atOrganizations)), tenant: "organizations").accessToken)
        XCTAssertNotNil(try fixture.issue(redeem(try code(issuedAt: atTenant)), tenant: IDs.tenant).accessToken)
        XCTAssertNotNil(try fixture.issue(redeem(try code(issuedAt: atTenant)), tenant: "contoso.test").accessToken)
        XCTAssertNotNil(try fixture.issue(redeem(try code(issuedAt: CodeAuthority(segment: "CONTOSO.test", tenant: tenant))),
                                          tenant: IDs.tenant).accessToken)
    }

    /// The same through /authorize: the authority a code was requested at is stored with it.
    func testAuthorizeStoresTheAuthorityItWasCalledAt() throws {
        fixture.reject(redeem(try authorizeCode(at: "common")), tenant: IDs.tenant, error: "invalid_grant", code: 700005)
        fixture.reject(redeem(try authorizeCode(at: IDs.tenant)), tenant: "organizations", error: "invalid_grant", code: 700005)
        XCTAssertNotNil(try fixture.issue(redeem(try authorizeCode(at: "common")), tenant: "common").accessToken)
        XCTAssertNotNil(try fixture.issue(redeem(try authorizeCode(at: "contoso.test")), tenant: IDs.tenant).accessToken)
    }

    /// RFC 8707 `resource` on v2 (MCP clients always send it): accepted next to scopes of the same
    /// resource (a trailing slash counts), 9010010 next to scopes of another; on a code or refresh
    /// redemption without `scope`, checked against the scopes the grant carries; 901002 where there
    /// are no scopes at all; at /authorize the error goes back to the redirect URI.
    func testResourceIndicatorOnUserGrantsAndAuthorize() throws {
        let mcpServer = "https://mcp.contoso.test/mcp"
        XCTAssertNotNil(try fixture.issue(ropc() + [("resource", "API://contoso-api")]).accessToken)
        fixture.reject(ropc() + [("resource", mcpServer)], error: "invalid_target", code: 9010010,
                       messageContains: "Resource: '\(mcpServer)'")
        fixture.reject(ropc() + [("resource", "api://contoso-api/")], error: "invalid_target", code: 9010010)

        // The MCP client's redemption: `resource` and no `scope`, matched against the code's scopes.
        let mcpRedemption = { (code: String, resource: String) in self.redeem(code).filter { $0.0 != "scope" } + [("resource", resource)] }
        fixture.reject(mcpRedemption(try authorizeCode(), mcpServer), error: "invalid_target", code: 9010010)
        let tokens = try fixture.issue(mcpRedemption(try authorizeCode(), "api://contoso-api"))
        let refreshToken = try XCTUnwrap(tokens.refreshToken)
        fixture.reject(refresh(refreshToken, scope: UserIDs.apiScope) + [("resource", mcpServer)],
                       error: "invalid_target", code: 9010010)
        // The MCP client's refresh: no `scope` either.
        XCTAssertNotNil(try fixture.issue(refresh(refreshToken) + [("resource", "api://contoso-api")]).accessToken)
        fixture.reject(refresh(refreshToken) + [("resource", mcpServer)], error: "invalid_target", code: 9010010)
        // A refresh reads its first resource only, so `resource` is checked against that one.
        XCTAssertNotNil(try fixture.issue(refresh(refreshToken, scope: "\(UserIDs.apiScope) https://legacy.contoso.test/user_impersonation")
                                          + [("resource", "api://contoso-api")]).accessToken)
        // /devicecode too.
        for (form, code) in [([("resource", "api://contoso-api")], 901002),
                             ([("scope", UserIDs.apiScope), ("resource", mcpServer)], 9010010)] {
            guard case .failure(let error) = service.deviceAuthorization(tenant: IDs.tenant, form: [("client_id", IDs.desktop)] + form,
                                                                         baseURL: IDs.baseURL) else {
                XCTFail("devicecode accepted \(form)")
                continue
            }
            XCTAssertEqual(error.error.code, code)
        }

        var query = [("client_id", IDs.desktop), ("response_type", "code"), ("redirect_uri", UserIDs.redirect),
                     ("scope", "\(UserIDs.apiScope) openid"), ("state", "s")]
        guard case .valid = service.validateAuthorize(query + [("resource", "api://contoso-api")], tenant: IDs.tenant) else {
            return XCTFail("a resource naming the scopes' resource is tolerated")
        }
        query.append(("resource", mcpServer))
        guard case .redirect(let response) = service.validateAuthorize(query, tenant: IDs.tenant) else {
            return XCTFail("a resource naming another resource is refused at the redirect URI")
        }
        XCTAssertEqual(response.parameters.first { $0.name == "error" }?.value, "invalid_target")
        XCTAssertTrue(response.parameters.first { $0.name == "error_description" }?.value.hasPrefix("AADSTS9010010:") ?? false)
        XCTAssertEqual(response.parameters.first { $0.name == "state" }?.value, "s")
    }

    /// The /authorize scope "can cover multiple resources" (auth-code flow doc; MSAL's
    /// extraScopesToConsent): the code carries them all. The token request still names one resource
    /// (70011 for several); a redemption without `scope` (RFC 8707 `resource`) is for the first, as a refresh is.
    func testAuthorizeAcceptsScopesOfSeveralResources() throws {
        let legacyScope = "https://legacy.contoso.test/user_impersonation"
        let several = "\(UserIDs.apiScope) \(legacyScope) openid profile offline_access"
        let withScope = { (code: String, scope: String) in self.redeem(code).map { $0.0 == "scope" ? ("scope", scope) : $0 } }

        let legacy = try fixture.issue(withScope(try authorizeCode(scope: several), "\(legacyScope) openid offline_access"))
        XCTAssertEqual(try payload(legacy.accessToken)["aud"]?.stringValue, "https://legacy.contoso.test")
        XCTAssertEqual(try payload(legacy.idToken)["nonce"]?.stringValue, "n-0S6_WzA2Mj")
        fixture.reject(withScope(try authorizeCode(scope: several), several), error: "invalid_scope", code: 70011)

        let withoutScope = { (code: String) in self.redeem(code).filter { $0.0 != "scope" } }
        let first = try fixture.issue(withoutScope(try authorizeCode(scope: several)))
        XCTAssertEqual(try payload(first.accessToken)["aud"]?.stringValue, IDs.api)
        XCTAssertEqual(try payload(first.accessToken)["scp"]?.stringValue, "access_as_user")
        XCTAssertEqual(try payload(first.idToken)["nonce"]?.stringValue, "n-0S6_WzA2Mj")
        // Its refresh token stands for the first resource too; asked for the other, it answers for that one.
        let refreshToken = try XCTUnwrap(first.refreshToken)
        XCTAssertEqual(try payload(try fixture.issue(refresh(refreshToken)).accessToken)["aud"]?.stringValue, IDs.api)
        XCTAssertEqual(try payload(try fixture.issue(refresh(refreshToken, scope: legacyScope)).accessToken)["aud"]?.stringValue,
                       "https://legacy.contoso.test")
        // `resource` without `scope` must name the first resource.
        XCTAssertNotNil(try fixture.issue(withoutScope(try authorizeCode(scope: several)) + [("resource", "api://contoso-api")]).accessToken)
        fixture.reject(withoutScope(try authorizeCode(scope: several)) + [("resource", "https://legacy.contoso.test")],
                       error: "invalid_target", code: 9010010)

        // `.default` still never mixes with named scopes, of its own resource or another.
        for mixed in ["api://contoso-api/.default \(legacyScope)", "\(legacyScope) api://contoso-api/.default"] {
            let query = [("client_id", IDs.desktop), ("response_type", "code"), ("redirect_uri", UserIDs.redirect), ("scope", mixed)]
            guard case .redirect(let response) = service.validateAuthorize(query, tenant: IDs.tenant) else {
                XCTFail("\(mixed) accepted")
                continue
            }
            XCTAssertEqual(response.parameters.first { $0.name == "error" }?.value, "invalid_scope")
            XCTAssertTrue(response.parameters.first { $0.name == "error_description" }?.value.hasPrefix("AADSTS70011:") ?? false)
        }
        // `.default` of several resources is no such mix (our choice).
        XCTAssertNotNil(try authorizeCode(scope: "api://contoso-api/.default https://legacy.contoso.test/.default openid"))
    }

    /// Entra refuses a PKCE challenge of the wrong size (501491), back at the redirect URI.
    func testCodeChallengeOfWrongSizeIs501491() throws {
        let padded = Self.s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") + "="
        let wrong = [(padded, "S256"), ("short", "S256"), (String(repeating: "a", count: 42), "plain"),
                     (String(repeating: "a", count: 129), "plain"), ("", "plain")]
        for (challenge, method) in wrong {
            let query = [("client_id", IDs.desktop), ("response_type", "code"), ("redirect_uri", UserIDs.redirect),
                         ("scope", UserIDs.apiScope), ("code_challenge", challenge), ("code_challenge_method", method)]
            guard case .redirect(let response) = service.validateAuthorize(query, tenant: IDs.tenant) else {
                XCTFail("\(method) challenge of \(challenge.count) characters accepted")
                continue
            }
            XCTAssertEqual(response.parameters.first { $0.name == "error" }?.value, "invalid_request")
            XCTAssertTrue(response.parameters.first { $0.name == "error_description" }?.value.hasPrefix("AADSTS501491:") ?? false)
        }
        // Without a method the challenge is plain: 43 to 128 characters.
        let longest = String(repeating: "a", count: 128)
        XCTAssertNoThrow(try fixture.issue(redeem(try authorizeCode(challenge: longest), verifier: longest)))
    }

    func testReplayedCodeIs54005AndRevokesItsRefreshToken() throws {
        let code = try authorizeCode()
        let first = try fixture.issue(redeem(code))
        let refresh = try XCTUnwrap(first.refreshToken)
        fixture.reject(redeem(code), error: "invalid_grant", code: 54005)
        let refreshForm = [("grant_type", "refresh_token"), ("client_id", IDs.desktop), ("refresh_token", refresh)]
        fixture.reject(refreshForm, error: "invalid_grant", code: 9002313)
    }

    /// A code from a sign-in before the user's sessions were revoked is refused (50173), as
    /// `revokeSessions` promises for every grant derived from that sign-in.
    func testCodeFromARevokedSignInIs50173() throws {
        let code = try authorizeCode()
        fixture.clock.advance(by: 1)
        service.revokeSessions(userId: alice.id)
        fixture.reject(redeem(code), error: "invalid_grant", code: 50173)
    }

    func testExpiredCodeIs70008() throws {
        let code = try authorizeCode()
        fixture.clock.advance(by: 11 * 60)
        fixture.reject(redeem(code), error: "invalid_grant", code: 70008)
    }

    func testConcurrentRedemptionsMintExactlyOneToken() throws {
        let code = try authorizeCode()
        let form = redeem(code)
        let fixture = self.fixture!
        let successes = Locked(0)
        let replays = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            switch fixture.token(form).result {
            case .success: successes.withValue { $0 += 1 }
            case .failure(let stamped): if stamped.error.code == 54005 { replays.withValue { $0 += 1 } }
            }
        }
        XCTAssertEqual(successes.withValue { $0 }, 1)
        XCTAssertEqual(replays.withValue { $0 }, 7)
    }

    // MARK: Refresh

    func refresh(_ token: String, scope: String? = nil, client: String = IDs.desktop) -> [(String, String)] {
        var form = [("grant_type", "refresh_token"), ("client_id", client), ("refresh_token", token), ("client_info", "1")]
        if let scope { form.append(("scope", scope)) }
        return form
    }

    func testRefreshTokenRotationNarrowingAndShape() throws {
        let code = try authorizeCode()
        let first = try fixture.issue(redeem(code))
        let original = try XCTUnwrap(first.refreshToken)
        let second = try fixture.issue(refresh(original, scope: "\(UserIDs.apiScope) openid profile offline_access"))
        let rotated = try XCTUnwrap(second.refreshToken)
        XCTAssertNotEqual(rotated, original, "a new refresh token each time")
        XCTAssertNoThrow(try fixture.issue(refresh(original)), "the old one stays valid")
        XCTAssertEqual(second.clientInfo, first.clientInfo)
        let id1 = try payload(first.idToken), id2 = try payload(second.idToken)
        XCTAssertEqual(id2["sub"], id1["sub"]); XCTAssertEqual(id2["oid"], id1["oid"]); XCTAssertEqual(id2["aud"], id1["aud"])
        // Narrowing to one scope of the original grant.
        let narrowed = try fixture.issue(refresh(rotated, scope: UserIDs.apiScope))
        XCTAssertEqual(narrowed.scope, UserIDs.apiScope)
        XCTAssertNil(narrowed.idToken)
        XCTAssertNotNil(narrowed.refreshToken, "a refresh returns a new refresh token without offline_access too")
        fixture.reject(refresh(rotated, client: UserIDs.tool), error: "invalid_grant", code: 70000)
        // Scopes of two resources: the first one wins, the other's scopes are dropped.
        let legacy = try fixture.issue(refresh(rotated, scope: "https://legacy.contoso.test/user_impersonation \(UserIDs.apiScope) openid"))
        XCTAssertEqual(try payload(legacy.accessToken)["aud"]?.stringValue, "https://legacy.contoso.test")
        XCTAssertEqual(legacy.scope, "https://legacy.contoso.test/user_impersonation openid")
        XCTAssertNotNil(legacy.idToken)
    }

    func testRefreshTokenInactivityAndRevocation() throws {
        let code = try authorizeCode()
        let token = try XCTUnwrap(try fixture.issue(redeem(code)).refreshToken)
        let spare = try XCTUnwrap(try fixture.issue(ropc(scope: "\(UserIDs.apiScope) offline_access")).refreshToken)
        fixture.clock.advance(by: 91 * 24 * 3600)
        fixture.reject(refresh(token), error: "invalid_grant", code: 700082)
        fixture.clock.reset()
        // Revocation: grants from earlier sign-ins fail with 50173 and browser sessions end.
        let authentication = try service.signInWithoutPassword(userName: "alice@contoso.test", tenant: tenant).get()
        XCTAssertTrue(service.isSessionValid(authentication))
        fixture.clock.advance(by: 1)
        service.revokeSessions(userId: alice.id)
        fixture.reject(refresh(spare), error: "invalid_grant", code: 50173)
        XCTAssertFalse(service.isSessionValid(authentication))
    }
}
