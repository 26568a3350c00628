import Foundation
import EntraDirectory
import JOSE

/// The security token service: a token request in, tokens or an Entra error out, and one exchange
/// record per request. No sockets and no JSON here; the HTTP layer translates.
public final class TokenService: Sendable {
    public static let clientCredentialsGrantType = "client_credentials"
    /// Grants that act for a user and read `scope` (v1: `resource`, mapped to a scope first).
    static let userGrantTypes: Set<String> = ["password", "refresh_token", "authorization_code", DeviceCodeGrant.grantType]

    /// The scenario's tenants; `replaceDirectory` swaps them (scenario reload) without a restart.
    public var directory: Directory {
        directoryLock.lock()
        defer { directoryLock.unlock() }
        return currentDirectory
    }
    private let directoryLock = NSLock()
    nonisolated(unsafe) private var currentDirectory: Directory
    public let keys: KeyRing
    public let clock: Clock
    public let log: ExchangeLog
    /// Failures a test asked for, answered instead of handling the next matching requests.
    public let faults = FaultInjector()
    private let grants: [String: any GrantHandler]
    let stores = GrantStores()

    public init(directory: Directory, keys: KeyRing, clock: Clock = Clock(), log: ExchangeLog) {
        self.currentDirectory = directory
        self.keys = keys
        self.clock = clock
        self.log = log
        self.grants = [
            Self.clientCredentialsGrantType: ClientCredentialsGrant(),
            "password": PasswordGrant(),
            "refresh_token": RefreshTokenGrant(),
            "authorization_code": AuthorizationCodeGrant(),
            DeviceCodeGrant.grantType: DeviceCodeGrant(),
            OnBehalfOfGrant.grantType: OnBehalfOfGrant(),
            AgentUserGrant.grantType: AgentUserGrant(),
        ]
    }

    public func token(_ request: TokenRequest) -> TokenOutcome {
        let now = clock.now()
        let traceId = Identifiers.randomGUID()
        let correlationId = Self.correlationId(from: request.clientRequestId)
        var record = ExchangeRecord(endpoint: request.endpointPath, time: now, traceId: traceId, correlationId: correlationId)

        let result: Result<IssuedTokens, StampedError>
        do {
            let tokens = try issue(request, now: now, record: &record)
            record.outcome = "issued"
            result = .success(tokens)
        } catch {
            let stamped = StampedError(error: error, traceId: traceId, correlationId: correlationId, timestamp: now)
            record.outcome = "error"
            record.failure = .init(error: error.error, code: error.code, description: stamped.description,
                                   suberror: error.suberror, claims: error.claims,
                                   injected: error.faultStatus == nil ? nil : true)
            result = .failure(stamped)
        }
        // Moved out before it is handed over: a copy would retain each of its fields, and `consume`
        // is refused for a variable the error path above also writes.
        var finished = ExchangeRecord(endpoint: "", time: now, traceId: "", correlationId: "")
        swap(&finished, &record)
        let sequence = log.append(consume finished)
        return TokenOutcome(result: result, exchangeSequence: sequence, traceId: traceId, correlationId: correlationId)
    }

    /// The grant a `grant_type` names. ADAL polls the v1 endpoint with the short name
    /// (adal/constants.py `DEVICE_CODE = 'device_code'`, the device code in `code`): on v1 that is
    /// the device code grant, recorded and matched by fault rules under its full name.
    static func grantTypeName(_ sent: String, version: TokenEndpointVersion) -> String {
        version == .v1 && sent == "device_code" ? DeviceCodeGrant.grantType : sent
    }

    private func issue(_ request: TokenRequest, now: Date, record: inout ExchangeRecord) throws(EntraError) -> IssuedTokens {
        var parameters = try RequestParameters(request.form)
        // Who asked and for what is recorded before anything can fail, so a rejected request
        // still shows up when tests filter the exchange log by client.
        if let clientId = parameters.optional("client_id") ?? request.basicCredentials?.clientId {
            record.client = .init(appId: Tenant.lookupKey(clientId), displayName: nil, authenticationMethod: nil)
        }
        if let scope = parameters.optional("scope") {
            record.requestedScopes = ScopeParser.split(scope)
        } else if let resource = parameters.optional("resource") {
            record.requestedScopes = [resource]
        }
        record.grantType = parameters.optional("grant_type").map { Self.grantTypeName($0, version: request.version) }
        // An injected outage answers before anything is looked at, as a failing front end would.
        if let fault = faults.take(clientId: record.client?.appId, grantType: record.grantType) { throw fault }
        let directory = self.directory  // one snapshot per request, whatever a reload does meanwhile
        let selection = try TenantSelection.resolve(request.tenant, in: directory)
        if case .tenant(let tenant) = selection {
            record.tenantId = tenant.id
            if let clientId = record.client?.appId { record.client?.displayName = tenant.application(appId: clientId)?.displayName }
        }

        let grantType = Self.grantTypeName(try parameters.required("grant_type"), version: request.version)
        guard let grant = grants[grantType] else { throw .unsupportedGrantType(grantType) }
        // Client credentials checks `resource` itself, after its own `.default` rules; On-Behalf-Of
        // maps the v1 `resource` itself.
        if request.version == .v2, grantType != Self.clientCredentialsGrantType {
            // A refresh reads only its first resource's scopes (RefreshTokenGrant); so does the check.
            let scope = parameters.optional("scope").map { grantType == "refresh_token" ? ScopeParser.firstResourceOnly($0) : $0 }
            // Without `scope` a code or refresh token asks for the scopes it carries: that grant
            // checks `resource` against those once it has them.
            if scope != nil || !ResourceIndicator.grantsCarryingScopes.contains(grantType) {
                try ResourceIndicator.check(parameters.optional("resource"), scope: scope)
            }
        } else if request.version == .v1, Self.userGrantTypes.contains(grantType),
                  let resource = parameters.optional("resource") {
            // v1 names one resource; `resource=openid api://x` names none Entra has (it is not a scope list).
            if resource.contains(where: \.isWhitespace) {
                let tenantName: String
                if case .tenant(let tenant) = selection { tenantName = tenant.displayName } else { tenantName = request.tenant }
                throw .resourceNotFound(resource, tenantName: tenantName)
            }
            parameters = parameters.replacing("scope", with: ResourceIndicator.v1Scope(resource: resource,
                                                                                       requested: parameters.optional("scope")))
        }

        let context = GrantContext(request: request, parameters: parameters, tenantSelection: selection,
                                   directory: directory, minter: TokenMinter(keys: keys), stores: stores, now: now)
        return try grant.handle(context, record: &record)
    }

    /// A service for a loaded scenario, with the scenario's scripted faults in force.
    public convenience init(scenario: Scenario, keys: KeyRing, clock: Clock = Clock(), log: ExchangeLog) {
        self.init(directory: scenario.directory, keys: keys, clock: clock, log: log)
        for rule in scenario.faults { faults.add(rule) }
    }

    /// Serves `directory` from now on. A token request already running finishes with the
    /// directory it started with; codes, refresh tokens, sessions, records, the clock and faults are kept, and
    /// what they name is looked up again in the new directory when next used.
    public func replaceDirectory(_ directory: Directory) {
        directoryLock.lock()
        currentDirectory = directory
        directoryLock.unlock()
    }

    /// The `grant_type` values the token endpoint handles.
    var grantTypes: Set<String> { Set(grants.keys) }

    /// Entra echoes a client's `client-request-id` as the correlation id when it is a GUID.
    static func correlationId(from clientRequestId: String?) -> String {
        if let id = clientRequestId, Identifiers.isGUID(id) { return id.lowercased() }
        return Identifiers.randomGUID()
    }
}
