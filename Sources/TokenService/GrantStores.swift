import Foundation

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
}
