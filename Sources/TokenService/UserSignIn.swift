import Foundation
import EntraDirectory

/// A completed user sign-in: who, when, and how. It travels with authorization codes, device codes
/// and refresh tokens so that every token later issued from it carries the same facts
/// (`auth_time`, `amr`, `sid`), as Entra's do.
public struct Authentication: Sendable, Equatable, Codable {
    public let tenantId: String
    public let userId: String
    public let authTime: Date
    /// `amr` values: `pwd`, and `mfa` once a second factor was performed.
    public let methods: [String]
    /// The sign-in session (`sid`); revoking the user's sessions invalidates tokens derived from it.
    public let sessionId: String

    public init(tenantId: String, userId: String, authTime: Date, methods: [String], sessionId: String) {
        self.tenantId = tenantId
        self.userId = userId
        self.authTime = authTime
        self.methods = methods
        self.sessionId = sessionId
    }
}

/// Password sign-in against the scenario's users, with Entra's errors (entra-wire §2.2).
enum UserAuthenticator {
    static func user(named name: String, in tenant: Tenant) throws(EntraError) -> User {
        guard let user = tenant.user(userPrincipalName: name) else { throw .userNotFound(tenant: tenant.id) }
        return user
    }

    /// Checks the password first, then the account state, so a wrong password never reveals
    /// whether an account is disabled.
    static func verify(password: String, of user: User) throws(EntraError) {
        guard let expected = user.password,
              ClientAuthenticator.constantTimeEqual(expected.utf8, password.utf8) else {
            throw .invalidUserCredentials()
        }
        guard user.accountEnabled else { throw .userDisabled() }
        guard !user.passwordExpired else { throw .passwordExpired() }
    }

    /// The sign-in after a second factor: `amr` `["pwd","mfa"]`. Only an enrolled user has one.
    static func withSecondFactor(_ authentication: Authentication, user: User) throws(EntraError) -> Authentication {
        guard user.mfaRegistered else { throw .multiFactorNotRegistered() }
        return Authentication(tenantId: authentication.tenantId, userId: authentication.userId, authTime: authentication.authTime,
                              methods: ["pwd", "mfa"], sessionId: authentication.sessionId)
    }

    static func signIn(name: String, password: String, tenant: Tenant, now: Date) throws(EntraError) -> (User, Authentication) {
        let user = try user(named: name, in: tenant)
        try verify(password: password, of: user)
        return (user, Authentication(tenantId: tenant.id, userId: user.id, authTime: now, methods: ["pwd"],
                                     sessionId: Identifiers.randomGUID()))
    }
}

extension EntraError {
    /// 50034. `invalid_grant` is inferred.
    static func userNotFound(tenant: String) -> EntraError {
        EntraError(error: "invalid_grant", code: 50034,
                   message: "The user account {EmailHidden} does not exist in the \(tenant) directory. To sign into this application, the account must be added to the directory.")
    }

    /// 50126.
    static func invalidUserCredentials() -> EntraError {
        EntraError(error: "invalid_grant", code: 50126, message: "Error validating credentials due to invalid username or password.")
    }

    /// 50057. `invalid_grant` is inferred.
    static func userDisabled() -> EntraError {
        EntraError(error: "invalid_grant", code: 50057, message: "The user account is disabled.")
    }

    /// 50055, with the `user_password_expired` suberror MSAL knows. `invalid_grant` is inferred.
    static func passwordExpired() -> EntraError {
        EntraError(error: "invalid_grant", code: 50055, message: "The password is expired.", suberror: "user_password_expired")
    }

    /// 65001: no consent for a delegated scope.
    static func consentRequired(client: Application) -> EntraError {
        EntraError(error: "invalid_grant", code: 65001,
                   message: "The user or administrator has not consented to use the application with ID '\(client.appId)' named '\(client.displayName)'. Send an interactive authorization request for this user and resource.",
                   suberror: "consent_required")
    }

    /// 650053 (inferred `invalid_scope`): a scope the resource does not expose.
    static func scopeNotExposed(_ scope: String, resource: Application, client: Application) -> EntraError {
        EntraError(error: "invalid_scope", code: 650053,
                   message: "The application '\(client.displayName)' asked for scope '\(scope)' that doesn't exist on the resource '\(resource.appId)'. Contact the app vendor.")
    }
}
