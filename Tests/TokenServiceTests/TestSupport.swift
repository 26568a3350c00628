import Foundation
import XCTest
import EntraDirectory
import JOSE
@testable import TokenService

/// The repository root: `MOCKENTRA_HOME` when set (the tests may be built from a package that
/// symlinks this folder), else three levels above this file.
enum Repo {
    static var root: String {
        if let home = ProcessInfo.processInfo.environment["MOCKENTRA_HOME"], !home.isEmpty { return home }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }
    static var keys: String { root + "/Keys" }
    static func keyText(_ name: String) throws -> String { try String(contentsOfFile: keys + "/" + name, encoding: .utf8) }
}

enum IDs {
    static let tenant = "0f8e4f3a-6c1b-4c52-9d7e-3a6b2c1d0e9f"
    /// The `tenant` member every test scenario starts with.
    static let tenantHeader = #"tenant: { id: "\#(tenant)", displayName: "\#(tenantName)", defaultDomain: "contoso.test" }"#
    static let tenantName = "Contoso Test"
    static let daemon = "2d6f6a9c-3b8e-4f1a-9c2d-7e5b4a3f1c0d"
    static let daemonSecret = "contoso-daemon-secret"
    static let api = "6a0c3e8f-5d2b-4b7e-8f1a-9c3d2e1b0a4f"
    static let legacy = "9b1d7c5e-2a4f-4e6b-8d3c-1f0e9a8b7c6d"
    static let expiredSecretApp = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    static let expiredCertApp = "4a3b2c1d-6e5f-4b8a-9d0c-1f2e3a4b5c6d"
    static let desktop = "4e2a8c6f-1d3b-4a5e-9f7c-0b8d6e4a2c1f"
    static let sqlAppId = "022907d3-0f1b-48f7-badc-1ba6abab6d66"
    static let baseURL = "https://localhost:8443"
    static let jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    static var tokenAudience: String { "\(baseURL)/\(tenant)/oauth2/v2.0/token" }
}

/// A scenario written for these tests: one tenant with a daemon (secret + certificate), an app whose
/// only secret expired, an app whose only certificate credential expired, a v2 API and a v1 API.
let testScenarioText = """
// JSON5 on purpose: comments and trailing commas.
{
  tenant: { id: "\(IDs.tenant)", displayName: "\(IDs.tenantName)", defaultDomain: "contoso.test", },
  applications: [
    {
      displayName: "Contoso Daemon", appId: "\(IDs.daemon)",
      passwordCredentials: [ { secretText: "\(IDs.daemonSecret)" } ],
      keyCredentials: [ { certificateFile: "test-client.pem" } ],
    },
    {
      displayName: "Expired Secret App", appId: "\(IDs.expiredSecretApp)",
      passwordCredentials: [ { secretText: "old-secret", startDateTime: "2020-01-01T00:00:00Z", endDateTime: "2021-01-01T00:00:00Z" } ],
    },
    {
      displayName: "Expired Cert App", appId: "\(IDs.expiredCertApp)",
      keyCredentials: [ { certificateFile: "test-client.pem", startDateTime: "2020-01-01T00:00:00Z", endDateTime: "2021-01-01T00:00:00Z" } ],
    },
    {
      displayName: "Contoso API", appId: "\(IDs.api)",
      identifierUris: [ "api://contoso-api" ],
      api: { requestedAccessTokenVersion: 2 },
      appRoles: [
        { value: "Orders.Read.All", allowedMemberTypes: [ "Application" ], displayName: "Read all orders" },
        { value: "Orders.Write.All", allowedMemberTypes: [ "Application" ], displayName: "Write all orders" },
      ],
    },
    {
      displayName: "Contoso Legacy API", appId: "\(IDs.legacy)",
      identifierUris: [ "https://legacy.contoso.test" ],
      api: { requestedAccessTokenVersion: null },
      appRoles: [ { value: "Legacy.Access", allowedMemberTypes: [ "Application" ], displayName: "Access" } ],
    },
    {
      displayName: "Contoso Desktop", appId: "\(IDs.desktop)", isFallbackPublicClient: true,
      publicClient: { redirectUris: [ "http://localhost" ] },
    },
  ],
  appRoleAssignments: [
    { principal: "Contoso Daemon", resource: "Contoso API", appRole: "Orders.Read.All" },
    { principal: "Contoso Daemon", resource: "Contoso Legacy API", appRole: "Legacy.Access" },
  ],
}
"""

/// A token service over the test scenario, with its own clock and log.
struct Fixture {
    let service: TokenService
    var log: ExchangeLog { service.log }
    var clock: Clock { service.clock }

    init(scenario: String = testScenarioText, capacity: Int = 10_000) throws {
        let loaded = try ScenarioLoader.load(bytes: Array(scenario.utf8), fileName: "tests.json5", baseDirectory: Repo.keys)
        let keys = try KeyRing.load(directory: Repo.keys)
        service = TokenService(directory: loaded.directory, keys: keys, clock: Clock(), log: try ExchangeLog(capacity: capacity))
    }

    func token(_ form: [(String, String)], tenant: String = IDs.tenant, version: TokenEndpointVersion = .v2,
               basic: BasicCredentials? = nil, clientRequestId: String? = nil, origin: String? = nil) -> TokenOutcome {
        service.token(TokenRequest(tenant: tenant, version: version, form: form, basicCredentials: basic,
                                   clientRequestId: clientRequestId, baseURL: IDs.baseURL, origin: origin))
    }

    /// A successful request or a test failure.
    func issue(_ form: [(String, String)], tenant: String = IDs.tenant, version: TokenEndpointVersion = .v2,
               basic: BasicCredentials? = nil, clientRequestId: String? = nil, origin: String? = nil,
               file: StaticString = #filePath, line: UInt = #line) throws -> IssuedTokens {
        let outcome = token(form, tenant: tenant, version: version, basic: basic, clientRequestId: clientRequestId, origin: origin)
        switch outcome.result {
        case .success(let tokens): return tokens
        case .failure(let stamped):
            XCTFail("expected tokens, got \(stamped.description)", file: file, line: line)
            throw stamped
        }
    }

    /// Asserts a rejection: `error`, AADSTS code, HTTP status, and an appended "error" exchange record.
    @discardableResult
    func reject(_ form: [(String, String)], tenant: String = IDs.tenant, version: TokenEndpointVersion = .v2,
                basic: BasicCredentials? = nil, error: String, code: Int, status: Int? = nil,
                messageContains: String? = nil,
                file: StaticString = #filePath, line: UInt = #line) -> StampedError? {
        let before = log.records().count
        let outcome = token(form, tenant: tenant, version: version, basic: basic)
        guard case .failure(let stamped) = outcome.result else {
            XCTFail("expected AADSTS\(code), got tokens", file: file, line: line)
            return nil
        }
        XCTAssertEqual(stamped.error.error, error, "error of \(stamped.description)", file: file, line: line)
        XCTAssertEqual(stamped.error.code, code, "code of \(stamped.description)", file: file, line: line)
        XCTAssertEqual(stamped.error.httpStatus, status ?? (error == "invalid_client" ? 401 : 400), file: file, line: line)
        if let messageContains {
            XCTAssertTrue(stamped.error.message.contains(messageContains),
                          "'\(stamped.error.message)' lacks '\(messageContains)'", file: file, line: line)
        }
        XCTAssertTrue(stamped.description.hasPrefix("AADSTS\(code): "), file: file, line: line)
        let records = log.records()
        XCTAssertEqual(records.count, before + 1, "one exchange record appended", file: file, line: line)
        if let last = records.last {
            XCTAssertEqual(last.sequence, outcome.exchangeSequence, file: file, line: line)
            XCTAssertEqual(last.outcome, "error", file: file, line: line)
            XCTAssertEqual(last.failure?.code, code, file: file, line: line)
            XCTAssertEqual(last.failure?.error, error, file: file, line: line)
            XCTAssertEqual(last.traceId, stamped.traceId, file: file, line: line)
            XCTAssertTrue(last.issuedTokens.isEmpty, file: file, line: line)
        }
        return stamped
    }
}

/// Forms for the client credentials grant.
enum Form {
    static func secret(client: String = IDs.daemon, secret: String = IDs.daemonSecret,
                       scope: String = "api://contoso-api/.default") -> [(String, String)] {
        [("grant_type", "client_credentials"), ("client_id", client), ("client_secret", secret), ("scope", scope)]
    }

    static func assertion(_ assertion: String, client: String = IDs.daemon, scope: String = "api://contoso-api/.default",
                          type: String = IDs.jwtBearer) -> [(String, String)] {
        [("grant_type", "client_credentials"), ("client_id", client), ("client_assertion_type", type),
         ("client_assertion", assertion), ("scope", scope)]
    }
}

/// Builds client assertions the way MSAL libraries do, including their quirks.
enum Assertion {
    static func clientKey() throws -> RSAPrivateKey { try RSAPrivateKey(pem: Repo.keyText("test-client.key")) }
    static func rogueKey() throws -> RSAPrivateKey { try RSAPrivateKey(pem: Repo.keyText("test-client-rogue.key")) }
    static func clientCertificate() throws -> X509Certificate { try X509Certificate.parsePEM(Repo.keyText("test-client.pem"))[0] }
    static func rogueCertificate() throws -> X509Certificate { try X509Certificate.parsePEM(Repo.keyText("test-client-rogue.pem"))[0] }

    /// Standard claims for the daemon, valid now.
    static func claims(client: String = IDs.daemon, audience: String = IDs.tokenAudience, now: Date = Date(),
                       lifetime: TimeInterval = 600) -> [String: JSONValue] {
        let iat = now.timeIntervalSince1970.rounded(.down)
        return ["aud": .string(audience), "iss": .string(client), "sub": .string(client),
                "jti": .string(UUID().uuidString), "iat": .number(iat), "nbf": .number(iat), "exp": .number(iat + lifetime)]
    }

    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return Base64URL.encode(try encoder.encode(value))
    }

    /// A compact JWS with an arbitrary header, signed with `key` (RS256/PS256 per `alg`) or with
    /// `signature` bytes given verbatim.
    static func make(header: [String: JSONValue], payload: [String: JSONValue], key: RSAPrivateKey? = nil,
                     signature: [UInt8]? = nil) throws -> String {
        let input = try encode(header) + "." + encode(payload)
        let bytes: [UInt8]
        if let signature {
            bytes = signature
        } else {
            let algorithm = JWSAlgorithm(rawValue: header["alg"]?.stringValue ?? "") ?? .rs256
            bytes = try (key ?? clientKey()).sign(Array(input.utf8), algorithm: algorithm)
        }
        return input + "." + Base64URL.encode(bytes)
    }

    /// RS256 with `x5t` through JOSE's own `JWTSigner`.
    static func signedBySigner(payload: [String: JSONValue]) throws -> String {
        let signer = JWTSigner(key: try clientKey())
        return try signer.sign(header: JWSHeader(alg: .rs256, typ: "JWT", x5t: try clientCertificate().x5t), payload: payload)
    }

    static func rs256(_ payload: [String: JSONValue]) throws -> String {
        try make(header: ["alg": "RS256", "typ": "JWT", "x5t": .string(try clientCertificate().x5t)], payload: payload)
    }
}

/// `exp`, `iat`, `nbf` as integers.
func intClaim(_ payload: [String: JSONValue], _ name: String) -> Int? {
    payload[name]?.doubleValue.map { Int($0) }
}
