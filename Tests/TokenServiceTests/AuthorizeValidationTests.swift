import Foundation
import XCTest
import EntraDirectory
@testable import TokenService

/// /authorize requests Entra refuses before anyone signs in: which code, and whether it is shown on
/// the error page or sent back to the redirect URI.
final class AuthorizeValidationTests: XCTestCase {
    var fixture: Fixture!
    var service: TokenService { fixture.service }

    override func setUpWithError() throws {
        fixture = try Fixture(scenario: userScenarioText)
    }

    static let request = [("client_id", IDs.desktop), ("response_type", "code"), ("redirect_uri", UserIDs.redirect),
                          ("scope", "\(UserIDs.apiScope) openid"), ("state", "s1")]

    /// The error an invalid request is shown on the error page, or nil (with a failure) when it is not.
    func errorPage(_ query: [(String, String)], file: StaticString = #filePath, line: UInt = #line) -> StampedError? {
        guard case .errorPage(let stamped) = service.validateAuthorize(query, tenant: IDs.tenant) else {
            XCTFail("not shown on the error page", file: file, line: line)
            return nil
        }
        return stamped
    }

    /// The `error` and `error_description` sent back to the redirect URI, or nil (with a failure).
    func redirected(_ query: [(String, String)], file: StaticString = #filePath,
                    line: UInt = #line) -> (response: AuthorizeResponse, error: String?, description: String)? {
        guard case .redirect(let response) = service.validateAuthorize(query, tenant: IDs.tenant) else {
            XCTFail("not sent back to the redirect URI", file: file, line: line)
            return nil
        }
        let value = { (name: String) in response.parameters.first { $0.name == name }?.value }
        return (response, value("error"), value("error_description") ?? "")
    }
}

// MARK: Duplicated parameters

extension AuthorizeValidationTests {
    /// `prompt=select_account&prompt=consent` (an MCP client appending `prompt` to an
    /// authorization endpoint that carries one): Entra's error page, AADSTS9000411, for any
    /// parameter, before the client or redirect URI is looked at; nothing goes to the redirect URI.
    func testDuplicatedParameterIs9000411OnTheErrorPage() {
        let twice: [(name: String, extra: [(String, String)])] = [
            ("prompt", [("prompt", "select_account"), ("prompt", "consent")]),
            ("login_hint", [("login_hint", "alice@contoso.test"), ("login_hint", "bob@contoso.test")]),
            ("client_id", [("client_id", IDs.desktop)]),
            ("redirect_uri", [("redirect_uri", "https://evil.example/cb")]),
        ]
        for (name, extra) in twice {
            guard let stamped = errorPage(Self.request + extra) else { continue }
            XCTAssertEqual(stamped.error.code, 9000411, name)
            XCTAssertEqual(stamped.error.error, "invalid_request")
            XCTAssertTrue(stamped.description.hasPrefix(
                "AADSTS9000411: The request is not properly formatted. The parameter '\(name)' is duplicated."), stamped.description)
        }
        // The same parameter twice with the same value is still two parameters.
        XCTAssertEqual(errorPage(Self.request + [("state", "s1")])?.error.code, 9000411)
    }

    /// v1 reads `resource` into a v2 `scope`; a duplicated `resource` must not vanish in that translation.
    func testDuplicatedResourceOnV1IsStill9000411() {
        let v1 = [("client_id", IDs.desktop), ("response_type", "code"), ("redirect_uri", UserIDs.redirect),
                  ("resource", "api://contoso-api"), ("resource", "https://legacy.contoso.test")]
        XCTAssertEqual(errorPage(TokenService.v1AuthorizeParameters(v1))?.error.code, 9000411)
        guard case .failure(let device) = service.deviceAuthorization(
            tenant: IDs.tenant, form: TokenService.v1DeviceCodeParameters([("client_id", IDs.desktop)] + v1.suffix(2)),
            baseURL: IDs.baseURL) else { return XCTFail("a duplicated resource at the v1 device endpoint was accepted") }
        XCTAssertEqual(device.error.code, 9000411)
    }
}

// MARK: PKCE

extension AuthorizeValidationTests {
    /// `code_challenge` is "Required if `code_challenge_method` is included" (auth-code flow doc):
    /// a method without a challenge is AADSTS50147 at the redirect URI, and no code is issued that
    /// could later be redeemed without a verifier.
    func testCodeChallengeMethodWithoutChallengeIs50147() {
        for method in ["S256", "plain"] {
            guard let refused = redirected(Self.request + [("code_challenge_method", method)]) else { continue }
            XCTAssertEqual(refused.error, "invalid_request")
            XCTAssertTrue(refused.description.hasPrefix("AADSTS50147: Invalid size of the code challenge parameter."),
                          refused.description)
            XCTAssertTrue(refused.response.parameters.contains { $0.name == "state" && $0.value == "s1" })
        }
    }
}

// MARK: Response mode

extension AuthorizeValidationTests {
    /// An unknown `response_mode` is AADSTS70007 (UnsupportedResponseMode), with the wording Entra
    /// shows, sent back to the redirect URI in the default (query) mode.
    func testUnknownResponseModeIs70007() {
        guard let refused = redirected(Self.request + [("response_mode", "bogus")]) else { return }
        XCTAssertEqual(refused.error, "invalid_request")
        XCTAssertTrue(refused.description.hasPrefix(
            "AADSTS70007: The application requested an unsupported mode 'bogus' when requesting a token."), refused.description)
        XCTAssertEqual(refused.response.responseMode, "query")
    }
}

// MARK: Redirect URIs

extension AuthorizeValidationTests {
    /// An application without any registered redirect URI is AADSTS500113 on the error page,
    /// whether or not the request names one.
    func testApplicationWithoutRedirectURIsIs500113() {
        let api = Self.request.map { $0.0 == "client_id" ? ("client_id", IDs.api) : $0 }
        for query in [api, api.filter { $0.0 != "redirect_uri" }] {
            guard let stamped = errorPage(query) else { continue }
            XCTAssertEqual(stamped.error.code, 500113)
            XCTAssertTrue(stamped.description.hasPrefix("AADSTS500113: No reply address is registered for the application."),
                          stamped.description)
        }
    }
}

// MARK: Prompt

extension AuthorizeValidationTests {
    /// An unknown `prompt`, or several values in one (OIDC allows a list; Entra does not), is
    /// AADSTS90023 with Entra's observed wording.
    func testUnsupportedPromptIs90023() {
        for prompt in ["admin_consent", "consent select_account", "unspecified"] {
            guard let refused = redirected(Self.request + [("prompt", prompt)]) else { continue }
            XCTAssertEqual(refused.error, "invalid_request")
            XCTAssertTrue(refused.description.hasPrefix("AADSTS90023: Unsupported 'prompt' value.\r\n"), refused.description)
        }
    }
}

// MARK: Resources and scopes

extension AuthorizeValidationTests {
    /// Entra refuses at /authorize, before any sign-in, a resource the tenant does not have
    /// (500011) and a scope its resource does not expose (650053, `invalid_client` there), for every
    /// resource the scope names; consent is left to redemption (MockEntra has no consent page).
    func testUnknownResourceOrScopeIsRefusedAtAuthorize() {
        func with(scope: String) -> [(String, String)] { Self.request.map { $0.0 == "scope" ? ("scope", scope) : $0 } }
        for scope in ["api://nope/x openid", "api://nope/.default", "\(UserIDs.apiScope) api://nope/x"] {
            guard let refused = redirected(with(scope: scope)) else { continue }
            XCTAssertEqual(refused.error, "invalid_resource", scope)
            XCTAssertTrue(refused.description.hasPrefix("AADSTS500011: The resource principal named api://nope was not found"),
                          refused.description)
        }
        guard let refused = redirected(with(scope: "api://contoso-api/nope openid")) else { return }
        XCTAssertEqual(refused.error, "invalid_client")
        XCTAssertTrue(refused.description.hasPrefix("AADSTS650053: The application 'Contoso Desktop' asked for scope 'nope'"),
                      refused.description)
        // Known resources and scopes pass, consented or not, Microsoft Graph's included.
        for scope in ["\(UserIDs.apiScope) openid", "api://contoso-api/.default", "User.Read Mail.Send openid"] {
            guard case .valid = service.validateAuthorize(with(scope: scope), tenant: IDs.tenant) else {
                XCTFail("refused: \(scope)")
                continue
            }
        }
    }
}

// MARK: Tenantless authorities

extension AuthorizeValidationTests {
    /// What a tenantless authority means for a client: the one tenant that registers it. A built-in
    /// resource (Microsoft Graph, in every tenant) and an unknown client have none.
    func testHomeTenantOfAClient() {
        XCTAssertEqual(service.homeTenantId(ofClient: IDs.desktop.uppercased()), IDs.tenant)
        XCTAssertNil(service.homeTenantId(ofClient: "00000003-0000-0000-c000-000000000000"))
        XCTAssertNil(service.homeTenantId(ofClient: "11111111-2222-4333-8444-555555555555"))
    }
}
