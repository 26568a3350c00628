import Foundation
import XCTest
import EntraDirectory
import JOSE
@testable import TokenService

/// One app registered on all three platforms, with a secret: the redirect URI a code was sent to
/// decides whether the client is public, and a public client must present no credential (700025).
/// A second app allows public client flows but has only a web redirect URI: its codes stay confidential.
final class PublicClientCredentialTests: XCTestCase {
    static let hybrid = "5c3a1e9f-7b2d-4c6e-8a0f-1b3d5e7f9a2c"
    static let webFallback = "6d4b2f0a-8c3e-4d7f-9b1a-2c4e6f8a0b3d"
    static let webFallbackRedirect = "https://fallback.contoso.test/callback"
    static let secret = "hybrid-secret"
    static let webRedirect = "https://hybrid.contoso.test/callback"
    static let spaRedirect = "https://hybrid.contoso.test/spa"
    static let spaOrigin = "https://hybrid.contoso.test"
    static let scenario = """
    {
      \(IDs.tenantHeader),
      applications: [
        { displayName: "Contoso API", appId: "\(IDs.api)", identifierUris: [ "api://contoso-api" ],
          api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [ { value: "access_as_user" } ] } },
        { displayName: "Contoso Hybrid", appId: "\(hybrid)", passwordCredentials: [ { secretText: "\(secret)" } ],
          web: { redirectUris: [ "\(webRedirect)" ] },
          spa: { redirectUris: [ "\(spaRedirect)" ] },
          publicClient: { redirectUris: [ "http://localhost" ] } },
        { displayName: "Contoso Web Fallback", appId: "\(webFallback)", isFallbackPublicClient: true,
          passwordCredentials: [ { secretText: "\(secret)" } ], web: { redirectUris: [ "\(webFallbackRedirect)" ] } },
      ],
      users: [ { userPrincipalName: "alice@contoso.test", displayName: "Alice", password: "alice-password" } ],
      oauth2PermissionGrants: [
        { client: "Contoso Hybrid", resource: "Contoso API", scope: "access_as_user", consentType: "AllPrincipals" },
        { client: "Contoso Web Fallback", resource: "Contoso API", scope: "access_as_user", consentType: "AllPrincipals" },
      ],
    }
    """
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    var fixture: Fixture!
    var service: TokenService { fixture.service }

    override func setUpWithError() throws {
        fixture = try Fixture(scenario: Self.scenario)
    }

    func code(redirect: String, client: String = hybrid, pkce: Bool = true) throws -> String {
        let challenge = Base64URL.encode(Digest.sha256(Array(Self.verifier.utf8)))
        var query = [("client_id", client), ("response_type", "code"), ("redirect_uri", redirect),
                     ("scope", "\(UserIDs.apiScope) openid offline_access"), ("state", "s")]
        if pkce { query += [("code_challenge", challenge), ("code_challenge_method", "S256")] }
        guard case .valid(let request) = service.validateAuthorize(query, tenant: IDs.tenant) else {
            XCTFail("authorize request invalid")
            throw XCTSkip("authorize request invalid")
        }
        let tenant = service.directory.tenants[0]
        let authentication = try service.signIn(userName: "alice@contoso.test", password: "alice-password", tenant: tenant).get()
        let response = service.authorize(request, authentication: authentication)
        return try XCTUnwrap(response.parameters.first { $0.name == "code" }?.value)
    }

    func redeem(_ code: String, redirect: String, secret: String? = nil, client: String = hybrid) -> [(String, String)] {
        var form = [("grant_type", "authorization_code"), ("client_id", client), ("code", code),
                    ("redirect_uri", redirect), ("code_verifier", Self.verifier)]
        if let secret { form.append(("client_secret", secret)) }
        return form
    }

    func refresh(_ token: String, secret: String? = nil, client: String = hybrid) -> [(String, String)] {
        var form = [("grant_type", "refresh_token"), ("client_id", client), ("refresh_token", token)]
        if let secret { form.append(("client_secret", secret)) }
        return form
    }

    func testACodeSentToAMobileOrDesktopRedirectMayNotBeRedeemedWithACredential() throws {
        let redirect = UserIDs.redirect   // http://localhost:12345, under the publicClient platform
        let code = try code(redirect: redirect)
        fixture.reject(redeem(code, redirect: redirect, secret: Self.secret), error: "invalid_client", code: 700025,
                       messageContains: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")
        // Presence is enough: a wrong secret, a secret in the Basic header, an assertion.
        fixture.reject(redeem(code, redirect: redirect, secret: "wrong"), error: "invalid_client", code: 700025)
        fixture.reject(redeem(code, redirect: redirect), basic: BasicCredentials(clientId: Self.hybrid, secret: Self.secret),
                       error: "invalid_client", code: 700025)
        fixture.reject(redeem(code, redirect: redirect) + [("client_assertion", "x.y.z"), ("client_assertion_type", IDs.jwtBearer)],
                       error: "invalid_client", code: 700025)
        // The refusals did not burn the code: the client redeems it as the public client it is here.
        let tokens = try fixture.issue(redeem(code, redirect: redirect))
        let refreshToken = try XCTUnwrap(tokens.refreshToken)
        XCTAssertEqual(fixture.log.records().last?.client?.authenticationMethod, ClientAuthenticationMethod.none)

        // Its refresh token stays public.
        fixture.reject(refresh(refreshToken, secret: Self.secret), error: "invalid_client", code: 700025)
        XCTAssertNotNil(try fixture.issue(refresh(refreshToken)).accessToken)
    }

    func testACodeSentToASPARedirectMayNotBeRedeemedWithACredential() throws {
        let code = try code(redirect: Self.spaRedirect)
        let outcome = fixture.token(redeem(code, redirect: Self.spaRedirect, secret: Self.secret), origin: Self.spaOrigin)
        guard case .failure(let stamped) = outcome.result else { return XCTFail("a SPA code redeemed with a secret") }
        XCTAssertEqual(stamped.error.code, 700025)
        XCTAssertNotNil(try fixture.issue(redeem(code, redirect: Self.spaRedirect), origin: Self.spaOrigin).accessToken)
    }

    /// A SPA's refresh tokens share the first one's fixed 24 hours: refreshing never extends it.
    func testASPARefreshChainEndsTwentyFourHoursAfterItBegan() throws {
        let code = try code(redirect: Self.spaRedirect)
        let first = try XCTUnwrap(try fixture.issue(redeem(code, redirect: Self.spaRedirect), origin: Self.spaOrigin).refreshToken)
        fixture.clock.advance(by: 20 * 3600)
        let second = try XCTUnwrap(try fixture.issue(refresh(first), origin: Self.spaOrigin).refreshToken)
        fixture.clock.advance(by: 5 * 3600)
        fixture.reject(refresh(second), error: "invalid_grant", code: 700084)
    }

    func testTheSameAppRedeemsAWebRedirectCodeWithItsSecret() throws {
        let code = try code(redirect: Self.webRedirect)
        // Without the secret the web flow is confidential: 7000218, and the code survives.
        fixture.reject(redeem(code, redirect: Self.webRedirect), error: "invalid_client", code: 7000218)
        let tokens = try fixture.issue(redeem(code, redirect: Self.webRedirect, secret: Self.secret))
        XCTAssertEqual(fixture.log.records().last?.client?.authenticationMethod, .clientSecretPost)
        let refreshToken = try XCTUnwrap(tokens.refreshToken)
        XCTAssertNotNil(try fixture.issue(refresh(refreshToken, secret: Self.secret)).accessToken)
    }

    /// "Allow public client flows" does not make a web redirect URI public: Entra treats an app
    /// whose code went to a web redirect URI as a confidential client (Azure/azure-sdk-for-go#22386,
    /// Azure/azure-sdk-for-js#21395), so the code and its refresh tokens need the secret (7000218).
    func testAWebRedirectCodeNeedsTheSecretEvenWhenTheAppAllowsPublicClientFlows() throws {
        let (app, redirect) = (Self.webFallback, Self.webFallbackRedirect)
        let code = try code(redirect: redirect, client: app)
        fixture.reject(redeem(code, redirect: redirect, client: app), error: "invalid_client", code: 7000218)
        // The refusal did not burn the code.
        let tokens = try fixture.issue(redeem(code, redirect: redirect, secret: Self.secret, client: app))
        let refreshToken = try XCTUnwrap(tokens.refreshToken)
        fixture.reject(refresh(refreshToken, client: app), error: "invalid_client", code: 7000218)
        let refreshed = try fixture.issue(refresh(refreshToken, secret: Self.secret, client: app))
        // The next refresh token of the chain is just as confidential.
        fixture.reject(refresh(try XCTUnwrap(refreshed.refreshToken), client: app), error: "invalid_client", code: 7000218)

        // Flows without a redirect URI keep the fallback: ROPC without a secret, and its refresh token.
        let ropc = try fixture.issue([("grant_type", "password"), ("client_id", app), ("username", "alice@contoso.test"),
                                      ("password", "alice-password"), ("scope", "\(UserIDs.apiScope) offline_access")])
        XCTAssertNotNil(try fixture.issue(refresh(try XCTUnwrap(ropc.refreshToken), client: app)).accessToken)
    }

    /// AADSTS9002325 is a token-endpoint error ("…required for cross-origin authorization code
    /// redemption"): /authorize issues the code, and redeeming it fails. Server-side redemptions
    /// with a secret and no `Origin` get it too (stevenmaguire/oauth2-microsoft#26,
    /// thobach/MMM-MicrosoftToDo#27), so it comes before 700025 and 9002327.
    func testASPACodeWithoutPKCEIsRefusedWhenRedeemed() throws {
        let code = try code(redirect: Self.spaRedirect, pkce: false)
        let message = "Proof Key for Code Exchange is required for cross-origin authorization code redemption."
        fixture.reject(redeem(code, redirect: Self.spaRedirect, secret: Self.secret), error: "invalid_request",
                       code: 9002325, messageContains: message)
        fixture.reject(redeem(code, redirect: Self.spaRedirect), error: "invalid_request", code: 9002325)
        let outcome = fixture.token(redeem(code, redirect: Self.spaRedirect), origin: Self.spaOrigin)
        guard case .failure(let stamped) = outcome.result else { return XCTFail("a SPA code without PKCE redeemed") }
        XCTAssertEqual(stamped.error.code, 9002325)
        XCTAssertEqual(stamped.error.message, message)
    }
}
