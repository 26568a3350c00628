import Foundation
import XCTest
import HTTPServer
import JOSE
import MockEntra

/// The MFA step on the sign-in and device-login pages, over TLS on `Scenarios/conditional-access.json`:
/// the `claims` challenge an OBO hop returned makes the next sign-in ask for a one-time code (a
/// remembered sign-in without MFA does not satisfy it), a wrong code is refused, the right one
/// yields a code whose tokens carry `mfa`, and the OBO retry succeeds. Also: `prompt=none`, users
/// without MFA, the device-login page, the headless call, and the exchange records.
final class SecondFactorPageTests: ShippedScenarioServerTestCase {
    override class var scenarioName: String { "conditional-access.json" }

    static let tenant = ConditionalAccessHTTPTests.tenant
    static let assistant = ConditionalAccessHTTPTests.assistant
    static let redirect = "http://localhost"
    static let scope = "api://woodgrove-web-api/access_as_user openid offline_access"
    static let challenge = #"{"access_token":{"capolids":{"essential":true,"values":["4c3f9a2e-5b1d-4e8f-9a7c-2d6e8f0a1b3c"]}}}"#
    var loginPath: String { "/\(Self.tenant)/login" }
    var tokenPath: String { "/\(Self.tenant)/oauth2/v2.0/token" }

    func authorizeURL(claims: String? = nil, extra: [(String, String)] = []) -> String {
        var pairs = [("client_id", Self.assistant), ("response_type", "code"), ("redirect_uri", Self.redirect), ("scope", Self.scope)]
        if let claims { pairs.append(("claims", claims)) }
        return "/\(Self.tenant)/oauth2/v2.0/authorize?" + String(decoding: formBody(pairs + extra), as: UTF8.self)
    }

    func passwordPost(_ page: HTTPClientResponse, user: String = "alice@woodgrove.test", cookie: String? = nil) throws -> HTTPClientResponse {
        try client.postForm(loginPath, [("ctx", try page.hiddenField("ctx")), ("login", user),
                                        ("passwd", user.hasPrefix("bob") ? "bob-password" : "alice-password"), ("action", "signin")],
                            headers: cookie.map { [("Cookie", $0)] } ?? [])
    }

    func codePost(_ page: HTTPClientResponse, code: String, cookie: String?) throws -> HTTPClientResponse {
        try client.postForm(loginPath, [("ctx", try page.hiddenField("ctx")), ("method", try page.hiddenField("method")),
                                        ("mfa_step", try page.hiddenField("mfa_step")), ("otc_code", code), ("action", "verify")],
                            headers: cookie.map { [("Cookie", $0)] } ?? [])
    }

    func shownCode(_ page: HTTPClientResponse) throws -> String {
        try page.attribute(after: "<code id=\"one-time-code\">", endingAt: "<")
    }

    /// The code redeemed for the Web API token, then exchanged On-Behalf-Of for Azure SQL.
    func oboAfterRedeeming(_ code: String) throws -> HTTPClientResponse {
        let redeemed = try client.postForm(tokenPath, [("grant_type", "authorization_code"), ("client_id", Self.assistant),
                                                       ("code", code), ("redirect_uri", Self.redirect), ("scope", Self.scope)])
        XCTAssertEqual(redeemed.status, 200, redeemed.text)
        let assertion = try XCTUnwrap(redeemed.object()["access_token"]?.stringValue)
        return try client.postForm(tokenPath, [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("client_id", ConditionalAccessHTTPTests.webAPI),
            ("client_secret", "woodgrove-web-api-secret"), ("assertion", assertion),
            ("scope", "https://database.windows.net//.default"), ("requested_token_use", "on_behalf_of")])
    }

    func records() throws -> [[String: JSONValue]] {
        (try client.get("/_mockentra/exchanges").object()["exchanges"]?.arrayValue ?? []).compactMap(\.objectValue)
    }

    // MARK: The sign-in page

    func testChallengeAsksForACodeThenTheOBORetrySucceeds() throws {
        // Without a challenge, no policy applies to the Web API: the password alone gives a code,
        // and the OBO hop to Azure SQL is refused with the challenge.
        let first = try passwordPost(try client.get(authorizeURL()))
        let refused = try oboAfterRedeeming(try XCTUnwrap(try first.redirectParameters(to: Self.redirect)["code"]))
        XCTAssertEqual(refused.object()["error_codes"], .array([50076]))
        XCTAssertEqual(refused.object()["claims"]?.stringValue, Self.challenge)
        let session = try XCTUnwrap(first.sessionCookie)

        // The client passes the challenge to /authorize. The remembered sign-in has no MFA, so the
        // browser gets the code page, not a redirect.
        let page = try client.get(authorizeURL(claims: Self.challenge), headers: [("Cookie", session)])
        XCTAssertEqual(page.status, 200, page.text)
        XCTAssertNil(page.headers["Location"])
        XCTAssertTrue(page.text.contains("Enter code"), page.text)
        let shown = try shownCode(page)
        XCTAssertEqual(try client.get("/_mockentra/users/alice@woodgrove.test/mfa-code").object()["code"]?.stringValue, shown)

        let wrongCode = shown == "000000" ? "111111" : "000000"
        let wrong = try codePost(page, code: wrongCode, cookie: session)
        XCTAssertEqual(wrong.status, 200)
        XCTAssertTrue(wrong.text.contains("You didn&#39;t enter the expected verification code."), wrong.text)

        let right = try codePost(wrong, code: shown, cookie: session)
        let retried = try oboAfterRedeeming(try XCTUnwrap(try right.redirectParameters(to: Self.redirect)["code"]))
        XCTAssertEqual(retried.status, 200, retried.text)
        let sqlToken = try JWT.decode(try XCTUnwrap(retried.object()["access_token"]?.stringValue)).payload
        XCTAssertEqual(sqlToken["amr"], .array(["pwd", "mfa"]))

        // The session now carries MFA: the same challenge is satisfied without a page.
        let sso = try client.get(authorizeURL(claims: Self.challenge), headers: [("Cookie", session)])
        XCTAssertNotNil(try sso.redirectParameters(to: Self.redirect)["code"])

        // The record of the step-up sign-in: how, with which claims, and the policies evaluated.
        let signIns = try records().filter { $0["grantType"]?.stringValue?.hasPrefix("authorize:") ?? false }
        let stepped = try XCTUnwrap(signIns.first { $0["grantType"]?.stringValue == "authorize:sso+mfa" })
        XCTAssertEqual(stepped["authenticationMethods"], .array(["pwd", "mfa"]))
        XCTAssertEqual(stepped["claimsRequest"]?.stringValue, Self.challenge)
        XCTAssertEqual(stepped["outcome"]?.stringValue, "issued")
        XCTAssertNotNil(stepped["conditionalAccess"]?.arrayValue?.first)
    }

    /// An authentication-context challenge (the MCP server's sensitive tool asks for c1): the page
    /// asks for the code, and the token claims the satisfied context.
    func testAuthenticationContextStepUpThroughThePage() throws {
        let acrs = #"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#
        let scope = "api://woodgrove-mcp/tools.invoke"
        let url = "/\(Self.tenant)/oauth2/v2.0/authorize?" + String(decoding: formBody([
            ("client_id", Self.assistant), ("response_type", "code"), ("redirect_uri", Self.redirect), ("scope", scope),
            ("claims", acrs)]), as: UTF8.self)
        let page = try passwordPost(try client.get(url))
        XCTAssertTrue(page.text.contains("Enter code"), page.text)
        let verified = try codePost(page, code: try shownCode(page), cookie: nil)
        let code = try XCTUnwrap(try verified.redirectParameters(to: Self.redirect)["code"])
        let redeemed = try client.postForm(tokenPath, [("grant_type", "authorization_code"), ("client_id", Self.assistant),
                                                       ("code", code), ("redirect_uri", Self.redirect), ("scope", scope)])
        XCTAssertEqual(redeemed.status, 200, redeemed.text)
        let token = try JWT.decode(try XCTUnwrap(redeemed.object()["access_token"]?.stringValue)).payload
        XCTAssertEqual(token["acrs"], .array(["c1"]))
    }

    func testPromptNoneIsInteractionRequiredWhenMFAIsMissing() throws {
        let session = try XCTUnwrap(try passwordPost(try client.get(authorizeURL())).sessionCookie)
        let silent = try client.get(authorizeURL(claims: Self.challenge, extra: [("prompt", "none")]), headers: [("Cookie", session)])
        let parameters = try silent.redirectParameters(to: Self.redirect)
        XCTAssertEqual(parameters["error"], "interaction_required")
        XCTAssertTrue(parameters["error_description"]?.hasPrefix("AADSTS50076: ") ?? false, parameters.description)
        XCTAssertNil(parameters["code"])
        // The error the application got is the one recorded: its trace id finds the record.
        let record = try XCTUnwrap(try records().last)
        XCTAssertEqual(record["grantType"]?.stringValue, "authorize:sso")
        let traceId = try XCTUnwrap(record["traceId"]?.stringValue)
        XCTAssertTrue(parameters["error_description"]?.contains("Trace ID: \(traceId)") ?? false, parameters.description)
    }

    func testUserWithoutMFASeesTheEnrolmentPage() throws {
        let page = try passwordPost(try client.get(authorizeURL(claims: Self.challenge)), user: "bob@woodgrove.test")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("More information required") && page.text.contains("AADSTS50079"), page.text)
        XCTAssertFalse(page.text.contains("one-time-code"))
        let back = try client.postForm(loginPath, [("ctx", try page.hiddenField("ctx")), ("action", "abandon")])
        let parameters = try back.redirectParameters(to: Self.redirect)
        XCTAssertEqual(parameters["error"], "interaction_required")
        XCTAssertTrue(parameters["error_description"]?.hasPrefix("AADSTS50079: ") ?? false)
    }

    func testThreeWrongCodesEndTheStep() throws {
        var page = try passwordPost(try client.get(authorizeURL(claims: Self.challenge)))
        let shown = try shownCode(page)
        let wrongCode = shown == "000000" ? "111111" : "000000"
        page = try codePost(page, code: wrongCode, cookie: nil)
        page = try codePost(page, code: wrongCode, cookie: nil)
        let ended = try codePost(page, code: wrongCode, cookie: nil)
        XCTAssertEqual(ended.status, 200)
        XCTAssertTrue(ended.text.contains("AADSTS500121"), ended.text)
        XCTAssertTrue(ended.text.contains("name=\"passwd\""), "back to the password")
        XCTAssertEqual(try records().last?["failure"]?.objectValue?["code"], 500121)
    }

    // MARK: Device login and the headless call

    func testDeviceLoginAsksForTheCodeWhenTheDeviceAuthorizationCarriesTheChallenge() throws {
        let started = try client.postForm("/\(Self.tenant)/oauth2/v2.0/devicecode",
                                          [("client_id", Self.assistant), ("scope", Self.scope), ("claims", Self.challenge)])
        XCTAssertEqual(started.status, 200, started.text)
        let userCode = try XCTUnwrap(started.object()["user_code"]?.stringValue)
        let deviceCode = try XCTUnwrap(started.object()["device_code"]?.stringValue)
        let wrong = try client.postForm("/devicelogin", [("otc", userCode), ("login", "alice@woodgrove.test"),
                                                        ("passwd", "not-her-password"), ("action", "approve")])
        XCTAssertEqual(wrong.status, 200)
        let failed = try XCTUnwrap(records().last)
        XCTAssertEqual(failed["grantType"], "devicelogin:password")
        XCTAssertEqual(failed["outcome"], "error")
        XCTAssertEqual(failed["failure"]?["code"], 50126)
        let mfaPage = try client.postForm("/devicelogin", [("otc", userCode), ("login", "alice@woodgrove.test"),
                                                          ("passwd", "alice-password"), ("action", "approve")])
        XCTAssertTrue(mfaPage.text.contains("Enter code"), mfaPage.text)
        let poll = [("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("client_id", Self.assistant), ("device_code", deviceCode)]
        XCTAssertEqual(try client.postForm(tokenPath, poll).object()["error"]?.stringValue, "authorization_pending")

        let approved = try client.postForm("/devicelogin", [("otc", try mfaPage.hiddenField("otc")), ("mfa_step", try mfaPage.hiddenField("mfa_step")),
                                                           ("otc_code", try shownCode(mfaPage)), ("action", "verify")])
        XCTAssertTrue(approved.text.contains("id=\"approved\""), approved.text)
        let approval = try XCTUnwrap(records().last)
        XCTAssertEqual(approval["grantType"], "devicelogin:password+mfa")
        XCTAssertEqual(approval["outcome"], "issued")
        XCTAssertEqual(approval["authenticationMethods"], .array(["pwd", "mfa"]))
        let tokens = try client.postForm(tokenPath, poll)
        XCTAssertEqual(tokens.status, 200, tokens.text)
        XCTAssertEqual(try records().last?["authenticationMethods"], .array(["pwd", "mfa"]))
    }

    func testHeadlessSignInAnswersTheChallengeOnlyWithMFA() throws {
        let url = "https://localhost:\(server.port)" + authorizeURL(claims: Self.challenge)
        let refused = try client.postJSON("/_mockentra/signin", #"{"authorizeUrl": "\#(url)", "username": "alice@woodgrove.test"}"#)
        XCTAssertEqual(refused.status, 400)
        XCTAssertEqual(refused.object()["error"]?.stringValue, "interaction_required")
        XCTAssertEqual(refused.object()["error_codes"], .array([50076]))
        XCTAssertEqual(refused.object()["claims"]?.stringValue, Self.challenge)
        let stepped = try client.postJSON("/_mockentra/signin", #"{"authorizeUrl": "\#(url)", "username": "alice@woodgrove.test", "mfa": true}"#)
        XCTAssertEqual(stepped.status, 200, stepped.text)
        XCTAssertNotNil(stepped.object()["code"]?.stringValue)
        XCTAssertEqual(try records().last?["grantType"]?.stringValue, "authorize:headless+mfa")
        XCTAssertEqual(try client.get("/_mockentra/users/bob@woodgrove.test/mfa-code").status, 404)
    }
}
