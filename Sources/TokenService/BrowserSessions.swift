import Foundation
import EntraDirectory

/// Entra rules the HTTP layer needs around browser sign-in: whether a remembered sign-in still
/// counts (single sign-on), which logout redirects are allowed, and one exchange record per
/// /authorize or device-login outcome so tests see sign-ins next to token requests.
extension TokenService {
    /// The sign-ins a browser remembers that still count for `tenant`, most recent first.
    public func rememberedSignIns(_ remembered: [Authentication], for tenant: Tenant) -> [Authentication] {
        remembered.filter { $0.tenantId == tenant.id && isSessionValid($0) }
    }

    /// The remembered sign-in single sign-on uses without asking: the `login_hint` user's (none
    /// when the hint names someone else), else the only one; with several and no hint, the user picks.
    public func singleSignOnAccount(among accounts: [Authentication], loginHint: String?, tenant: Tenant) -> Authentication? {
        if let hint = loginHint, !hint.isEmpty {
            guard let user = tenant.user(userPrincipalName: hint) else { return nil }
            return accounts.first { $0.userId == user.id }
        }
        return accounts.count == 1 ? accounts[0] : nil
    }

    /// A sign-in kept in a browser session still gives SSO only while the user exists, is enabled,
    /// and has had no session revocation since (the same rule as AADSTS50173 for refresh tokens).
    public func isSessionValid(_ authentication: Authentication) -> Bool {
        guard let tenant = directory.tenants.first(where: { $0.id == authentication.tenantId }) else { return false }
        return (try? stores.activeUser(of: authentication, in: tenant)) != nil
    }

    /// `post_logout_redirect_uri` is honoured only when it is a redirect URI registered on an
    /// application of the tenant (on `client_id`'s application when the request names one);
    /// anything else would make logout an open redirector.
    public func isRegisteredLogoutRedirect(_ uri: String, tenant segment: String, clientId: String?) -> Bool {
        let tenants: [Tenant]
        if let tenant = directory.tenant(matching: segment) {
            tenants = [tenant]
        } else if Directory.tenantlessSegments.contains(segment.lowercased()) {
            tenants = directory.tenants
        } else {
            return false
        }
        for tenant in tenants {
            let apps = clientId.map { id in tenant.application(appId: id).map { [$0] } ?? [] } ?? tenant.applications
            if apps.contains(where: { RedirectURIs.kind(of: uri, registeredOn: $0) != nil }) { return true }
        }
        return false
    }

    /// The user a name refers to in any tenant (UPN or object id), for the test-control API.
    public func findUser(_ name: String) -> (Tenant, User)? {
        for tenant in directory.tenants {
            if let user = tenant.user(userPrincipalName: name) ?? tenant.user(id: name) { return (tenant, user) }
        }
        return nil
    }

    /// Records an /authorize outcome: a code issued to `response` for the signed-in user, or the
    /// sign-in error. `method` says how the user signed in (`password`, `sso`, `headless`,
    /// `login_hint`, `cancel`, with `+mfa` once a one-time code was entered); the record's
    /// `grantType` is `authorize:<method>` so tests can filter sign-ins apart from token requests.
    /// `conditionalAccess` holds the policies evaluated for the sign-in's MFA decision; `response`
    /// is what was sent back, so the record can name the code it issued.
    @discardableResult
    public func recordAuthorize(_ request: AuthorizeRequest, authentication: Authentication?, userName: String?,
                                error: StampedError?, method: String, conditionalAccess: [PolicyEvaluation] = [],
                                issued response: AuthorizeResponse? = nil) -> Int {
        var record = signInRecord(endpoint: "/\(request.tenant.id)/oauth2/v2.0/authorize", grantType: "authorize:" + method,
                                  tenant: request.tenant, client: request.client, scope: request.scope, claims: request.claims,
                                  authentication: authentication, userName: userName, error: error,
                                  conditionalAccess: conditionalAccess)
        if let code = response?.parameters.first(where: { $0.name == "code" })?.value {
            // Named by digest, as the code grant's `redeemedGrantId` names it: chains start here.
            record.issuedTokens = [.init(type: "code", uti: Identifiers.grantId(authorizationCode: code),
                                         expiresAt: record.time.addingTimeInterval(AuthorizationCodeStore.lifetime))]
        }
        return log.append(record)
    }

    /// Records what happened on the device-login page for a device code: the user approved it
    /// (`issued`: the device's next poll gets tokens), declined it (`method` `cancel`, the error the
    /// device will get), or the sign-in failed. `grantType` is `devicelogin:<method>`, with the same
    /// methods as /authorize; the device's token request is recorded separately when it polls.
    @discardableResult
    public func recordDeviceLogin(_ info: DeviceCodeInfo, authentication: Authentication?, userName: String?,
                                  error: StampedError?, method: String, conditionalAccess: [PolicyEvaluation] = []) -> Int {
        let record = signInRecord(endpoint: "/devicelogin", grantType: "devicelogin:" + method, tenant: info.tenant,
                                  client: info.tenant.application(appId: info.clientId), scope: info.scope, claims: info.claims,
                                  authentication: authentication, userName: userName, error: error,
                                  conditionalAccess: conditionalAccess)
        return log.append(record)
    }

    /// One sign-in on a page of the server, as an exchange record (not yet appended).
    private func signInRecord(endpoint: String, grantType: String, tenant: Tenant, client: Application?, scope: String,
                              claims: String?, authentication: Authentication?, userName: String?, error: StampedError?,
                              conditionalAccess: [PolicyEvaluation]) -> ExchangeRecord {
        var record = ExchangeRecord(endpoint: endpoint, time: clock.now(),
                                    traceId: error?.traceId ?? Identifiers.randomGUID(),
                                    correlationId: error?.correlationId ?? Identifiers.randomGUID())
        record.tenantId = tenant.id
        record.grantType = grantType
        record.client = client.map { .init(appId: $0.appId, displayName: $0.displayName, authenticationMethod: nil) }
        record.requestedScopes = ScopeParser.split(scope)
        record.sessionId = authentication?.sessionId
        record.authenticationMethods = authentication?.methods
        record.claimsRequest = claims
        record.conditionalAccess = conditionalAccess
        if let authentication, let user = tenant.user(id: authentication.userId) {
            record.subject = .init(kind: "user", id: user.id, name: user.userPrincipalName)
        } else if let userName {
            record.subject = .init(kind: "user", id: tenant.user(userPrincipalName: userName)?.id ?? "", name: userName)
        }
        if let error {
            record.outcome = "error"
            record.failure = .init(error: error.error.error, code: error.error.code, description: error.description,
                                   suberror: error.error.suberror, claims: error.error.claims)
        } else {
            record.outcome = "issued"
        }
        return record
    }
}
