import Foundation
import JOSE

/// What a refresh token stands for. Entra's refresh tokens are opaque and multi-resource: one can
/// be redeemed for any resource the client has consent for, so it records the sign-in, not a scope.
struct StoredRefreshToken: Sendable {
    let clientId: String
    let tenantId: String
    let authentication: Authentication
    /// The scope string of the original request, used when a refresh asks for no scope.
    let originalScope: String
    let issuedAt: Date
    /// Refresh tokens issued to a `spa` redirect URI live a fixed 24 hours (auth-code flow doc).
    let fixedExpiry: Date?
    /// Issued to a client that authenticated with no credential: it redeems it the same way, and a
    /// credential presented with it is refused (700025).
    let issuedToPublicClient: Bool
    /// Issued from a code sent to a web redirect URI (or by refreshing such a token): redeemed only
    /// with the client's credential, even when the app allows public client flows (7000218).
    let requiresClientCredential: Bool
}

/// Issued refresh tokens. Using one does not revoke it (Entra keeps the old token valid), but each
/// use moves its inactivity clock. Bounded: the oldest tokens are dropped past `capacity`.
final class RefreshTokenStore: @unchecked Sendable {
    /// Entra's refresh tokens expire after 90 days without use.
    static let maximumInactivity: TimeInterval = 90 * 24 * 3600

    private struct Entry {
        var grant: StoredRefreshToken
        var lastUsedAt: Date
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    private let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// Stores the grant and returns a new opaque refresh token for it.
    func issue(_ grant: StoredRefreshToken) -> String {
        let token = "1.A" + Base64URL.encode(SecureRandom.bytes(48))
        lock.lock()
        defer { lock.unlock() }
        entries[token] = Entry(grant: grant, lastUsedAt: grant.issuedAt)
        order.append(token)
        if order.count > capacity {
            let dropped = order.count - capacity
            for old in order.prefix(dropped) { entries[old] = nil }
            order.removeFirst(dropped)
        }
        return token
    }

    /// The grant behind `token`, checked for expiry; marks it used at `now`. Whether its sign-in
    /// still counts (user enabled, sessions not revoked) is `GrantStores.activeUser`'s question.
    func redeem(_ token: String, now: Date) throws(EntraError) -> StoredRefreshToken {
        lock.lock()
        defer { lock.unlock() }
        guard var entry = entries[token] else { throw .malformedGrant() }
        let grant = entry.grant
        if let fixed = grant.fixedExpiry, fixed <= now { throw .spaRefreshTokenExpired(issued: grant.issuedAt) }
        if now.timeIntervalSince(entry.lastUsedAt) > Self.maximumInactivity {
            throw .refreshTokenInactive(issued: grant.issuedAt, inactiveFor: now.timeIntervalSince(entry.lastUsedAt))
        }
        entry.lastUsedAt = now
        entries[token] = entry
        return grant
    }

    /// Forgets tokens (a replayed authorization code revokes what it produced).
    func revoke(_ tokens: [String]) {
        lock.lock()
        for token in tokens { entries[token] = nil }
        lock.unlock()
    }
}

extension EntraError {
    /// 9002313: a code or refresh token this service never issued. `invalid_grant` as Entra sends it.
    static func malformedGrant() -> EntraError {
        EntraError(error: "invalid_grant", code: 9002313, message: "Invalid request. Request is malformed or invalid.")
    }

    /// 50173: the user's sessions were revoked after this grant was issued.
    static func grantRevoked(issued: Date, validFrom: Date) -> EntraError {
        EntraError(error: "invalid_grant", code: 50173,
                   message: "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '\(EntraTimestamp.iso(issued))' and the TokensValidFrom date (before which tokens are not valid) for this user is '\(EntraTimestamp.iso(validFrom))'.")
    }

    /// 700082: unused for longer than the inactivity limit.
    static func refreshTokenInactive(issued: Date, inactiveFor: TimeInterval) -> EntraError {
        let days = Int(inactiveFor / 86400)
        let rest = Int(inactiveFor) % 86400
        let time = String(format: "%d.%02d:%02d:%02d", days, rest / 3600, rest % 3600 / 60, rest % 60)
        return EntraError(error: "invalid_grant", code: 700082,
                          message: "The refresh token has expired due to inactivity. The token was issued on \(EntraTimestamp.iso(issued)) and was inactive for \(time).")
    }

    /// 700084: a single-page app's refresh token past its fixed 24 hours.
    static func spaRefreshTokenExpired(issued: Date) -> EntraError {
        EntraError(error: "invalid_grant", code: 700084,
                   message: "The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page. The token was issued on \(EntraTimestamp.iso(issued)).")
    }

    /// 70000 (inferred wording): a code or refresh token presented by a client it was not issued to.
    static func grantIssuedToAnotherClient() -> EntraError {
        EntraError(error: "invalid_grant", code: 70000, message: "Provided grant is invalid or malformed. It was issued to a different client.")
    }
}
