import Foundation

/// A successful token response as values. The HTTP layer chooses the wire shape from `endpoint`
/// (v2: integer `expires_in`; v1: strings plus `expires_on`, `not_before`, `resource`).
public struct IssuedTokens: Sendable, Equatable {
    public var endpoint: TokenEndpointVersion
    public var accessToken: String
    public var tokenType: String = "Bearer"
    public var expiresIn: Int
    public var extExpiresIn: Int
    public var expiresOn: Int
    public var notBefore: Int
    /// v2 only, and not for client credentials (Entra leaves it out there).
    public var scope: String?
    /// v1 only: the resource as requested.
    public var resource: String?
    public var refreshToken: String?
    public var idToken: String?
    public var clientInfo: String?
}

/// What the token endpoint answers: tokens or a stamped error, and the exchange's sequence number.
public struct TokenOutcome: Sendable {
    public var result: Result<IssuedTokens, StampedError>
    public var exchangeSequence: Int
    /// Entra's per-request trace id (also sent as `x-ms-request-id`).
    public var traceId: String
    public var correlationId: String
}
