import Foundation
import EntraDirectory
import JOSE

/// What an authorization code stands for: the sign-in and the /authorize request it answered.
struct StoredAuthorizationCode: Sendable {
    let clientId: String
    let tenantId: String
    let redirectURI: String
    let scope: String
    let nonce: String?
    let codeChallenge: String?
    let codeChallengeMethod: String?
    /// The `claims` parameter of the authorize request, kept for Conditional Access.
    let claims: String?
    let authentication: Authentication
    let expiresAt: Date
    let issuedToSPA: Bool
    /// The authority /authorize was called at; the code redeems only there (700005).
    let authority: CodeAuthority
}

/// The authority of a code request: one tenant (named by its id or any of its domains: Entra's
/// text says "same tenant", so both names count as one — our reading), or a tenantless segment,
/// which must be the same one (`/organizations` is not `/common`; the error-code reference names
/// only "/common or /{tenant-ID}", so this is our choice).
enum CodeAuthority: Equatable, Sendable {
    case tenant(id: String)
    case tenantless(String)

    /// `segment` as the request named it; `tenant` the one it resolved to.
    init(segment: String, tenant: Tenant) {
        let lowered = segment.lowercased()
        self = Directory.tenantlessSegments.contains(lowered) ? .tenantless(lowered) : .tenant(id: tenant.id)
    }

    init(_ selection: TenantSelection) {
        switch selection {
        case .tenant(let tenant): self = .tenant(id: tenant.id)
        case .tenantless(let name): self = .tenantless(name)
        }
    }
}

/// Authorization codes: single use, about ten minutes. Redemption is atomic, so concurrent
/// redemptions of one code mint exactly one set of tokens. A replayed code is refused (54005) and
/// the refresh tokens issued from it are revoked, as OAuth's security guidance asks.
final class AuthorizationCodeStore: @unchecked Sendable {
    static let lifetime: TimeInterval = 600

    private enum State {
        case pending(StoredAuthorizationCode)
        case redeemed(expiresAt: Date, refreshTokens: [String])
    }

    private let lock = NSLock()
    private var codes: [String: State] = [:]
    /// Purging walks every code, so it runs at most once a second (of the emulator's time, or when
    /// it goes back): the map holds at most what one lifetime and a second of issuing left.
    private var lastPurge = Date.distantPast

    func issue(_ grant: StoredAuthorizationCode) -> String {
        let code = "1.A" + Base64URL.encode(SecureRandom.bytes(64))
        lock.lock()
        purge(now: grant.expiresAt.addingTimeInterval(-Self.lifetime))
        codes[code] = .pending(grant)
        lock.unlock()
        return code
    }

    /// The grant behind a code not yet redeemed (nor expired), without taking it: for what Entra
    /// refuses before the client authenticates.
    func pending(_ code: String, now: Date) -> StoredAuthorizationCode? {
        lock.lock()
        defer { lock.unlock() }
        guard case .pending(let grant)? = codes[code], grant.expiresAt > now else { return nil }
        return grant
    }

    /// Takes the code: the first caller gets the grant, every later one 54005.
    func redeem(_ code: String, now: Date, onReplay revoke: ([String]) -> Void) throws(EntraError) -> StoredAuthorizationCode {
        lock.lock()
        defer { lock.unlock() }
        switch codes[code] {
        case nil:
            throw .malformedGrant()
        case .redeemed(_, let refreshTokens)?:
            revoke(refreshTokens)
            codes[code] = .redeemed(expiresAt: now.addingTimeInterval(Self.lifetime), refreshTokens: [])
            throw .codeAlreadyRedeemed()
        case .pending(let grant)?:
            guard grant.expiresAt > now else {
                codes[code] = nil
                throw .codeExpired()
            }
            codes[code] = .redeemed(expiresAt: grant.expiresAt, refreshTokens: [])
            return grant
        }
    }

    /// Remembers which refresh token a redeemed code produced, to revoke it on replay.
    func recordRefreshToken(_ token: String, for code: String) {
        lock.lock()
        if case .redeemed(let expiresAt, let tokens)? = codes[code] {
            codes[code] = .redeemed(expiresAt: expiresAt, refreshTokens: tokens + [token])
        }
        lock.unlock()
    }

    /// Drops codes past their lifetime (called under the lock on every issue, so the map stays small).
    private func purge(now: Date) {
        guard now.timeIntervalSince(lastPurge) >= 1 || now < lastPurge else { return }
        lastPurge = now
        codes = codes.filter { _, state in
            switch state {
            case .pending(let grant): return grant.expiresAt > now
            case .redeemed(let expiresAt, _): return expiresAt > now
            }
        }
    }
}

extension EntraError {
    /// 700005 (InvalidGrantRedeemAgainstWrongTenant in the error-code reference, so `invalid_grant`):
    /// a code redeemed at another tenant or authority than the one it was requested at. The text
    /// is Entra's (MicrosoftDocs/azure-docs#51023, nextauthjs/next-auth#11602).
    static func codeForAnotherTenant() -> EntraError {
        EntraError(error: "invalid_grant", code: 700005,
                   message: "Provided Authorization Code is intended to use against other tenant, thus rejected.")
    }

    /// 54005 (`invalid_grant` inferred).
    static func codeAlreadyRedeemed() -> EntraError {
        EntraError(error: "invalid_grant", code: 54005,
                   message: "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
    }

    /// 70008.
    static func codeExpired() -> EntraError {
        EntraError(error: "invalid_grant", code: 70008,
                   message: "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
    }

    /// 9002327: a single-page app's code or refresh token redeemed without a browser's `Origin`.
    static func spaRequiresCrossOrigin() -> EntraError {
        EntraError(error: "invalid_request", code: 9002327,
                   message: "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.")
    }

    /// 9002326: a browser's cross-origin request for anything but a single-page app's code or
    /// refresh token (a web or public client's code, client credentials, ...).
    static func crossOriginOnlyForSPA(origin: String) -> EntraError {
        EntraError(error: "invalid_request", code: 9002326,
                   message: "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '\(origin)'.")
    }

    /// 501481.
    static func pkceMismatch() -> EntraError {
        EntraError(error: "invalid_grant", code: 501481,
                   message: "The Code_Verifier does not match the code_challenge supplied in the authorization request.")
    }

    /// 500112 at the token endpoint: redirect_uri differs from the one used at /authorize, whether
    /// or not it is registered. Code, `invalid_client` and text as a 2024 response shows them
    /// (snok/django-auth-adfs#354, for an unregistered URI); 2018 responses said 50011 with the same
    /// sentence (entra-wire §3). The code stays used up, as after every check that follows taking it.
    static func redirectURIMismatch(requested: String, issuedFor: String) -> EntraError {
        EntraError(error: "invalid_client", code: 500112,
                   message: "The reply address '\(requested)' does not match the reply address '\(issuedFor)' provided when requesting Authorization code.")
    }
}
