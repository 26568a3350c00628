import Foundation
import EntraDirectory

/// The token service's mutable state, shared by all grants: outstanding codes, refresh tokens, and
/// per-user revocation times (Entra's `TokensValidFrom`).
final class GrantStores: @unchecked Sendable {
    let refreshTokens = RefreshTokenStore()
    let authorizationCodes = AuthorizationCodeStore()
    let deviceCodes = DeviceCodeStore()
    let issuedTokens = IssuedTokenIndex()
    let secondFactors = SecondFactorStore()

    private let lock = NSLock()
    private var validFrom: [String: Date] = [:]

    /// Grants from sign-ins before `date` stop working for this user (AADSTS50173).
    func revokeSessions(userId: String, at date: Date) {
        lock.lock()
        validFrom[userId.lowercased()] = date
        lock.unlock()
    }

    /// When the user's sessions were last revoked, if ever (the CAE check reads it too).
    func tokensValidFrom(userId: String) -> Date? {
        lock.lock()
        defer { lock.unlock() }
        return validFrom[userId.lowercased()]
    }

    /// AADSTS50173 when the user's sessions were revoked after this sign-in: every grant derived
    /// from it (refresh token, OBO assertion, SSO session) stops working.
    func checkNotRevoked(_ authentication: Authentication, issuedAt: Date? = nil) throws(EntraError) {
        if let validFrom = tokensValidFrom(userId: authentication.userId), authentication.authTime < validFrom {
            throw .grantRevoked(issued: issuedAt ?? authentication.authTime, validFrom: validFrom)
        }
    }

    /// The user of a sign-in that a grant carries (authorization code, device code, refresh token,
    /// OBO assertion, browser session), when that sign-in may still get tokens: the user is still in
    /// the tenant (50034), enabled (50057), and their sessions were not revoked after it (50173).
    func activeUser(of authentication: Authentication, in tenant: Tenant, grantIssuedAt: Date? = nil) throws(EntraError) -> User {
        guard let user = tenant.user(id: authentication.userId) else { throw .userNotFound(tenant: tenant.id) }
        guard user.accountEnabled else { throw .userDisabled() }
        try checkNotRevoked(authentication, issuedAt: grantIssuedAt)
        return user
    }
}
