import Foundation
import XCTest
@testable import EntraDirectory
import JOSE
@testable import TokenService

/// Workload identity federation: tokens of another issuer as an app's client assertion, matched
/// against its federated identity credentials, signature checked with that issuer's key; and a
/// managed identity's token for api://AzureADTokenExchange trusted by an app.
final class FederatedCredentialTests: XCTestCase {
    static let deployer = "3c5e7a9b-1d2f-4a6c-8e0b-2f4a6c8e0b1d"
    static let worker = "7f3e9a1c-4b2d-4e8f-a6c0-5d1b3e7f9a24"
    static let github = "https://token.actions.githubusercontent.com"
    static let subject = "repo:contoso/app:ref:refs/heads/main"
    static var scenario: String {
        """
        {
          \(IDs.tenantHeader),
          applications: [
            { displayName: "Contoso API", appId: "\(IDs.api)", identifierUris: [ "api://contoso-api" ],
              api: { requestedAccessTokenVersion: 2 },
              appRoles: [ { value: "Deploy", allowedMemberTypes: [ "Application" ] } ] },
            { displayName: "Deployer", appId: "\(deployer)", federatedIdentityCredentials: [
                { name: "main", issuer: "\(github)", subject: "\(subject)", certificateFile: "test-federated-issuer.pem" },
                { name: "worker", issuer: "https://login.microsoftonline.com/\(IDs.tenant)/v2.0", subject: "\(workerObjectId)" },
            ] },
            { displayName: "Orders Worker", appId: "\(worker)", managedIdentity: { type: "systemAssigned" } },
          ],
          appRoleAssignments: [ { principal: "Deployer", resource: "Contoso API", appRole: "Deploy" } ],
        }
        """
    }
    static let workerObjectId = DerivedIDs.servicePrincipal(tenantId: IDs.tenant, appId: worker)

    var fixture: Fixture!

    override func setUpWithError() throws {
        fixture = try Fixture(scenario: Self.scenario)
    }

    /// A token as GitHub Actions would issue it, signed with the key behind the configured certificate.
    func githubToken(issuer: String = github, subject: String = subject, audience: String = "api://AzureADTokenExchange",
                     lifetime: TimeInterval = 300, key: RSAPrivateKey? = nil) throws -> String {
        let now = Date().timeIntervalSince1970.rounded(.down)
        return try Assertion.make(header: ["alg": "RS256", "typ": "JWT", "kid": "github-1"],
                                  payload: ["iss": .string(issuer), "sub": .string(subject), "aud": .string(audience),
                                            "iat": .number(now), "nbf": .number(now), "exp": .number(now + lifetime),
                                            "repository": "contoso/app"],
                                  key: key ?? RSAPrivateKey(pem: Repo.keyText("test-federated-issuer.key")))
    }

    func testAMatchingFederatedTokenIsTheAppsCredential() throws {
        let tokens = try fixture.issue(Form.assertion(try githubToken(), client: Self.deployer))
        let claims = try JWT.decode(tokens.accessToken).payload
        XCTAssertEqual(claims["azp"]?.stringValue, Self.deployer)
        XCTAssertEqual(claims["azpacr"]?.stringValue, "2")
        XCTAssertEqual(claims["roles"], .array(["Deploy"]))
        XCTAssertEqual(fixture.log.records().last?.client?.authenticationMethod, .federatedCredential)
    }

    /// The federated path reads times before any signature: a date no calendar holds, from anyone,
    /// must be a 50027 and not bring the server down (it once trapped writing the 700024 text).
    func testAnUnsignedAssertionWithAnImpossibleDateIs50027() throws {
        for claim in ["exp", "nbf"] {
            for value: JSONValue in [.number(1e19), .number(-1e19), .string("1e19")] {
                var payload = try JWT.decode(try githubToken()).payload
                payload[claim] = value
                let forged = try Assertion.make(header: ["alg": "RS256", "typ": "JWT"], payload: payload, signature: Array(repeating: 0, count: 256))
                fixture.reject(Form.assertion(forged, client: Self.deployer), error: "invalid_request", code: 50027)
            }
        }
        XCTAssertEqual(EntraTimestamp.format(Date(timeIntervalSince1970: 1e19)), "9999-12-31 23:59:59Z")
        XCTAssertEqual(EntraTimestamp.format(Date(timeIntervalSince1970: -1e19)), "1-01-01 00:00:00Z")
        XCTAssertEqual(EntraTimestamp.format(Date(timeIntervalSince1970: .nan)), "1970-01-01 00:00:00Z")
    }

    func testMismatchesAreRefusedWithEntrasCodes() throws {
        let client = Self.deployer
        fixture.reject(Form.assertion(try githubToken(issuer: "https://token.actions.githubusercontent.com/"), client: client),
                       error: "invalid_client", code: 700211, status: 401,
                       messageContains: "presented assertion issuer 'https://token.actions.githubusercontent.com/'")
        // Case-sensitive, as Entra matches since 2025: a subject equal but for case has its own code.
        fixture.reject(Form.assertion(try githubToken(subject: "repo:Contoso/app:ref:refs/heads/main"), client: client),
                       error: "invalid_client", code: 7002138, status: 401,
                       messageContains: "The subject matches with case-insensitive comparison, but not with case-sensitive comparison.")
        fixture.reject(Form.assertion(try githubToken(subject: "repo:contoso/other:ref:refs/heads/main"), client: client),
                       error: "invalid_client", code: 700213, status: 401)
        fixture.reject(Form.assertion(try githubToken(audience: "api://contoso-api"), client: client),
                       error: "invalid_client", code: 700212, status: 401)
        // The exchange app's id stands for api://AzureADTokenExchange only in MockEntra's own tokens.
        fixture.reject(Form.assertion(try githubToken(audience: TokenExchange.appId), client: client),
                       error: "invalid_client", code: 700212, status: 401)
        fixture.reject(Form.assertion(try githubToken(lifetime: -600), client: client), error: "invalid_client", code: 700024)
        // Everything matches but the issuer's key did not sign it.
        fixture.reject(Form.assertion(try githubToken(key: Assertion.clientKey()), client: client),
                       error: "invalid_client", code: 700027)
        // `none` is never accepted (as for certificate assertions: an unsupported algorithm).
        let unsigned = try Assertion.make(header: ["alg": "none"], payload: JWT.decode(try githubToken()).payload, signature: [])
        fixture.reject(Form.assertion(unsigned, client: client), error: "invalid_request", code: 50027)
    }

    func testAManagedIdentitysExchangeTokenIsTrusted() throws {
        let request = { (resource: String, baseURL: String) in
            ManagedIdentityRequest(endpoint: .imds, resource: resource, clientId: nil,
                                   objectId: nil, resourceId: nil, baseURL: baseURL)
        }
        let exchange = try fixture.service.managedIdentityToken(request("api://AzureADTokenExchange", IDs.baseURL)).get()
        let exchangeClaims = try JWT.decode(exchange.accessToken).payload
        XCTAssertEqual(exchangeClaims["aud"]?.stringValue, TokenExchange.appId)
        XCTAssertEqual(exchangeClaims["iss"]?.stringValue, "\(IDs.baseURL)/\(IDs.tenant)/v2.0")
        XCTAssertNotNil(try fixture.issue(Form.assertion(exchange.accessToken, client: Self.deployer)).accessToken)

        // Fetched on another listener (plain HTTP, another port), it is still MockEntra's token.
        let elsewhere = try fixture.service.managedIdentityToken(request("api://AzureADTokenExchange", "http://localhost:8080")).get()
        XCTAssertNotNil(try fixture.issue(Form.assertion(elsewhere.accessToken, client: Self.deployer)).accessToken)

        // The worker's token for another audience is no credential.
        let other = try fixture.service.managedIdentityToken(request("api://contoso-api", IDs.baseURL)).get()
        fixture.reject(Form.assertion(other.accessToken, client: Self.deployer), error: "invalid_client", code: 700212)
    }

    func testAnExternalIssuerNeedsItsCertificate() {
        XCTAssertThrowsError(try Fixture(scenario: Self.scenario.replacingOccurrences(of: #", certificateFile: "test-federated-issuer.pem""#, with: ""))) {
            XCTAssertTrue(String(describing: $0).contains("needs the issuer's signing certificate"), "\($0)")
        }
    }
}
