import Foundation
import EntraDirectory
import HTTPServer
import TokenService

/// How to run a MockEntra server.
public struct MockEntraOptions: Sendable {
    /// Address to bind. Loopback by default: this is a test identity provider.
    public var host = "127.0.0.1"
    /// Main listeners; 0 picks a free port. TLS unless `plainHTTP`.
    public var ports: [Int] = [0]
    /// Extra plain-HTTP listeners (curl, tools without the CA), next to the TLS ones. Every
    /// listener serves every endpoint, the managed-identity ones included.
    public var httpPorts: [Int] = []
    /// Serve the main listeners without TLS (msal and azure-identity refuse this).
    public var plainHTTP = false
    /// Append every exchange record to this JSONL file.
    public var recordFile: String?
    /// Folder with `signing-1/2.{key,pem}`, `localhost.{pem,key}` and `ca.pem`.
    public var keysDirectory = BundledFiles.keysDirectory
    /// Exchange records kept in memory.
    public var exchangeCapacity = 10_000
    public var limits = ServerLimits.default
    /// Sign the user named by an /authorize request's `login_hint` in at once, without a page
    /// (no password asked; recorded as `authorize:login_hint`). For browser-driven tests that are
    /// not about the sign-in page.
    public var autoSignInLoginHint = false

    public init() {}
}

/// A running emulator: the Swift fixture API. Start one per test (port 0), point clients at
/// `authority`, read `tokenService.log` or the control API, `stop()` at the end.
public final class MockEntraServer: Sendable {
    /// The scenario the server started with (`POST /_mockentra/scenario/reload` changes what is
    /// served, `tokenService.directory`, not this).
    public let scenario: Scenario
    public let tokenService: TokenService
    public let listeners: [BoundListener]
    public let caFile: String
    private let server: HTTPServer

    public static func start(scenarioFile: String, options: MockEntraOptions = MockEntraOptions()) throws -> MockEntraServer {
        try start(scenario: try ScenarioLoader.load(file: scenarioFile), options: options)
    }

    public static func start(scenario: Scenario, options: MockEntraOptions = MockEntraOptions()) throws -> MockEntraServer {
        try MockEntraServer(scenario: scenario, options: options)
    }

    private init(scenario: Scenario, options: MockEntraOptions) throws {
        let keys = try KeyRing.load(directory: options.keysDirectory)
        let log = try ExchangeLog(capacity: options.exchangeCapacity, recordFile: options.recordFile)
        let service = TokenService(scenario: scenario, keys: keys, log: log)
        let tls = TLSConfiguration(certificateChainFile: options.keysDirectory + "/localhost.pem",
                                   privateKeyFile: options.keysDirectory + "/localhost.key")
        var configurations = options.ports.map {
            ListenerConfiguration(host: options.host, port: $0, tls: options.plainHTTP ? nil : tls)
        }
        configurations += options.httpPorts.map { ListenerConfiguration(host: options.host, port: $0, tls: nil) }
        let handler = InProcessHandler(service: service, scenarioFile: scenario.sourceFile,
                                       autoSignInLoginHint: options.autoSignInLoginHint)
        let server = try HTTPServer(listeners: configurations, limits: options.limits) { handler.handle($0) }
        self.listeners = try server.start()
        self.server = server
        self.scenario = scenario
        self.tokenService = service
        self.caFile = options.keysDirectory + "/ca.pem"
    }

    /// What `IDENTITY_HEADER` must hold for the App Service managed-identity endpoint (`/msi/token`).
    public static let identityHeader = ManagedIdentityRoutes.identityHeader

    /// The first listener: the one printed and used by default.
    public var primary: BoundListener { listeners[0] }
    public var port: Int { primary.port }
    /// `https://localhost:PORT` (the certificate names `localhost`).
    public var baseURL: String { "\(primary.isTLS ? "https" : "http")://localhost:\(primary.port)" }
    /// The first tenant of the scenario being served (it follows `POST /_mockentra/scenario/reload`).
    public var tenantId: String { tokenService.directory.tenants[0].id }
    /// What msal calls the authority: `https://localhost:PORT/{tenant}`.
    public var authority: String { "\(baseURL)/\(tenantId)" }
    public var issuer: String { "\(authority)/v2.0" }
    public var tokenEndpoint: String { "\(authority)/oauth2/v2.0/token" }

    /// Stops listening, finishes in-flight requests and flushes the record file.
    public func stop() {
        server.stop()
        tokenService.log.close()
    }
}
