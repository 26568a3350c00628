import Foundation
import EntraDirectory
import JOSE

/// The claims a resource (Graph, ARM, your API) demands when it rejects a token (entra-wire §3.2).
/// The client sends them back to the token endpoint; the `WWW-Authenticate` header that carries
/// them is HTTP, built by the MockEntra module (`ClaimsChallenge.wwwAuthenticate`).
public enum ClaimsChallenge {
    /// The claims a CAE resource demands after a critical event at `eventTime` (sessions revoked,
    /// user disabled): a token issued no earlier than it. Byte for byte Microsoft's documented
    /// example, space after the comma included: `{"access_token":{"nbf":{"essential":true, "value":"1604106651"}}}`.
    public static func notBeforeClaims(_ eventTime: Date) -> String {
        "{\"access_token\":{\"nbf\":{\"essential\":true, \"value\":\"\(Int(eventTime.timeIntervalSince1970))\"}}}"
    }

    /// The claims an API demands for an authentication context (`c1`…`c25`):
    /// `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`.
    public static func authenticationContextClaims(_ contextId: String) -> String {
        conditionalAccessClaims(policyIds: [], authenticationContext: contextId)
    }

    /// The `claims` of a Conditional Access challenge: `capolids` naming the policies to satisfy
    /// and/or `acrs` naming one authentication context, under `access_token`.
    static func conditionalAccessClaims(policyIds: [String], authenticationContext: String?) -> String {
        var inner = JSONObjectWriter(capacity: 160)
        if !policyIds.isEmpty {
            var capolids = JSONObjectWriter(capacity: 128)
            capolids.bool("essential", true)
            capolids.strings("values", policyIds)
            inner.raw("capolids", json: capolids.finish())
        }
        if let authenticationContext {
            var acrs = JSONObjectWriter(capacity: 48)
            acrs.bool("essential", true)
            acrs.string("value", authenticationContext)
            inner.raw("acrs", json: acrs.finish())
        }
        var outer = JSONObjectWriter(capacity: 192)
        outer.raw("access_token", json: inner.finish())
        return String(decoding: outer.finish(), as: UTF8.self)
    }
}

/// The answer of the CAE check for one access token.
public struct ContinuousAccessVerdict: Sendable, Equatable {
    public enum Reason: String, Sendable, Codable {
        /// The user's sessions were revoked after the sign-in behind the token.
        case sessionsRevoked
        /// The user's account is disabled, or the user is no longer in the tenant.
        case userDisabled
    }

    /// False when a CAE-enforcing resource must reject the token now.
    public let valid: Bool
    public let reason: Reason?
    /// The claims challenge as JSON (what msal's `claims_challenge` takes), when rejected.
    public let claims: String?
    /// When rejected, the resource that names itself in its challenge (`client_id`): Microsoft Graph
    /// does, other resources do not (entra-wire §3.2).
    public let challengeClientId: String?
    /// The token's `xms_cc` values. A client that did not declare `cp1` cannot answer a challenge
    /// (and its token is short-lived anyway): the verdict is the same, and whether to answer it
    /// with 401 is the test's choice.
    public let clientCapabilities: [String]
    public var clientIsCAECapable: Bool { ClientCapabilities.declares(ClientCapabilities.cp1, in: clientCapabilities) }
}

/// Why a token gets no CAE answer at all: it is not an access token this server issued and that is
/// still usable. A forged token must not learn anything about a real user.
public struct ContinuousAccessTokenError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

extension TokenService {
    /// What a CAE-enforcing resource would decide about `accessToken` now: it must be an access
    /// token signed with one of our keys, issued by one of our tenants and not expired. A user token
    /// is rejected when the user's sessions were revoked after the sign-in behind it (the same rule
    /// as AADSTS50173 at the token endpoint) or the user is disabled or gone; the challenge then asks
    /// for `nbf` = the revocation time (for a disabled user, now: the scenario keeps no time for it).
    /// App-only tokens are always valid here: CAE for workload identities is not emulated.
    public func evaluateContinuousAccess(accessToken: String) -> Result<ContinuousAccessVerdict, ContinuousAccessTokenError> {
        let now = clock.now()
        let claims: [String: JSONValue]
        let tenant: Tenant
        switch verifiedAccessToken(accessToken, now: now) {
        case .failure(let error): return .failure(error)
        case .success(let verified): (claims, tenant) = verified
        }
        let capabilities = claims["xms_cc"]?.arrayValue?.compactMap(\.stringValue) ?? []
        func verdict(_ reason: ContinuousAccessVerdict.Reason?, eventTime: Date = now) -> ContinuousAccessVerdict {
            guard let reason else {
                return ContinuousAccessVerdict(valid: true, reason: nil, claims: nil, challengeClientId: nil,
                                               clientCapabilities: capabilities)
            }
            let audience = claims["aud"]?.stringValue ?? ""
            let graph = tenant.resource(identifier: audience)?.appId == BuiltInIDs.microsoftGraph
            return ContinuousAccessVerdict(valid: false, reason: reason, claims: ClaimsChallenge.notBeforeClaims(eventTime),
                                           challengeClientId: graph ? BuiltInIDs.microsoftGraph : nil,
                                           clientCapabilities: capabilities)
        }
        if IssuedTokenCheck.isAppToken(claims) { return .success(verdict(nil)) }
        guard let userId = claims["oid"]?.stringValue else {
            return .failure(ContinuousAccessTokenError(reason: "The token names no user (oid)."))
        }
        guard let user = tenant.user(id: userId), user.accountEnabled else { return .success(verdict(.userDisabled)) }
        if let validFrom = stores.tokensValidFrom(userId: userId) {
            // The sign-in behind the token decides, as for refresh tokens; a token we no longer index
            // falls back to its issue time (`iat` is backdated by five minutes).
            let tokenId = claims["uti"]?.stringValue ?? ""
            let signedInAt = stores.issuedTokens.authentication(tokenId: tokenId)?.authTime
                ?? (NumericDate.issued(claims["iat"]) ?? .distantPast).addingTimeInterval(TokenMinter.backdating)
            if signedInAt < validFrom { return .success(verdict(.sessionsRevoked, eventTime: validFrom)) }
        }
        return .success(verdict(nil))
    }

    /// The payload and tenant of an access token this server issued (`IssuedTokenCheck`: RS256 by a
    /// published key, an issuer of the tenant it names), not expired (five minutes of skew), with
    /// `scp` or app-only (so an ID token is refused).
    private func verifiedAccessToken(_ compact: String, now: Date) -> Result<([String: JSONValue], Tenant), ContinuousAccessTokenError> {
        func failure(_ reason: String) -> Result<([String: JSONValue], Tenant), ContinuousAccessTokenError> {
            .failure(ContinuousAccessTokenError(reason: reason))
        }
        guard let jwt = try? JWT.decode(compact) else { return failure("The access token is not a JWT.") }
        do {
            try IssuedTokenCheck.verifySignature(jwt, keys: keys)
        } catch {
            if case .algorithm = error { return failure("The token is not signed with RS256.") }
            return failure("The token's signature does not verify with a key this server publishes.")
        }
        let claims = jwt.payload
        let issuer = claims["iss"]?.stringValue ?? ""
        guard let tenantId = claims["tid"]?.stringValue, let tenant = directory.tenants.first(where: { $0.id == tenantId }),
              IssuedTokenCheck.isIssuer(issuer, ofTenant: tenant.id) else {
            return failure("The token was not issued by a tenant of this server.")
        }
        guard let expiry = NumericDate.issued(claims["exp"]), expiry.addingTimeInterval(IssuedTokenCheck.allowedSkew) > now else {
            return failure("The token has expired: a resource rejects it (invalid_token) before any CAE check.")
        }
        guard claims["scp"]?.stringValue != nil || IssuedTokenCheck.isAppToken(claims) else {
            return failure("The token is not an access token (no scp, not an app token).")
        }
        return .success((claims, tenant))
    }
}
