import Foundation
import XCTest
import HTTPServer
import JOSE
import MockEntra

/// `GET /_mockentra/chains/{uti}` over TLS, on the shipped `Scenarios/obo-chains.json`: a headless
/// sign-in of the Assistant, two On-Behalf-Of hops (Agent → MCP server → Microsoft Graph), and the
/// chain returned from any of its tokens.
final class ChainTests: ShippedScenarioServerTestCase {
    override class var scenarioName: String { "obo-chains.json" }

    static let tenant = "5b7e2c4a-8d1f-4e3b-9a6c-2f0d4e8b1a7c"
    static let assistant = "3e6a9c4d-7f0b-4d5a-8c1e-2a4b6c8d0f3e"
    static let agent = "4f7b0d5e-8a1c-4e6b-9d2f-3b5c7d9e1a4f"
    static let mcp = "5a8c1e6f-9b2d-4f7c-a0e3-4c6d8e0f2b5a"
    static let redirect = "http://localhost"
    static let verifier = "chain-verifier-0123456789-0123456789-0123456789"
    static let jwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

    var tokenPath: String { "/\(Self.tenant)/oauth2/v2.0/token" }

    func uti(_ token: String) throws -> String {
        try XCTUnwrap(try JWT.decode(token).payload["uti"]?.stringValue)
    }

    /// The Assistant's token for the Agent: headless sign-in, then the code redeemed with PKCE.
    func signIn() throws -> String {
        let challenge = Base64URL.encode(Digest.sha256(Array(Self.verifier.utf8)))
        let scope = "api://fabrikam-agent/access_as_user openid profile offline_access"
        let query = [("client_id", Self.assistant), ("response_type", "code"), ("redirect_uri", Self.redirect),
                     ("scope", scope), ("state", "s"), ("code_challenge", challenge), ("code_challenge_method", "S256")]
        let url = "https://localhost:\(server.port)/\(Self.tenant)/oauth2/v2.0/authorize?" + String(decoding: formBody(query), as: UTF8.self)
        let signedIn = try client.postJSON("/_mockentra/signin",
                                           "{\"authorizeUrl\": \"\(url)\", \"username\": \"alice@fabrikam.test\", \"password\": \"alice-password\"}")
        XCTAssertEqual(signedIn.status, 200, signedIn.text)
        let code = try XCTUnwrap(signedIn.object()["code"]?.stringValue)
        let tokens = try client.postForm(tokenPath, [
            ("grant_type", "authorization_code"), ("client_id", Self.assistant), ("code", code), ("redirect_uri", Self.redirect),
            ("code_verifier", Self.verifier), ("scope", scope), ("client_info", "1")])
        XCTAssertEqual(tokens.status, 200, tokens.text)
        return try XCTUnwrap(tokens.object()["access_token"]?.stringValue)
    }

    func obo(_ assertion: String, client id: String, secret: String, scope: String) throws -> HTTPClientResponse {
        try client.postForm(tokenPath, [
            ("grant_type", Self.jwtBearer), ("client_id", id), ("client_secret", secret), ("assertion", assertion),
            ("scope", scope + " offline_access openid profile"), ("requested_token_use", "on_behalf_of"), ("client_info", "1")])
    }

    func chain(_ uti: String) throws -> [[String: JSONValue]] {
        let response = try client.get("/_mockentra/chains/\(uti)")
        XCTAssertEqual(response.status, 200, response.text)
        return (response.object()["chain"]?.arrayValue ?? []).compactMap(\.objectValue)
    }

    func testChainFromEitherEndHasEveryHop() throws {
        let t1 = try signIn()
        let hop2 = try obo(t1, client: Self.agent, secret: "fabrikam-agent-secret", scope: "api://fabrikam-mcp/.default")
        XCTAssertEqual(hop2.status, 200, hop2.text)
        let t2 = try XCTUnwrap(hop2.object()["access_token"]?.stringValue)
        let hop3 = try obo(t2, client: Self.mcp, secret: "fabrikam-mcp-secret", scope: "https://graph.microsoft.com/.default")
        XCTAssertEqual(hop3.status, 200, hop3.text)
        let t3 = try XCTUnwrap(hop3.object()["access_token"]?.stringValue)
        // A rejected hop on the same token belongs to the chain too.
        let denied = try obo(t2, client: Self.mcp, secret: "fabrikam-mcp-secret", scope: "https://graph.microsoft.com/Mail.Send")
        XCTAssertEqual(denied.status, 400)
        XCTAssertEqual(denied.object()["suberror"]?.stringValue, "consent_required")

        let utis = [try uti(t1), try uti(t2), try uti(t3)]
        for start in utis {
            let hops = try chain(start)
            XCTAssertEqual(hops.map { $0["grantType"]?.stringValue },
                           ["authorize:headless", "authorization_code", Self.jwtBearer, Self.jwtBearer, Self.jwtBearer], start)
            XCTAssertEqual(hops.map { $0["client"]?.objectValue?["appId"]?.stringValue },
                           [Self.assistant, Self.assistant, Self.agent, Self.mcp, Self.mcp])
            XCTAssertEqual(hops.map { $0["outcome"]?.stringValue }, ["issued", "issued", "issued", "issued", "error"])
            XCTAssertEqual(hops[2]["assertionTokenId"]?.stringValue, utis[0])
            XCTAssertEqual(hops[3]["assertionTokenId"]?.stringValue, utis[1])
            XCTAssertEqual(hops[4]["assertionTokenId"]?.stringValue, utis[1])
            XCTAssertEqual(hops[4]["failure"]?.objectValue?["code"], .number(65001))
            XCTAssertEqual(hops[3]["resource"]?.objectValue?["appId"]?.stringValue, "00000003-0000-0000-c000-000000000000")
            XCTAssertEqual(hops[3]["grantedScopes"], .array(["User.Read", "Mail.Read"]))
            for (index, token) in [(1, utis[0]), (2, utis[1]), (3, utis[2])] {
                let issued = hops[index]["issuedTokens"]?.arrayValue ?? []
                XCTAssertTrue(issued.contains { $0.objectValue?["uti"]?.stringValue == token }, "hop \(index) issued \(token)")
            }
            let sessions = Set(hops.compactMap { $0["sessionId"]?.stringValue })
            XCTAssertEqual(sessions.count, 1, "one sign-in session across the chain")
        }
    }

    func testUnknownTokenIs404() throws {
        let response = try client.get("/_mockentra/chains/no-such-uti")
        XCTAssertEqual(response.status, 404)
        XCTAssertTrue(response.object()["error"]?.stringValue?.contains("no-such-uti") ?? false, response.text)
    }
}
