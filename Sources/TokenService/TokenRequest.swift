import Foundation

/// Which token endpoint was called: `/oauth2/token` (v1, `resource=`) or `/oauth2/v2.0/token` (`scope=`).
public enum TokenEndpointVersion: String, Sendable, Codable {
    case v1, v2
}

/// Client id and secret from an HTTP Basic `Authorization` header (RFC 6749 §2.3.1), already decoded.
public struct BasicCredentials: Sendable, Equatable {
    public var clientId: String
    public var secret: String
    public init(clientId: String, secret: String) {
        self.clientId = clientId
        self.secret = secret
    }
}

/// A token request as the token service sees it: plain values, no HTTP.
public struct TokenRequest: Sendable {
    /// The `{tenant}` path segment exactly as sent: a GUID, a domain, `common`, `organizations` or `consumers`.
    public var tenant: String
    public var version: TokenEndpointVersion
    /// The form body, in order, duplicates kept (Entra rejects duplicated parameters).
    public var form: [(String, String)]
    public var basicCredentials: BasicCredentials?
    /// The client's `client-request-id` header: Entra echoes it as the correlation id.
    public var clientRequestId: String?
    /// Scheme, host and port the request came in on, e.g. `https://localhost:8443`: issuers and
    /// endpoint URLs are built from it so tokens match the discovery documents the client read.
    public var baseURL: String
    public var remoteAddress: String
    /// The browser's `Origin` header: single-page apps redeem codes cross-origin, and Entra
    /// refuses a SPA's code or refresh token presented without one (AADSTS9002327).
    public var origin: String?

    public init(tenant: String, version: TokenEndpointVersion, form: [(String, String)],
                basicCredentials: BasicCredentials? = nil, clientRequestId: String? = nil,
                baseURL: String, remoteAddress: String = "127.0.0.1", origin: String? = nil) {
        self.tenant = tenant
        self.version = version
        self.form = form
        self.basicCredentials = basicCredentials
        self.clientRequestId = clientRequestId
        self.baseURL = baseURL
        self.remoteAddress = remoteAddress
        self.origin = origin
    }

    /// The path this request was sent to, for the exchange record.
    public var endpointPath: String {
        version == .v2 ? "/\(tenant)/oauth2/v2.0/token" : "/\(tenant)/oauth2/token"
    }
}

/// Form parameters by name. Built once per request; duplicates are an error, as in Entra.
struct RequestParameters: Sendable {
    /// Unique names, in the order sent. A token request has a handful and is asked for a dozen:
    /// comparing short names beats hashing each one. Many parameters (a hostile body) get an index.
    private var pairs: [(name: String, value: String)] = []
    private var index: [String: Int]?
    private static let scanLimit = 16

    init(_ sent: [(String, String)]) throws(EntraError) {
        pairs.reserveCapacity(sent.count)
        if sent.count > Self.scanLimit { index = Dictionary(minimumCapacity: sent.count) }
        for (name, value) in sent {
            if position(of: name) != nil { throw .duplicateParameter(name) }
            index?[name] = pairs.count
            pairs.append((name: name, value: value))
        }
    }

    private func position(of name: String) -> Int? {
        if let index { return index[name] }
        return pairs.firstIndex { $0.name == name }
    }

    subscript(_ name: String) -> String? { position(of: name).map { pairs[$0].value } }

    /// A value that must be present and non-empty.
    func required(_ name: String) throws(EntraError) -> String {
        guard let value = self[name], !value.isEmpty else { throw .missingParameter(name) }
        return value
    }

    /// A present, non-empty value, or nil: Entra treats `scope=` like no scope.
    func optional(_ name: String) -> String? {
        guard let value = self[name], !value.isEmpty else { return nil }
        return value
    }

    /// The same parameters with `name` set to `value`.
    func replacing(_ name: String, with value: String) -> RequestParameters {
        var copy = self
        if let position = position(of: name) {
            copy.pairs[position].value = value
        } else {
            copy.index?[name] = copy.pairs.count
            copy.pairs.append((name: name, value: value))
        }
        return copy
    }
}
