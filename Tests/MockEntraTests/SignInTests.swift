import Foundation
import XCTest
import HTTPServer
import JOSE
import MockEntra

/// The sign-in pages, sessions, logout and headless sign-in over real TLS, ending with the code
/// redeemed at the token endpoint and the tokens verified against the served JWKS.
final class SignInTests: ShippedScenarioServerTestCase {
    static let desktop = "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"
    static let redirect = "http://localhost:12345"
    static let verifier = "M25iVXpKU3puUjFaYWg3T1NDTDQtcW1ROUY5YXlwalNoc0hhakxifmZHag"
    var authorizePath: String { "/\(Default.tenant)/oauth2/v2.0/authorize" }
    var loginPath: String { "/\(Default.tenant)/login" }

    static func query(_ extra: [(String, String)] = [], responseMode: String? = nil) -> [(String, String)] {
        let challenge = Base64URL.encode(Digest.sha256(Array(verifier.utf8)))
        var pairs = [("client_id", desktop), ("response_type", "code"), ("redirect_uri", redirect),
                     ("scope", "api://contoso-api/access_as_user openid profile offline_access"), ("state", "st<&>1"),
                     ("nonce", "nonce-1"), ("code_challenge", challenge), ("code_challenge_method", "S256")]
        if let responseMode { pairs.append(("response_mode", responseMode)) }
        return pairs + extra
    }

    func authorizeURL(_ pairs: [(String, String)]) -> String {
        authorizePath + "?" + String(decoding: formBody(pairs), as: UTF8.self)
    }

    /// The hidden `ctx` value of a rendered form (HTML-unescaped).
    func context(_ page: HTTPClientResponse) throws -> String {
        try page.hiddenField("ctx")
    }

    func signIn(password: String, extra: [(String, String)] = []) throws -> HTTPClientResponse {
        let page = try client.get(authorizeURL(Self.query(extra)))
        XCTAssertEqual(page.status, 200)
        return try client.postForm(loginPath, [("ctx", try context(page)), ("login", "alice@contoso.test"),
                                               ("passwd", password), ("action", "signin")])
    }

    /// Over plain HTTP (`--http`) browsers drop a `SameSite=None` cookie without `Secure`, so the
    /// session cookie stays Lax there (top-level sign-ins keep their SSO; hidden iframes cannot).
    func testSessionCookieOverPlainHTTPIsLax() throws {
        let plain = try startServer(plainHTTP: true)
        defer { plain.stop() }
        let http = try HTTPClient(host: "localhost", port: plain.port, caFile: nil)
        defer { http.close() }
        let page = try http.get(authorizeURL(Self.query()))
        XCTAssertEqual(page.status, 200, page.text)
        let signedIn = try http.postForm(loginPath, [("ctx", try context(page)), ("login", "alice@contoso.test"),
                                                     ("passwd", "alice-password"), ("action", "signin")])
        let setCookie = try XCTUnwrap(signedIn.headers["Set-Cookie"])
        XCTAssertTrue(setCookie.hasPrefix("ESTSAUTH="), setCookie)
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] { XCTAssertTrue(setCookie.contains(attribute), setCookie) }
        XCTAssertFalse(setCookie.contains("Secure"), setCookie)
        XCTAssertFalse(setCookie.contains("SameSite=None"), setCookie)
    }

    /// The v1 endpoints the v1 discovery document names: /oauth2/authorize with `resource` (ADAL's
    /// request, no `scope`), its code redeemed at the v1 token endpoint, /oauth2/devicecode and
    /// /oauth2/logout.
    func testV1AuthorizeDeviceCodeAndLogout() throws {
        let v1Query = [("client_id", Self.desktop), ("response_type", "code"), ("redirect_uri", Self.redirect),
                       ("resource", "api://contoso-api"), ("state", "v1")]
        let page = try client.get("/\(Default.tenant)/oauth2/authorize?" + String(decoding: formBody(v1Query), as: UTF8.self))
        XCTAssertEqual(page.status, 200, page.text)
        let signedIn = try client.postForm(loginPath, [("ctx", try context(page)), ("login", "alice@contoso.test"),
                                                       ("passwd", "alice-password"), ("action", "signin")])
        let code = try XCTUnwrap(try signedIn.redirectParameters(to: Self.redirect)["code"])
        let redeemed = try client.postForm("/\(Default.tenant)/oauth2/token",
                                           [("grant_type", "authorization_code"), ("client_id", Self.desktop), ("code", code),
                                            ("redirect_uri", Self.redirect), ("resource", "api://contoso-api")])
        XCTAssertEqual(redeemed.status, 200, redeemed.text)
        let body = redeemed.object()
        XCTAssertEqual(body["resource"]?.stringValue, "api://contoso-api")
        XCTAssertNotNil(body["refresh_token"]?.stringValue)
        let accessToken = try XCTUnwrap(body["access_token"]?.stringValue)
        XCTAssertEqual(try JWT.decode(accessToken).payload["aud"]?.stringValue, Default.api)

        let device = try client.postForm("/\(Default.tenant)/oauth2/devicecode",
                                         [("client_id", Self.desktop), ("resource", "api://contoso-api")])
        XCTAssertEqual(device.status, 200, device.text)
        XCTAssertNotNil(device.object()["verification_url"]?.stringValue)
        XCTAssertNil(device.object()["verification_uri"])

        let logout = try client.get("/\(Default.tenant)/oauth2/logout")
        XCTAssertEqual(logout.status, 200)
        XCTAssertTrue(logout.text.contains("You signed out"), logout.text)
    }

    /// The test-control sign-in takes a v1 /oauth2/authorize URL (`resource=`, no `scope`) as the
    /// page does, translated to its v2 form, and its code redeems at the v1 token endpoint.
    func testHeadlessSignInTakesAV1AuthorizeURL() throws {
        let v1Query = [("client_id", Self.desktop), ("response_type", "code"), ("redirect_uri", Self.redirect),
                       ("resource", "api://contoso-api"), ("state", "v1")]
        let url = "https://localhost:\(server.port)/\(Default.tenant)/oauth2/authorize?" + String(decoding: formBody(v1Query), as: UTF8.self)
        let signedIn = try client.postJSON("/_mockentra/signin",
                                           "{\"authorizeUrl\": \"\(url)\", \"username\": \"alice@contoso.test\", \"password\": \"alice-password\"}")
        XCTAssertEqual(signedIn.status, 200, signedIn.text)
        let code = try XCTUnwrap(signedIn.object()["code"]?.stringValue)
        XCTAssertEqual(signedIn.object()["state"]?.stringValue, "v1")
        let redeemed = try client.postForm("/\(Default.tenant)/oauth2/token",
                                           [("grant_type", "authorization_code"), ("client_id", Self.desktop), ("code", code),
                                            ("redirect_uri", Self.redirect), ("resource", "api://contoso-api")])
        XCTAssertEqual(redeemed.status, 200, redeemed.text)
    }

    /// A bare query names no tenant: the sign-in happens in the tenant that registers the client,
    /// and the code redeems there (codes are bound to their authority, 700005).
    func testHeadlessSignInFromABareQueryRedeemsAtTheClientsTenant() throws {
        let query = String(decoding: formBody(Self.query()), as: UTF8.self)
        let signedIn = try client.postJSON("/_mockentra/signin",
                                           "{\"authorizeUrl\": \"\(query)\", \"username\": \"alice@contoso.test\", \"password\": \"alice-password\"}")
        XCTAssertEqual(signedIn.status, 200, signedIn.text)
        let code = try XCTUnwrap(signedIn.object()["code"]?.stringValue)
        let redeemed = try client.postForm("/\(Default.tenant)/oauth2/v2.0/token",
                                           [("grant_type", "authorization_code"), ("client_id", Self.desktop), ("code", code),
                                            ("redirect_uri", Self.redirect), ("scope", "api://contoso-api/access_as_user"),
                                            ("code_verifier", Self.verifier)])
        XCTAssertEqual(redeemed.status, 200, redeemed.text)
    }

    func testPageThenWrongThenRightPasswordThenSSO() throws {
        let page = try client.get(authorizeURL(Self.query([("login_hint", "alice@contoso.test")])))
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.headers["Content-Type"], "text/html; charset=utf-8")
        XCTAssertTrue(page.text.contains("<form method=\"post\""), page.text)
        XCTAssertTrue(page.text.contains("value=\"alice@contoso.test\""), "login_hint pre-fills the user name")
        XCTAssertFalse(page.text.contains("st<&>1"), "the state travels encoded in the hidden context")
        let hostile = try client.get(authorizeURL(Self.query([("login_hint", "x\"><script>alert(1)</script>")])))
        XCTAssertTrue(hostile.text.contains("value=\"x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""), hostile.text)
        XCTAssertFalse(hostile.text.contains("<script>"), "everything echoed is escaped")

        let wrong = try signIn(password: "nope")
        XCTAssertEqual(wrong.status, 200)
        XCTAssertTrue(wrong.text.contains("AADSTS50126: Error validating credentials due to invalid username or password."), wrong.text)
        XCTAssertNil(wrong.headers["Location"])

        let right = try signIn(password: "alice-password")
        let parameters = try right.redirectParameters(to: Self.redirect)
        XCTAssertEqual(parameters["state"], "st<&>1")
        XCTAssertNotNil(parameters["code"])
        let setCookie = try XCTUnwrap(right.headers["Set-Cookie"])
        XCTAssertTrue(setCookie.hasPrefix("ESTSAUTH="))
        // SameSite=None, as Entra's: prompt=none in a cross-site hidden iframe (MSAL.js ssoSilent) must find the session.
        for attribute in ["HttpOnly", "Secure", "SameSite=None", "Path=/"] { XCTAssertTrue(setCookie.contains(attribute), setCookie) }
        XCTAssertFalse(setCookie.contains("SameSite=Lax"), setCookie)

        // Single sign-on: the cookie gives a code without a page.
        let session = try XCTUnwrap(right.sessionCookie)
        let sso = try client.get(authorizeURL(Self.query()), headers: [("Cookie", session)])
        XCTAssertNotNil(try sso.redirectParameters(to: Self.redirect)["code"])
        // prompt=login forces the page; prompt=select_account shows the picker.
        let forced = try client.get(authorizeURL(Self.query([("prompt", "login")])), headers: [("Cookie", session)])
        XCTAssertEqual(forced.status, 200)
        XCTAssertTrue(forced.text.contains("name=\"passwd\""))
        let picker = try client.get(authorizeURL(Self.query([("prompt", "select_account")])), headers: [("Cookie", session)])
        XCTAssertTrue(picker.text.contains("Pick an account") && picker.text.contains("alice@contoso.test"), picker.text)
        let picked = try client.postForm(loginPath, [("ctx", try context(picker)), ("account", try XCTUnwrap(signedInUserId(session)))],
                                         headers: [("Cookie", session)])
        XCTAssertNotNil(try picked.redirectParameters(to: Self.redirect)["code"])
        // prompt=none with the session also works silently.
        let silent = try client.get(authorizeURL(Self.query([("prompt", "none")])), headers: [("Cookie", session)])
        XCTAssertNotNil(try silent.redirectParameters(to: Self.redirect)["code"])

        // Logout ends the session: SSO is gone and the cookie is cleared.
        let logout = try client.get("/\(Default.tenant)/oauth2/v2.0/logout", headers: [("Cookie", session)])
        XCTAssertEqual(logout.status, 200)
        XCTAssertTrue(logout.text.contains("You signed out"))
        XCTAssertTrue(logout.headers["Set-Cookie"]?.contains("Max-Age=0") ?? false)
        let after = try client.get(authorizeURL(Self.query()), headers: [("Cookie", session)])
        XCTAssertEqual(after.status, 200, "the sign-in page again")
        XCTAssertTrue(after.text.contains("name=\"passwd\""))
    }

    /// The picker's account value: alice's object id, read from the picker itself.
    func signedInUserId(_ session: String) throws -> String? {
        let picker = try client.get(authorizeURL(Self.query([("prompt", "select_account")])), headers: [("Cookie", session)])
        let marker = "name=\"account\" value=\""
        guard let start = picker.text.range(of: marker)?.upperBound else { return nil }
        return String(picker.text[start...].prefix { $0 != "\"" })
    }

    func testPromptNoneWithoutSessionIsLoginRequired() throws {
        let response = try client.get(authorizeURL(Self.query([("prompt", "none")])))
        let parameters = try response.redirectParameters(to: Self.redirect)
        XCTAssertEqual(parameters["error"], "login_required")
        XCTAssertTrue(parameters["error_description"]?.hasPrefix("AADSTS50058:") ?? false)
        XCTAssertEqual(parameters["state"], "st<&>1")
    }

    func testCancelIsAccessDenied() throws {
        let page = try client.get(authorizeURL(Self.query()))
        let cancelled = try client.postForm(loginPath, [("ctx", try context(page)), ("action", "cancel")])
        let parameters = try cancelled.redirectParameters(to: Self.redirect)
        XCTAssertEqual(parameters["error"], "access_denied")
        XCTAssertNil(parameters["code"])
    }

    func testUnregisteredRedirectURIIsAnErrorPage() throws {
        let pairs = Self.query().map { $0.0 == "redirect_uri" ? ("redirect_uri", "https://evil.example/cb") : $0 }
        let response = try client.get(authorizeURL(pairs))
        XCTAssertEqual(response.status, 400)
        XCTAssertNil(response.headers["Location"])
        XCTAssertTrue(response.text.contains("AADSTS50011"), response.text)
        XCTAssertTrue(response.text.contains("https://evil.example/cb"))
    }

    /// A parameter sent twice (in the query, or once in the query and once in a POST body) is
    /// AADSTS9000411 on the error page, never a redirect; so is a duplicated v1 `resource`.
    func testDuplicatedParameterIsAnErrorPage() throws {
        let prompts = try client.get(authorizeURL(Self.query([("prompt", "select_account"), ("prompt", "consent")])))
        let queryAndBody = try client.postForm(authorizeURL([("prompt", "select_account")]), Self.query([("prompt", "consent")]))
        let v1Query = [("client_id", Self.desktop), ("response_type", "code"), ("redirect_uri", Self.redirect),
                       ("resource", "api://contoso-api"), ("resource", "https://graph.microsoft.com")]
        let v1 = try client.get("/\(Default.tenant)/oauth2/authorize?" + String(decoding: formBody(v1Query), as: UTF8.self))
        for (response, name) in [(prompts, "prompt"), (queryAndBody, "prompt"), (v1, "resource")] {
            XCTAssertEqual(response.status, 400, response.text)
            XCTAssertNil(response.headers["Location"])
            XCTAssertTrue(response.text.contains("AADSTS9000411: The request is not properly formatted. The parameter &#39;\(name)&#39; is duplicated."),
                          response.text)
        }
        // Without the duplicate, the same POST is an ordinary sign-in page.
        XCTAssertEqual(try client.postForm(authorizePath, Self.query([("prompt", "consent")])).status, 200)
    }

    func testFormPostAndFragmentModes() throws {
        let page = try client.get(authorizeURL(Self.query(responseMode: "form_post")))
        let posted = try client.postForm(loginPath, [("ctx", try context(page)), ("login", "alice@contoso.test"),
                                                     ("passwd", "alice-password"), ("action", "signin")])
        XCTAssertEqual(posted.status, 200)
        XCTAssertTrue(posted.text.contains("<form method=\"post\" action=\"\(Self.redirect)\""), posted.text)
        XCTAssertTrue(posted.text.contains("document.forms[0].submit()"))
        XCTAssertTrue(posted.text.contains("name=\"code\""))
        XCTAssertTrue(posted.text.contains("name=\"state\" value=\"st&lt;&amp;&gt;1\""))
        XCTAssertTrue(posted.text.contains("<button type=\"submit\">"), "a visible button without script")

        let fragment = try client.get(authorizeURL(Self.query(responseMode: "fragment")), headers: [("Cookie", try XCTUnwrap(posted.sessionCookie))])
        XCTAssertEqual(fragment.status, 302)
        // Registered without a path, the redirect URI comes back with `/` (reply-url doc), fragment mode too.
        XCTAssertTrue(fragment.headers["Location"]?.hasPrefix("http://localhost:12345/#code=") ?? false, fragment.headers["Location"] ?? "")
    }

    func testLogoutRedirectsOnlyToRegisteredURIs() throws {
        let registered = try client.get("/\(Default.tenant)/oauth2/v2.0/logout?post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A4000&state=abc")
        XCTAssertEqual(registered.status, 302)
        XCTAssertEqual(registered.headers["Location"], "http://localhost:4000?state=abc")
        let foreign = try client.get("/\(Default.tenant)/oauth2/v2.0/logout?post_logout_redirect_uri=https%3A%2F%2Fevil.example")
        XCTAssertEqual(foreign.status, 200)
        XCTAssertNil(foreign.headers["Location"])
    }

    func testHeadlessSignInThenRedeemAndVerifyWithJWKS() throws {
        let url = "https://localhost:\(server.port)" + authorizeURL(Self.query())
        let json = "{\"authorizeUrl\": \"\(url)\", \"username\": \"alice@contoso.test\", \"password\": \"alice-password\"}"
        let signedIn = try client.postJSON("/_mockentra/signin", json)
        XCTAssertEqual(signedIn.status, 200, signedIn.text)
        let body = signedIn.object()
        XCTAssertEqual(body["state"]?.stringValue, "st<&>1")
        let code = try XCTUnwrap(body["code"]?.stringValue)
        XCTAssertTrue(body["redirectUrl"]?.stringValue?.hasPrefix("http://localhost:12345/?code=") ?? false,
                      body["redirectUrl"]?.stringValue ?? "")

        let wrong = try client.postJSON("/_mockentra/signin", "{\"authorizeUrl\": \"\(url)\", \"username\": \"alice@contoso.test\", \"password\": \"x\"}")
        XCTAssertEqual(wrong.status, 400)
        XCTAssertEqual(wrong.object()["error_codes"], .array([50126]))

        // Redeem as msal would on http://localhost (any port), with the PKCE verifier.
        let tokens = try client.postForm("/\(Default.tenant)/oauth2/v2.0/token", [
            ("grant_type", "authorization_code"), ("client_id", Self.desktop), ("code", code), ("redirect_uri", Self.redirect),
            ("code_verifier", Self.verifier), ("scope", "api://contoso-api/access_as_user openid profile offline_access"),
            ("client_info", "1")])
        XCTAssertEqual(tokens.status, 200, tokens.text)
        let response = tokens.object()
        let keys = try client.get("/\(Default.tenant)/discovery/v2.0/keys").object()["keys"]?.arrayValue ?? []
        for name in ["access_token", "id_token"] {
            let jwt = try JWT.decode(try XCTUnwrap(response[name]?.stringValue))
            let kid = try XCTUnwrap(jwt.header["kid"]?.stringValue)
            let jwk = try XCTUnwrap(keys.first { $0.objectValue?["kid"]?.stringValue == kid }?.objectValue)
            let certificate = try XCTUnwrap(jwk["x5c"]?.arrayValue?.first?.stringValue)
            let der = try XCTUnwrap(Data(base64Encoded: certificate))
            let key = try X509Certificate(der: Array(der)).publicKey
            XCTAssertNoThrow(try jwt.verifySignature(with: key, allowed: [.rs256]), name)
        }
        let access = try JWT.decode(try XCTUnwrap(response["access_token"]?.stringValue)).payload
        XCTAssertEqual(access["scp"]?.stringValue, "access_as_user")
        XCTAssertEqual(access["aud"]?.stringValue, Default.api)
        let id = try JWT.decode(try XCTUnwrap(response["id_token"]?.stringValue)).payload
        XCTAssertEqual(id["nonce"]?.stringValue, "nonce-1")
        XCTAssertEqual(id["aud"]?.stringValue, Self.desktop)
        XCTAssertNotNil(response["refresh_token"])

        // The sign-ins are recorded next to the token request.
        let records = server.tokenService.log.records()
        XCTAssertTrue(records.contains { $0.grantType == "authorize:headless" && $0.outcome == "issued" })
        XCTAssertTrue(records.contains { $0.grantType == "authorize:headless" && $0.failure?.code == 50126 })
    }

    func testRevokeSessionsEndsSSO() throws {
        let right = try signIn(password: "alice-password")
        let session = try XCTUnwrap(right.sessionCookie)
        Thread.sleep(forTimeInterval: 0.01)
        let revoked = try client.postJSON("/_mockentra/users/alice@contoso.test/revoke-sessions", "{}")
        XCTAssertEqual(revoked.status, 200, revoked.text)
        let after = try client.get(authorizeURL(Self.query()), headers: [("Cookie", session)])
        XCTAssertEqual(after.status, 200, "SSO no longer works")
    }

    func testAutoSignInLoginHintSkipsThePage() throws {
        let auto = try startServer(autoSignInLoginHint: true)
        defer { auto.stop() }
        let autoClient = try HTTPClient.tls(auto.port)
        defer { autoClient.close() }
        let response = try autoClient.get(authorizeURL(Self.query([("login_hint", "bob@contoso.test")])))
        XCTAssertNotNil(try response.redirectParameters(to: Self.redirect)["code"])
        XCTAssertTrue(auto.tokenService.log.records().contains { $0.grantType == "authorize:login_hint" && $0.subject?.name == "bob@contoso.test" })
        // Without a hint the page is shown as usual.
        XCTAssertEqual(try autoClient.get(authorizeURL(Self.query())).status, 200)
    }
}
