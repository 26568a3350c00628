import Foundation

/// One token-endpoint exchange, as tests assert on it: who asked, for what, how it ended, and the
/// ids of the tokens involved. Field names are the JSON names of the test-control API and the
/// `--record` JSONL file.
public struct ExchangeRecord: Codable, Sendable, Equatable {
    public struct Client: Codable, Sendable, Equatable {
        public var appId: String
        public var displayName: String?
        public var authenticationMethod: ClientAuthenticationMethod?
    }

    public struct Subject: Codable, Sendable, Equatable {
        /// `app` (app-only tokens) or `user`.
        public var kind: String
        /// The service principal object id or the user's object id: the token's `oid`.
        public var id: String
        /// The application's display name or the user's UPN.
        public var name: String?
    }

    public struct Resource: Codable, Sendable, Equatable {
        public var appId: String
        public var displayName: String
        /// The identifier the client used (`api://…`, a URL, or the appId).
        public var requestedAs: String
        /// `1.0` or `2.0`: the shape of the token issued for it.
        public var tokenVersion: String
    }

    public struct Failure: Codable, Sendable, Equatable {
        public var error: String
        public var code: Int
        public var description: String
        public var suberror: String?
        public var claims: String?
        /// True when a test asked for this failure (`/_mockentra/faults`): the request was not handled.
        public var injected: Bool?
    }

    public struct IssuedToken: Codable, Sendable, Equatable {
        /// `access_token`, `refresh_token` or `id_token`.
        public var type: String
        public var uti: String
        public var expiresAt: Date
    }

    /// Increasing from 1 for the life of the server; gaps never occur, eviction only drops the oldest.
    public var sequence: Int
    public var time: Date
    public var endpoint: String
    public var tenantId: String?
    public var grantType: String?
    public var client: Client?
    public var subject: Subject?
    public var requestedScopes: [String]
    public var resource: Resource?
    public var grantedScopes: [String]?
    public var grantedRoles: [String]?
    /// `issued` or `error`.
    public var outcome: String
    public var failure: Failure?
    public var issuedTokens: [IssuedToken]
    /// On-Behalf-Of: the `uti` of the token presented as the assertion. Chains are walked through it.
    public var assertionTokenId: String?
    /// Authorization code and refresh token grants: the id of the code or refresh token redeemed (a
    /// digest, never the secret itself), as the issuing record lists it in `issuedTokens`. Chains
    /// are walked through it, so a token leads back to the exact sign-in that produced it.
    public var redeemedGrantId: String?
    /// Every Conditional Access policy evaluated for a user token (disabled policies are not), in
    /// scenario order, on issued and failed exchanges alike.
    public var conditionalAccess: [PolicyEvaluation]
    /// The `claims` challenge sent with a Conditional Access error (a JSON string, as on the wire).
    public var claimsChallenge: String?
    /// The `claims` the client asked for (token request, or the /authorize request of a sign-in):
    /// where a challenge comes back when the client steps up.
    public var claimsRequest: String?
    /// How the user signed in (`amr`: `pwd`, `mfa`): on sign-ins and user tokens.
    public var authenticationMethods: [String]?
    /// The client capabilities the request declared in `claims` (`xms_cc` values as sent, e.g. `["CP1"]`).
    public var clientCapabilities: [String]?
    /// The user's sign-in session (`sid`) behind user tokens and /authorize sign-ins.
    public var sessionId: String?
    public var traceId: String
    public var correlationId: String

    init(endpoint: String, time: Date, traceId: String, correlationId: String) {
        self.sequence = 0
        self.time = time
        self.endpoint = endpoint
        self.requestedScopes = []
        self.outcome = "error"
        self.issuedTokens = []
        self.conditionalAccess = []
        self.traceId = traceId
        self.correlationId = correlationId
    }
}
