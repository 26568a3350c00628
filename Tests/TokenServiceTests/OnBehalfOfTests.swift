import Foundation
import XCTest
import EntraDirectory
import JOSE
@testable import TokenService

/// The shipped `Scenarios/obo-chains.json`, as these tests know it.
enum OBO {
    static let tenant = "5b7e2c4a-8d1f-4e3b-9a6c-2f0d4e8b1a7c"
    static let spa = "1c4e7a2b-5d8f-4b3e-a6c9-0e2f4a6b8d1c"
    static let webAPI = "2d5f8b3c-6e9a-4c4f-b7d0-1f3a5b7c9e2d"
    static let webAPISecret = "fabrikam-web-api-secret"
    static let assistant = "3e6a9c4d-7f0b-4d5a-8c1e-2a4b6c8d0f3e"
    static let agent = "4f7b0d5e-8a1c-4e6b-9d2f-3b5c7d9e1a4f"
    static let agentSecret = "fabrikam-agent-secret"
    static let mcp = "5a8c1e6f-9b2d-4f7c-a0e3-4c6d8e0f2b5a"
    static let mcpSecret = "fabrikam-mcp-secret"
    static let sql = "https://database.windows.net/"
    static let sqlAppId = "022907d3-0f1b-48f7-badc-1ba6abab6d66"
    static let graph = "https://graph.microsoft.com"
    static let graphAppId = "00000003-0000-0000-c000-000000000000"
    static let alice = "alice@fabrikam.test"
    static let spaRedirect = "http://localhost:3000"
    static var tokenAudience: String { "\(IDs.baseURL)/\(tenant)/oauth2/v2.0/token" }

    static var scenarioText: String {
        get throws { try String(contentsOfFile: Repo.root + "/Scenarios/obo-chains.json", encoding: .utf8) }
    }
}

/// On-Behalf-Of over the shipped scenario, without sockets: the downstream token's shape, the
/// multi-hop chain and its record, and one test per rejection with Entra's code.
final class OnBehalfOfTests: XCTestCase {
    var fixture: Fixture!
    var service: TokenService { fixture.service }
    var tenant: Tenant { service.directory.tenants[0] }
    var alice: User { tenant.user(userPrincipalName: OBO.alice)! }

    override func setUpWithError() throws {
        fixture = try Fixture(scenario: try OBO.scenarioText)
    }

    // MARK: Helpers

    func payload(_ compact: String?) throws -> [String: JSONValue] {
        try JWT.decode(try XCTUnwrap(compact)).payload
    }

    func uti(_ compact: String?) throws -> String {
        try XCTUnwrap(try payload(compact)["uti"]?.stringValue)
    }

    /// A user token from ROPC (the Assistant is a fallback public client).
    func userToken(scope: String = "api://fabrikam-agent/access_as_user", client: String = OBO.assistant,
                   user: String = OBO.alice, password: String = "alice-password") throws -> String {
        let tokens = try fixture.issue([("grant_type", "password"), ("client_id", client), ("username", user),
                                        ("password", password), ("scope", scope)], tenant: OBO.tenant)
        return tokens.accessToken
    }

    /// A Web API token the way the SPA gets it: /authorize with PKCE, sign-in, code redemption.
    func spaToken() throws -> IssuedTokens {
        let verifier = "spa-verifier-0123456789-0123456789-0123456789"
        let challenge = Base64URL.encode(Digest.sha256(Array(verifier.utf8)))
        let query = [("client_id", OBO.spa), ("response_type", "code"), ("redirect_uri", OBO.spaRedirect),
                     ("scope", "api://fabrikam-web-api/access_as_user openid profile offline_access"), ("state", "s"),
                     ("code_challenge", challenge), ("code_challenge_method", "S256")]
        guard case .valid(let request) = service.validateAuthorize(query, tenant: OBO.tenant) else {
            XCTFail("authorize request invalid")
            throw XCTSkip("authorize request invalid")
        }
        let authentication = try service.signIn(userName: OBO.alice, password: "alice-password", tenant: tenant).get()
        let response = service.authorize(request, authentication: authentication)
        // As the sign-in page does: the /authorize sign-in is recorded, and opens the chain.
        service.recordAuthorize(request, authentication: authentication, userName: OBO.alice, error: nil, method: "password",
                                issued: response)
        let code = try XCTUnwrap(response.parameters.first { $0.name == "code" }?.value)
        return try fixture.issue([("grant_type", "authorization_code"), ("client_id", OBO.spa), ("code", code),
                                  ("redirect_uri", OBO.spaRedirect), ("code_verifier", verifier),
                                  ("scope", "api://fabrikam-web-api/access_as_user openid profile offline_access")],
                                 tenant: OBO.tenant, origin: "http://localhost:3000")
    }

    /// The SPA's access token for the Web API.
    func webAPIToken() throws -> String { try spaToken().accessToken }

    /// An OBO request as msal's `acquire_token_on_behalf_of` sends it (plus `client_info=1`).
    func obo(_ assertion: String, scope: String? = "https://database.windows.net//.default",
             client: String = OBO.webAPI, secret: String? = OBO.webAPISecret,
             use: String? = "on_behalf_of", extra: [(String, String)] = []) -> [(String, String)] {
        var form = [("grant_type", OnBehalfOfGrant.grantType), ("client_id", client), ("assertion", assertion)]
        if let secret { form.append(("client_secret", secret)) }
        if let scope { form.append(("scope", scope)) }
        if let use { form.append(("requested_token_use", use)) }
        return form + extra
    }

    @discardableResult
    func rejectOBO(_ form: [(String, String)], error: String = "invalid_grant", code: Int, messageContains: String? = nil,
                   version: TokenEndpointVersion = .v2, file: StaticString = #filePath, line: UInt = #line) -> StampedError? {
        fixture.reject(form, tenant: OBO.tenant, version: version, error: error, code: code,
                       messageContains: messageContains, file: file, line: line)
    }

    // MARK: Success

    /// A single-page app's code is redeemed by the browser, cross-origin: without an `Origin`
    /// header Entra refuses it (AADSTS9002327), and the refresh token it produced likewise.
    func testSPACodeAndRefreshTokenNeedAnOrigin() throws {
        let verifier = "spa-verifier-0123456789-0123456789-0123456789"
        let query = [("client_id", OBO.spa), ("response_type", "code"), ("redirect_uri", OBO.spaRedirect),
                     ("scope", "api://fabrikam-web-api/access_as_user offline_access"),
                     ("code_challenge", Base64URL.encode(Digest.sha256(Array(verifier.utf8)))), ("code_challenge_method", "S256")]
        guard case .valid(let request) = service.validateAuthorize(query, tenant: OBO.tenant) else { return XCTFail("invalid authorize") }
        let authentication = try service.signIn(userName: OBO.alice, password: "alice-password", tenant: tenant).get()
        func redeem(_ origin: String?) -> TokenOutcome {
            let code = service.authorize(request, authentication: authentication).parameters.first { $0.name == "code" }!.value
            return fixture.token([("grant_type", "authorization_code"), ("client_id", OBO.spa), ("code", code),
                                  ("redirect_uri", OBO.spaRedirect), ("code_verifier", verifier)], tenant: OBO.tenant, origin: origin)
        }
        guard case .failure(let refused) = redeem(nil).result else { return XCTFail("accepted without Origin") }
        XCTAssertEqual(refused.error.code, 9002327)
        guard case .success(let tokens) = redeem("http://localhost:3000").result else { return XCTFail("refused with Origin") }
        let refresh = [("grant_type", "refresh_token"), ("client_id", OBO.spa), ("refresh_token", tokens.refreshToken ?? "")]
        guard case .failure(let refusedRefresh) = fixture.token(refresh, tenant: OBO.tenant).result else { return XCTFail("refresh without Origin") }
        XCTAssertEqual(refusedRefresh.error.code, 9002327)
        XCTAssertNotNil(try fixture.issue(refresh, tenant: OBO.tenant, origin: "http://localhost:3000").accessToken)
    }

    /// The other direction: a browser's cross-origin request for anything but a single-page app's
    /// code or refresh token is refused with AADSTS9002326, which names the origin.
    func testCrossOriginIsOnlyForSinglePageApps() throws {
        let origin = "http://localhost:3001"
        let assertion = try webAPIToken()
        let requests: [(String, [(String, String)])] = [
            ("on-behalf-of", obo(assertion)),
            ("client credentials", [("grant_type", "client_credentials"), ("client_id", OBO.webAPI),
                                    ("client_secret", OBO.webAPISecret), ("scope", "https://graph.microsoft.com/.default")]),
            ("password", [("grant_type", "password"), ("client_id", OBO.assistant), ("username", OBO.alice),
                          ("password", "alice-password"), ("scope", "api://fabrikam-agent/access_as_user")]),
        ]
        for (name, form) in requests {
            XCTAssertNotNil(try? fixture.issue(form, tenant: OBO.tenant), "\(name) without an Origin")
            guard case .failure(let refused) = fixture.token(form, tenant: OBO.tenant, origin: origin).result else {
                XCTFail("\(name) accepted cross-origin")
                continue
            }
            XCTAssertEqual(refused.error.error, "invalid_request", name)
            XCTAssertEqual(refused.error.code, 9002326, name)
            XCTAssertTrue(refused.description.contains("Request origin: '\(origin)'."), refused.description)
        }
    }

    func testWebAPIToAzureSQLShape() throws {
        let incoming = try spaToken()
        let incomingClaims = try payload(incoming.accessToken)
        XCTAssertEqual(incomingClaims["aud"]?.stringValue, OBO.webAPI)
        XCTAssertEqual(incomingClaims["ver"]?.stringValue, "2.0")
        XCTAssertNil(incomingClaims["amr"], "v2 tokens carry no amr")

        let tokens = try fixture.issue(obo(incoming.accessToken), tenant: OBO.tenant)
        let p = try payload(tokens.accessToken)
        let header = try JWT.decode(tokens.accessToken).header
        XCTAssertEqual(header["alg"]?.stringValue, "RS256")
        XCTAssertEqual(header["x5t"], header["kid"], "v1 header: x5t and kid")
        XCTAssertEqual(p["aud"]?.stringValue, OBO.sql)
        XCTAssertEqual(p["iss"]?.stringValue, "https://sts.windows.net/\(OBO.tenant)/")
        XCTAssertEqual(p["ver"]?.stringValue, "1.0")
        XCTAssertEqual(p["tid"]?.stringValue, OBO.tenant)
        XCTAssertEqual(p["oid"]?.stringValue, alice.id)
        XCTAssertEqual(p["upn"]?.stringValue, OBO.alice)
        XCTAssertEqual(p["unique_name"]?.stringValue, OBO.alice)
        XCTAssertEqual(p["name"]?.stringValue, "Alice Fabrikam")
        XCTAssertEqual(p["scp"]?.stringValue, "user_impersonation")
        XCTAssertEqual(p["appid"]?.stringValue, OBO.webAPI, "the middle tier holds the token")
        XCTAssertEqual(p["appidacr"]?.stringValue, "1", "a secret")
        XCTAssertNil(p["azp"])
        XCTAssertNil(p["idtyp"])
        XCTAssertNil(p["roles"])
        XCTAssertEqual(p["amr"], .array(["pwd"]), "the original sign-in's methods, carried over from a v2 token")
        XCTAssertEqual(p["sid"], incomingClaims["sid"], "same session")
        XCTAssertNotNil(p["sid"])
        XCTAssertNotEqual(p["sub"], incomingClaims["sub"], "sub is pairwise for the new audience")
        XCTAssertEqual(p["sub"]?.stringValue,
                       TokenMinter.pairwiseSubject(tenantId: OBO.tenant, userId: alice.id, appId: OBO.sqlAppId))
        XCTAssertNotEqual(p["uti"], incomingClaims["uti"], "a new token, never the incoming one passed through")
        // The response names the scope as {resource as requested}/{name}: a resource written with a
        // trailing slash doubles it, as the scopes Entra returns to Azure CLI do.
        XCTAssertEqual(tokens.scope, "https://database.windows.net//user_impersonation")
        XCTAssertNil(tokens.refreshToken, "no offline_access, no refresh token")
        XCTAssertNil(tokens.idToken)

        let record = try XCTUnwrap(fixture.log.records().last)
        XCTAssertEqual(record.grantType, OnBehalfOfGrant.grantType)
        XCTAssertEqual(record.outcome, "issued")
        XCTAssertEqual(record.client?.appId, OBO.webAPI)
        XCTAssertEqual(record.client?.authenticationMethod, .clientSecretPost)
        XCTAssertEqual(record.subject?.id, alice.id)
        XCTAssertEqual(record.resource?.appId, OBO.sqlAppId)
        XCTAssertEqual(record.resource?.tokenVersion, "1.0")
        XCTAssertEqual(record.grantedScopes, ["user_impersonation"])
        XCTAssertEqual(record.assertionTokenId, try uti(incoming.accessToken))
        XCTAssertEqual(record.issuedTokens.map(\.uti), [try uti(tokens.accessToken)])
        XCTAssertEqual(record.sessionId, incomingClaims["sid"]?.stringValue)
    }

    func testNamedScopeAndCertificateCredential() throws {
        let incoming = try spaToken().accessToken
        var claims = Assertion.claims(client: OBO.webAPI, audience: OBO.tokenAudience)
        claims["jti"] = .string(UUID().uuidString)
        let clientAssertion = try Assertion.rs256(claims)
        let form = obo(incoming, scope: "https://database.windows.net/user_impersonation", secret: nil,
                       extra: [("client_assertion_type", IDs.jwtBearer), ("client_assertion", clientAssertion)])
        let tokens = try fixture.issue(form, tenant: OBO.tenant)
        let p = try payload(tokens.accessToken)
        // A v1 token's aud is the resource as the scope named it: here without the trailing slash.
        XCTAssertEqual(p["aud"]?.stringValue, "https://database.windows.net")
        XCTAssertEqual(p["scp"]?.stringValue, "user_impersonation")
        XCTAssertEqual(p["appidacr"]?.stringValue, "2", "a certificate")
        XCTAssertEqual(fixture.log.records().last?.client?.authenticationMethod, .privateKeyJWT)
    }

    func testWhatMSALAsksForRefreshTokenIDTokenAndClientInfo() throws {
        let incoming = try spaToken().accessToken
        let tokens = try fixture.issue(obo(incoming, scope: "https://database.windows.net//.default offline_access openid profile",
                                           extra: [("client_info", "1")]), tenant: OBO.tenant)
        XCTAssertEqual(tokens.scope, "https://database.windows.net//user_impersonation offline_access openid profile")
        let refresh = try XCTUnwrap(tokens.refreshToken)
        let id = try payload(tokens.idToken)
        XCTAssertEqual(id["aud"]?.stringValue, OBO.webAPI, "the ID token is for the middle tier")
        XCTAssertEqual(id["oid"]?.stringValue, alice.id)
        XCTAssertEqual(id["preferred_username"]?.stringValue, OBO.alice)
        XCTAssertEqual(id["iss"]?.stringValue, "\(IDs.baseURL)/\(OBO.tenant)/v2.0")
        let info = try JSONValue.parse(try XCTUnwrap(Base64URL.decode(try XCTUnwrap(tokens.clientInfo)))).objectValue
        XCTAssertEqual(info, ["uid": .string(alice.id), "utid": .string(OBO.tenant)])
        XCTAssertEqual(Set(fixture.log.records().last?.issuedTokens.map(\.type) ?? []), ["access_token", "id_token", "refresh_token"])

        // The middle tier redeems its refresh token later, as itself.
        let refreshed = try fixture.issue([("grant_type", "refresh_token"), ("client_id", OBO.webAPI),
                                           ("client_secret", OBO.webAPISecret), ("refresh_token", refresh),
                                           ("scope", "https://database.windows.net//.default offline_access")], tenant: OBO.tenant)
        let p = try payload(refreshed.accessToken)
        XCTAssertEqual(p["aud"]?.stringValue, OBO.sql)
        XCTAssertEqual(p["oid"]?.stringValue, alice.id)
        XCTAssertEqual(p["appid"]?.stringValue, OBO.webAPI)
    }

    func testV1EndpointWithResource() throws {
        let incoming = try spaToken().accessToken
        let form = [("grant_type", OnBehalfOfGrant.grantType), ("client_id", OBO.webAPI), ("client_secret", OBO.webAPISecret),
                    ("resource", OBO.sql), ("requested_token_use", "on_behalf_of"), ("assertion", incoming)]
        let tokens = try fixture.issue(form, tenant: OBO.tenant, version: .v1)
        XCTAssertEqual(tokens.resource, OBO.sql)
        XCTAssertNil(tokens.scope)
        let p = try payload(tokens.accessToken)
        XCTAssertEqual(p["aud"]?.stringValue, OBO.sql)
        XCTAssertEqual(p["scp"]?.stringValue, "user_impersonation")
        XCTAssertEqual(p["appid"]?.stringValue, OBO.webAPI)
        XCTAssertEqual(p["ver"]?.stringValue, "1.0")
        // v1 without resource: 900144.
        rejectOBO(form.filter { $0.0 != "resource" }, error: "invalid_request", code: 900144, messageContains: "'resource'", version: .v1)
    }

    func testOrganizationsEndpointResolvesTheAssertionsTenant() throws {
        let incoming = try spaToken().accessToken
        let tokens = try fixture.issue(obo(incoming), tenant: "organizations")
        XCTAssertEqual(try payload(tokens.accessToken)["tid"]?.stringValue, OBO.tenant)
        fixture.reject(obo(incoming), tenant: "consumers", error: "invalid_request", code: 9001023)
    }

    // MARK: Three hops

    func testAssistantAgentMCPGraphChain() throws {
        let t1 = try userToken()
        let p1 = try payload(t1)
        XCTAssertEqual(p1["aud"]?.stringValue, OBO.agent)

        let hop2 = try fixture.issue(obo(t1, scope: "api://fabrikam-mcp/tools.read api://fabrikam-mcp/tools.invoke",
                                         client: OBO.agent, secret: OBO.agentSecret), tenant: OBO.tenant)
        let p2 = try payload(hop2.accessToken)
        XCTAssertEqual(p2["aud"]?.stringValue, OBO.mcp)
        XCTAssertEqual(p2["ver"]?.stringValue, "2.0")
        XCTAssertEqual(p2["scp"]?.stringValue, "tools.read tools.invoke")
        XCTAssertEqual(p2["azp"]?.stringValue, OBO.agent)
        XCTAssertEqual(p2["oid"]?.stringValue, alice.id)
        XCTAssertNil(p2["preferred_username"], "no profile scope in this hop's request")
        XCTAssertEqual(p2["sid"], p1["sid"])
        XCTAssertNotEqual(p2["sub"], p1["sub"])
        XCTAssertEqual(hop2.scope, "api://fabrikam-mcp/tools.read api://fabrikam-mcp/tools.invoke")

        // The token obtained On-Behalf-Of is itself the assertion for the next hop.
        let hop3 = try fixture.issue(obo(hop2.accessToken, scope: "https://graph.microsoft.com/.default",
                                         client: OBO.mcp, secret: OBO.mcpSecret), tenant: OBO.tenant)
        let p3 = try payload(hop3.accessToken)
        XCTAssertEqual(p3["aud"]?.stringValue, OBO.graph)
        XCTAssertEqual(p3["ver"]?.stringValue, "1.0")
        XCTAssertEqual(p3["scp"]?.stringValue, "User.Read Mail.Read")
        XCTAssertEqual(p3["appid"]?.stringValue, OBO.mcp)
        XCTAssertEqual(p3["upn"]?.stringValue, OBO.alice)
        XCTAssertEqual(p3["amr"], .array(["pwd"]))
        XCTAssertEqual(p3["sid"], p1["sid"])
        XCTAssertEqual(hop3.scope, "User.Read Mail.Read")

        let utis = [try uti(t1), try uti(hop2.accessToken), try uti(hop3.accessToken)]
        for start in [utis[0], utis[1], utis[2]] {
            let chain = fixture.log.chain(containing: start)
            XCTAssertEqual(chain.map(\.grantType), ["password", OnBehalfOfGrant.grantType, OnBehalfOfGrant.grantType], start)
            XCTAssertEqual(chain.map(\.client?.appId), [OBO.assistant, OBO.agent, OBO.mcp])
            XCTAssertEqual(chain.map(\.resource?.appId), [OBO.agent, OBO.mcp, OBO.graphAppId])
            XCTAssertEqual(chain.map(\.assertionTokenId), [nil, utis[0], utis[1]])
            XCTAssertEqual(chain.map { $0.issuedTokens.first?.uti }, utis)
            XCTAssertEqual(chain.map(\.outcome), ["issued", "issued", "issued"])
            XCTAssertEqual(Set(chain.compactMap(\.sessionId)).count, 1, "one session across the chain")
            XCTAssertEqual(chain.map(\.sequence), chain.map(\.sequence).sorted())
        }
        XCTAssertTrue(fixture.log.chain(containing: "no-such-uti").isEmpty)
    }

    /// A refreshed token leads back through the refresh token and the code to the exact sign-in.
    func testChainWalksThroughRefreshTokensAndCodes() throws {
        let first = try spaToken()
        let refreshed = try fixture.issue([("grant_type", "refresh_token"), ("client_id", OBO.spa),
                                           ("refresh_token", try XCTUnwrap(first.refreshToken))],
                                          tenant: OBO.tenant, origin: "http://localhost:3000")
        let chain = fixture.log.chain(containing: try uti(refreshed.accessToken))
        XCTAssertEqual(chain.map(\.grantType), ["authorize:password", "authorization_code", "refresh_token"])
        XCTAssertEqual(chain[1].redeemedGrantId, chain[0].issuedTokens.first?.uti)
        XCTAssertEqual(chain[2].redeemedGrantId, chain[1].issuedTokens.first { $0.type == "refresh_token" }?.uti)
        XCTAssertFalse(chain.contains { $0.redeemedGrantId == first.refreshToken }, "records never hold the secret")
    }

    func testChainIncludesRejectedHopsAndTheAuthorizeSignIn() throws {
        let incoming = try spaToken()
        _ = try fixture.issue(obo(incoming.accessToken), tenant: OBO.tenant)
        rejectOBO(obo(incoming.accessToken, scope: "https://graph.microsoft.com/Mail.Send"), code: 65001)
        let chain = fixture.log.chain(containing: try uti(incoming.accessToken))
        XCTAssertEqual(chain.first?.grantType?.hasPrefix("authorize:"), true, "the sign-in at /authorize opens the chain")
        XCTAssertEqual(Array(chain.dropFirst().map(\.grantType)),
                       ["authorization_code", OnBehalfOfGrant.grantType, OnBehalfOfGrant.grantType])
        XCTAssertEqual(chain.last?.outcome, "error")
        XCTAssertEqual(chain.last?.failure?.code, 65001)
    }

    // MARK: Rejections of the assertion

    func testKeyNotInJWKSIs50013() throws {
        let real = try JWT.decode(try webAPIToken())
        let forged = try Assertion.make(header: ["alg": "RS256", "typ": "JWT", "kid": "rogue-key-not-served"],
                                        payload: real.payload, key: try Assertion.rogueKey())
        rejectOBO(obo(forged), code: 50013, messageContains: "The key was not found.")
        // The served kid, but the rogue key's signature.
        let kid = try XCTUnwrap(real.header["kid"])
        let impostor = try Assertion.make(header: ["alg": "RS256", "typ": "JWT", "kid": kid], payload: real.payload,
                                          key: try Assertion.rogueKey())
        rejectOBO(obo(impostor), code: 50013, messageContains: "did not match the expected signature value")
        XCTAssertNil(fixture.log.records().last?.assertionTokenId, "an unverified token names no chain")
    }

    func testTamperedPayloadIs50013() throws {
        let real = try webAPIToken()
        let parts = real.split(separator: ".").map(String.init)
        var claims = try payload(real)
        claims["oid"] = .string(tenant.user(userPrincipalName: "bob@fabrikam.test")!.id)
        let tampered = parts[0] + "." + (try Assertion.encode(claims)) + "." + parts[2]
        rejectOBO(obo(tampered), code: 50013, messageContains: "did not match the expected signature value")
    }

    func testExpiredIs500133WithFiveMinutesOfSkew() throws {
        let real = try webAPIToken()
        let exp = try XCTUnwrap(intClaim(try payload(real), "exp"))
        fixture.clock.set(to: Date(timeIntervalSince1970: Double(exp + 240)))
        XCTAssertNoThrow(try fixture.issue(obo(real), tenant: OBO.tenant), "within the skew")
        fixture.clock.set(to: Date(timeIntervalSince1970: Double(exp + 301)))
        rejectOBO(obo(real), code: 500133, messageContains: "Assertion is not within its valid time range")
    }

    func testNotYetValidIs500133() throws {
        let real = try webAPIToken()
        let nbf = try XCTUnwrap(intClaim(try payload(real), "nbf"))
        fixture.clock.set(to: Date(timeIntervalSince1970: Double(nbf - 240)))
        XCTAssertNoThrow(try fixture.issue(obo(real), tenant: OBO.tenant), "within the skew")
        fixture.clock.set(to: Date(timeIntervalSince1970: Double(nbf - 600)))
        rejectOBO(obo(real), code: 500133)
    }

    func testWrongAudienceIs500131() throws {
        // A token for the Agent, presented by the Web API.
        let forAgent = try userToken()
        let stamped = rejectOBO(obo(forAgent), code: 500131,
                                messageContains: "The audience in the assertion was '\(OBO.agent)' and the expected audience is '\(OBO.webAPI)'")
        XCTAssertTrue(stamped?.error.message.contains("(Fabrikam Web API)") ?? false)
        // A downstream token (Azure SQL, v1, aud = the URI) is not an assertion for the Web API either.
        let sql = try fixture.issue(obo(try spaToken().accessToken), tenant: OBO.tenant).accessToken
        rejectOBO(obo(sql), code: 500131, messageContains: "'\(OBO.sql)'")
    }

    func testV1AssertionWithIdentifierURIAudience() throws {
        // A v1 API receives tokens whose aud is its identifier URI and whose issuer is sts.windows.net;
        // such a token is a valid assertion for that API's own OBO call.
        let fixture = try Fixture(scenario: twoTenantScenario)
        let incoming = try fixture.issue([("grant_type", "password"), ("client_id", TwoTenants.fabrikamDesktop),
                                          ("username", OBO.alice), ("password", "alice-password"),
                                          ("scope", "https://legacy.fabrikam.test/user_impersonation")], tenant: OBO.tenant).accessToken
        let p = try payload(incoming)
        XCTAssertEqual(p["aud"]?.stringValue, "https://legacy.fabrikam.test")
        XCTAssertEqual(p["iss"]?.stringValue, "https://sts.windows.net/\(OBO.tenant)/")
        let tokens = try fixture.issue(obo(incoming, client: TwoTenants.legacy, secret: "legacy-secret"), tenant: OBO.tenant)
        let sql = try payload(tokens.accessToken)
        XCTAssertEqual(sql["aud"]?.stringValue, OBO.sql)
        XCTAssertEqual(sql["appid"]?.stringValue, TwoTenants.legacy)
        XCTAssertEqual(sql["oid"], p["oid"])
        // The same token presented by another middle tier: its audience is not that client.
        fixture.reject(obo(incoming, client: OBO.webAPI), tenant: OBO.tenant, error: "invalid_grant", code: 500131)
    }

    func testOtherTenantIs50013() throws {
        let fixture = try Fixture(scenario: twoTenantScenario)
        let northwind = fixture.service.directory.tenants[1]
        XCTAssertEqual(northwind.id, TwoTenants.northwind)
        // Bob signs in at Northwind to the (same appId) Web API registered there.
        let token = try fixture.issue([("grant_type", "password"), ("client_id", TwoTenants.northwindDesktop),
                                       ("username", "bob@northwind.test"), ("password", "bob-password"),
                                       ("scope", "api://fabrikam-web-api/access_as_user")], tenant: TwoTenants.northwind).accessToken
        XCTAssertEqual(try payload(token)["aud"]?.stringValue, OBO.webAPI)
        XCTAssertEqual(try payload(token)["tid"]?.stringValue, TwoTenants.northwind)
        // Fabrikam's Web API presents it in Fabrikam.
        fixture.reject(obo(token), tenant: OBO.tenant, error: "invalid_grant", code: 50013,
                       messageContains: "is not valid for tenant '\(OBO.tenant)'")
        // The same token in its own tenant works.
        XCTAssertNoThrow(try fixture.issue(obo(token, secret: "northwind-web-api-secret"), tenant: TwoTenants.northwind))
    }

    /// A device code belongs to the tenant it was issued in: polled at another tenant it is unknown (70019).
    func testDeviceCodeIsPolledInItsOwnTenant() throws {
        let fixture = try Fixture(scenario: twoTenantScenario)
        let northwind = fixture.service.directory.tenants[1]
        let code = try fixture.service.deviceAuthorization(
            tenant: TwoTenants.northwind, form: [("client_id", TwoTenants.northwindDesktop), ("scope", "api://fabrikam-web-api/access_as_user")],
            baseURL: IDs.baseURL).get()
        let bob = try fixture.service.signIn(userName: "bob@northwind.test", password: "bob-password", tenant: northwind).get()
        XCTAssertTrue(fixture.service.approveDevice(try XCTUnwrap(fixture.service.deviceCodeInfo(userCode: code.userCode)),
                                                    authentication: bob, method: "headless"))
        let poll = [("grant_type", DeviceCodeGrant.grantType), ("client_id", TwoTenants.northwindDesktop), ("device_code", code.deviceCode)]
        fixture.reject(poll, tenant: OBO.tenant, error: "bad_verification_code", code: 70019)
        XCTAssertEqual(try payload(try fixture.issue(poll, tenant: TwoTenants.northwind).accessToken)["tid"]?.stringValue,
                       TwoTenants.northwind)
    }

    /// On a plain-HTTP listener (`serve --http`) v2 tokens are issued by `http://host/{tid}/v2.0`.
    /// They are still ours (the signature proves it): OBO takes them, as the CAE check does.
    func testAssertionIssuedOnAPlainHTTPListener() throws {
        let plain = "http://localhost:8080"
        func token(_ form: [(String, String)]) throws -> IssuedTokens {
            try service.token(TokenRequest(tenant: OBO.tenant, version: .v2, form: form, baseURL: plain)).result.get()
        }
        let t1 = try token([("grant_type", "password"), ("client_id", OBO.assistant), ("username", OBO.alice),
                            ("password", "alice-password"), ("scope", "api://fabrikam-agent/access_as_user")]).accessToken
        XCTAssertEqual(try payload(t1)["iss"]?.stringValue, "\(plain)/\(OBO.tenant)/v2.0")
        XCTAssertNoThrow(try token(obo(t1, scope: "api://fabrikam-mcp/tools.read", client: OBO.agent, secret: OBO.agentSecret)))
    }

    /// An ID token names the user but carries no scopes and no client: Entra refuses it with 240002.
    func testIDTokenAssertionIs240002() throws {
        // The Web API signs Alice in itself (ROPC with its secret), so its ID token's audience is the Web API.
        let signIn = try fixture.issue([("grant_type", "password"), ("client_id", OBO.webAPI), ("client_secret", OBO.webAPISecret),
                                        ("username", OBO.alice), ("password", "alice-password"),
                                        ("scope", "openid profile https://database.windows.net//.default")], tenant: OBO.tenant)
        let idToken = try XCTUnwrap(signIn.idToken)
        XCTAssertEqual(try payload(idToken)["aud"]?.stringValue, OBO.webAPI)
        rejectOBO(obo(idToken), error: "invalid_request", code: 240002, messageContains: "Input id_token cannot be used")
    }

    func testAppOnlyAssertionIs7000114() throws {
        // The Agent's own client-credentials token for the Web API: right audience, right tenant, no user.
        let appOnly = try fixture.issue([("grant_type", "client_credentials"), ("client_id", OBO.agent),
                                         ("client_secret", OBO.agentSecret), ("scope", "api://fabrikam-web-api/.default")],
                                        tenant: OBO.tenant).accessToken
        let p = try payload(appOnly)
        XCTAssertNil(p["idtyp"], "recognised without the optional claim: no scp, oid = sub")
        XCTAssertEqual(p["aud"]?.stringValue, OBO.webAPI)
        rejectOBO(obo(appOnly), error: "unauthorized_client", code: 7000114,
                  messageContains: "Application '\(OBO.webAPI)' is not allowed to make application on-behalf-of calls.")
    }

    func testAlgNoneIs50027() throws {
        let real = try JWT.decode(try webAPIToken())
        let unsigned = try Assertion.encode(["alg": "none", "typ": "JWT"] as [String: JSONValue]) + "."
            + (try Assertion.encode(real.payload)) + "."
        rejectOBO(obo(unsigned), error: "invalid_request", code: 50027)
        // With a kid of a served key, still no.
        let withKid = try Assertion.encode(["alg": "none", "typ": "JWT", "kid": try XCTUnwrap(real.header["kid"])]) + "."
            + (try Assertion.encode(real.payload)) + "."
        rejectOBO(obo(withKid), error: "invalid_request", code: 50027)
    }

    func testHS256WithThePublicKeyAsSecretIs50027() throws {
        let real = try JWT.decode(try webAPIToken())
        let key = try XCTUnwrap(service.keys.key(id: try XCTUnwrap(real.header["kid"]?.stringValue)))
        let publicKey = try key.certificate.publicKey
        let publicPEM = HMACAttack.publicKeyPEM(publicKey)
        // The PEM is the real public key (what an attacker downloads).
        XCTAssertEqual(try RSAPublicKey(pem: publicPEM).modulus, publicKey.modulus)
        let input = try Assertion.encode(["alg": "HS256", "typ": "JWT", "kid": .string(key.keyId)] as [String: JSONValue]) + "."
            + (try Assertion.encode(real.payload))
        for secret in [publicPEM, publicPEM.trimmingCharacters(in: .whitespacesAndNewlines)] {
            let mac = HMACAttack.hmacSHA256(key: Array(secret.utf8), message: Array(input.utf8))
            rejectOBO(obo(input + "." + Base64URL.encode(mac)), error: "invalid_request", code: 50027,
                      messageContains: "'HS256'")
        }
    }

    func testOtherAlgorithmsAndGarbageAre50027() throws {
        let real = try JWT.decode(try webAPIToken())
        // PS256 by the real signing key: Entra signs and accepts only RS256 user tokens.
        let ps256 = try Assertion.make(header: ["alg": "PS256", "typ": "JWT", "kid": try XCTUnwrap(real.header["kid"])],
                                       payload: real.payload, key: service.keys.active.privateKey)
        rejectOBO(obo(ps256), error: "invalid_request", code: 50027)
        for garbage in ["not-a-jwt", "a.b.c", "", "eyJhbGciOiJSUzI1NiJ9.e30"] where !garbage.isEmpty {
            rejectOBO(obo(garbage), error: "invalid_request", code: 50027)
        }
    }

    /// A token signed by our own (public) key with dates no calendar holds: malformed, and never a trap.
    func testImpossibleDatesInASignedAssertionAre50027() throws {
        let real = try JWT.decode(try webAPIToken())
        for (claim, value) in [("exp", JSONValue.number(1e19)), ("exp", .number(-1e19)), ("nbf", .number(1e300)), ("exp", .string("4102444800"))] {
            var payload = real.payload
            payload[claim] = value
            let resigned = try Assertion.make(header: real.header, payload: payload, key: service.keys.active.privateKey)
            rejectOBO(obo(resigned), error: "invalid_request", code: 50027)
        }
        var payload = real.payload
        payload["iat"] = .number(1e19)   // not checked, but read as the sign-in time: falls back to now
        XCTAssertNoThrow(try fixture.issue(obo(try Assertion.make(header: real.header, payload: payload,
                                                                  key: service.keys.active.privateKey)), tenant: OBO.tenant))
    }

    // MARK: Rejections of the request

    func testMissingConsentIs65001() throws {
        let t1 = try userToken()
        // The Agent has no consent on Microsoft Graph at all.
        let named = rejectOBO(obo(t1, scope: "https://graph.microsoft.com/Mail.Send", client: OBO.agent, secret: OBO.agentSecret),
                              code: 65001, messageContains: "'\(OBO.agent)' named 'Fabrikam Agent'")
        XCTAssertEqual(named?.error.suberror, "consent_required")
        let all = rejectOBO(obo(t1, scope: "https://graph.microsoft.com/.default", client: OBO.agent, secret: OBO.agentSecret),
                            code: 65001)
        XCTAssertEqual(all?.error.suberror, "consent_required")
        // The MCP server has User.Read and Mail.Read but not Mail.Send.
        let hop2 = try fixture.issue(obo(t1, scope: "api://fabrikam-mcp/.default", client: OBO.agent, secret: OBO.agentSecret),
                                     tenant: OBO.tenant).accessToken
        rejectOBO(obo(hop2, scope: "User.Read Mail.Send", client: OBO.mcp, secret: OBO.mcpSecret), code: 65001)
        // Azure SQL from the MCP server: never granted.
        rejectOBO(obo(hop2, scope: "https://database.windows.net//.default", client: OBO.mcp, secret: OBO.mcpSecret), code: 65001)
        XCTAssertEqual(fixture.log.records().last?.assertionTokenId, try uti(hop2), "rejected hops still name their assertion")
    }

    /// A refresh token obtained On-Behalf-Of was obtained with the middle tier's credential: its
    /// refresh needs that credential too, even when the app also allows public client flows.
    func testOBORefreshTokenNeedsTheMiddleTiersCredential() throws {
        let text = try OBO.scenarioText.replacingOccurrences(
            of: #""identifierUris": [ "api://fabrikam-agent" ],"#, with: #""identifierUris": [ "api://fabrikam-agent" ], "isFallbackPublicClient": true,"#)
        XCTAssertNotEqual(text, try OBO.scenarioText)
        fixture = try Fixture(scenario: text)
        let t1 = try userToken()
        rejectOBO(obo(t1, scope: "api://fabrikam-mcp/.default", client: OBO.agent, secret: nil), error: "invalid_client", code: 7000218)
        let hop = try fixture.issue(obo(t1, scope: "api://fabrikam-mcp/.default offline_access", client: OBO.agent,
                                        secret: OBO.agentSecret), tenant: OBO.tenant)
        let refresh = [("grant_type", "refresh_token"), ("client_id", OBO.agent), ("refresh_token", try XCTUnwrap(hop.refreshToken)),
                       ("scope", "api://fabrikam-mcp/.default")]
        fixture.reject(refresh, tenant: OBO.tenant, error: "invalid_client", code: 7000218)
        XCTAssertNotNil(try fixture.issue(refresh + [("client_secret", OBO.agentSecret)], tenant: OBO.tenant).accessToken)
    }

    /// A scope the resource disabled is not granted through `.default` even where it was consented,
    /// just as naming it is refused.
    func testDefaultLeavesOutDisabledScopes() throws {
        let text = try OBO.scenarioText.replacingOccurrences(
            of: #"{ "value": "tools.invoke", "type": "User","#, with: #"{ "value": "tools.invoke", "type": "User", "isEnabled": false,"#)
        XCTAssertNotEqual(text, try OBO.scenarioText)
        fixture = try Fixture(scenario: text)
        let t1 = try userToken()
        let hop2 = try fixture.issue(obo(t1, scope: "api://fabrikam-mcp/.default", client: OBO.agent, secret: OBO.agentSecret),
                                     tenant: OBO.tenant).accessToken
        XCTAssertEqual(try JWT.decode(hop2).payload["scp"]?.stringValue, "tools.read")
        rejectOBO(obo(t1, scope: "api://fabrikam-mcp/tools.invoke", client: OBO.agent, secret: OBO.agentSecret),
                  error: "invalid_scope", code: 650053)
    }

    func testResourcesWithoutDelegatedScopes() throws {
        let incoming = try spaToken().accessToken
        for resource in ["https://communication.azure.com", "https://confidential-ledger.azure.com",
                         "https://data.healthmodels.azure.com"] {
            // `.default`: nothing that could be consented, so consent is missing (65001).
            let all = rejectOBO(obo(incoming, scope: "\(resource)/.default"), code: 65001)
            XCTAssertEqual(all?.error.suberror, "consent_required")
            // A named delegated scope the resource does not expose: 650053.
            rejectOBO(obo(incoming, scope: "\(resource)/user_impersonation"), error: "invalid_scope", code: 650053,
                      messageContains: "user_impersonation")
        }
    }

    func testMixedScopesAre70011() throws {
        let incoming = try spaToken().accessToken
        rejectOBO(obo(incoming, scope: "https://database.windows.net//.default https://database.windows.net//user_impersonation"),
                  error: "invalid_scope", code: 70011)
        rejectOBO(obo(incoming, scope: "https://database.windows.net//user_impersonation https://graph.microsoft.com/User.Read"),
                  error: "invalid_scope", code: 70011)
        rejectOBO(obo(incoming, scope: "https://database.windows.net//.default User.Read"), error: "invalid_scope", code: 70011)
    }

    func testMissingParametersAre900144() throws {
        let incoming = try spaToken().accessToken
        rejectOBO(obo(incoming, use: nil), error: "invalid_request", code: 900144, messageContains: "'requested_token_use'")
        rejectOBO(obo(incoming).filter { $0.0 != "assertion" }, error: "invalid_request", code: 900144, messageContains: "'assertion'")
        rejectOBO(obo(incoming, scope: nil), error: "invalid_request", code: 900144, messageContains: "'scope'")
        rejectOBO(obo(incoming, use: "something_else"), error: "invalid_request", code: 90023)
    }

    func testClientWithoutCredentialIs7000218() throws {
        let incoming = try spaToken().accessToken
        rejectOBO(obo(incoming, secret: nil), error: "invalid_client", code: 7000218)
        rejectOBO(obo(incoming, secret: "wrong"), error: "invalid_client", code: 7000215)
        // A public client cannot do OBO without a credential either, even for a token addressed to it.
        let forAssistant = try userToken()
        rejectOBO(obo(forAssistant, client: OBO.assistant, secret: nil), error: "invalid_client", code: 7000218)
    }

    func testRevokedSessionsAre50173() throws {
        let incoming = try webAPIToken()
        fixture.clock.advance(by: 1)
        service.revokeSessions(userId: alice.id)
        rejectOBO(obo(incoming), code: 50173, messageContains: "revoked")
        // A sign-in after the revocation works again.
        fixture.clock.advance(by: 1)
        XCTAssertNoThrow(try fixture.issue(obo(try webAPIToken()), tenant: OBO.tenant))
    }
}

// MARK: - Two tenants

enum TwoTenants {
    static let northwind = "8e1a3c5b-2d4f-4a6c-9b8d-7e0f1a2b3c4d"
    static let northwindDesktop = "9f2b4d6c-3e5a-4b7d-8c9e-0f1a2b3c4d5e"
    static let fabrikamDesktop = "0a3c5e7f-4b6d-4c8e-9f0a-1b2c3d4e5f6a"
    static let legacy = "1b4d6f8a-5c7e-4d9f-a0b1-2c3d4e5f6a7b"
}

/// Fabrikam (the shipped chain's Web API, plus a v1 API and a desktop client) and Northwind, where the same Web API (same appId, as a
/// multi-tenant app would be) is registered too: a Northwind token for it must not work in Fabrikam.
let twoTenantScenario = """
{
  tenants: [
    {
      tenant: { id: "\(OBO.tenant)", defaultDomain: "fabrikam.test" },
      applications: [
        { displayName: "Fabrikam Web API", appId: "\(OBO.webAPI)", identifierUris: [ "api://fabrikam-web-api" ],
          passwordCredentials: [ { secretText: "\(OBO.webAPISecret)" } ],
          api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [ { value: "access_as_user" } ] } },
        { displayName: "Fabrikam Legacy API", appId: "\(TwoTenants.legacy)", identifierUris: [ "https://legacy.fabrikam.test" ],
          passwordCredentials: [ { secretText: "legacy-secret" } ],
          api: { requestedAccessTokenVersion: null, oauth2PermissionScopes: [ { value: "user_impersonation" } ] } },
        { displayName: "Fabrikam Desktop", appId: "\(TwoTenants.fabrikamDesktop)", isFallbackPublicClient: true,
          publicClient: { redirectUris: [ "http://localhost" ] } },
      ],
      users: [ { userPrincipalName: "alice@fabrikam.test", displayName: "Alice", password: "alice-password" } ],
      oauth2PermissionGrants: [
        { client: "Fabrikam Web API", resource: "Azure SQL Database", scope: "user_impersonation", consentType: "AllPrincipals" },
        { client: "Fabrikam Desktop", resource: "Fabrikam Legacy API", scope: "user_impersonation", consentType: "AllPrincipals" },
        { client: "Fabrikam Legacy API", resource: "Azure SQL Database", scope: "user_impersonation", consentType: "AllPrincipals" },
      ],
    },
    {
      tenant: { id: "\(TwoTenants.northwind)", defaultDomain: "northwind.test" },
      applications: [
        { displayName: "Fabrikam Web API", appId: "\(OBO.webAPI)", identifierUris: [ "api://fabrikam-web-api" ],
          passwordCredentials: [ { secretText: "northwind-web-api-secret" } ],
          api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [ { value: "access_as_user" } ] } },
        { displayName: "Northwind Desktop", appId: "\(TwoTenants.northwindDesktop)", isFallbackPublicClient: true,
          publicClient: { redirectUris: [ "http://localhost" ] } },
      ],
      users: [ { userPrincipalName: "bob@northwind.test", displayName: "Bob", password: "bob-password" } ],
      oauth2PermissionGrants: [
        { client: "Northwind Desktop", resource: "Fabrikam Web API", scope: "access_as_user", consentType: "AllPrincipals" },
        { client: "Fabrikam Web API", resource: "Azure SQL Database", scope: "user_impersonation", consentType: "AllPrincipals" },
      ],
    },
  ],
}
"""

// MARK: - The HMAC key-confusion attack, built by hand

enum HMACAttack {
    /// The RSA public key as an SPKI PEM (`-----BEGIN PUBLIC KEY-----`), built from n and e.
    static func publicKeyPEM(_ key: RSAPublicKey) -> String {
        func length(_ n: Int) -> [UInt8] {
            if n < 0x80 { return [UInt8(n)] }
            var bytes: [UInt8] = []
            var value = n
            while value > 0 { bytes.insert(UInt8(value & 0xff), at: 0); value >>= 8 }
            return [0x80 | UInt8(bytes.count)] + bytes
        }
        func tlv(_ tag: UInt8, _ body: [UInt8]) -> [UInt8] { [tag] + length(body.count) + body }
        func integer(_ bytes: [UInt8]) -> [UInt8] {
            var trimmed = Array(bytes.drop { $0 == 0 })
            if trimmed.isEmpty { trimmed = [0] }
            if trimmed[0] & 0x80 != 0 { trimmed.insert(0, at: 0) }
            return tlv(0x02, trimmed)
        }
        let rsaEncryption: [UInt8] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]
        let algorithm = tlv(0x30, rsaEncryption + [0x05, 0x00])
        let rsaKey = tlv(0x30, integer(key.modulus) + integer(key.exponent))
        let spki = tlv(0x30, algorithm + tlv(0x03, [0x00] + rsaKey))
        let base64 = Data(spki).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN PUBLIC KEY-----\n\(base64)\n-----END PUBLIC KEY-----\n"
    }

    /// RFC 2104 HMAC with SHA-256.
    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? Digest.sha256(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        let inner = Digest.sha256(block.map { $0 ^ 0x36 } + message)
        return Digest.sha256(block.map { $0 ^ 0x5c } + inner)
    }
}
