import Foundation
import EntraDirectory

/// A validated /authorize request: every check that does not need the user has passed.
public struct AuthorizeRequest: Sendable {
    public let tenant: Tenant
    public let client: Application
    public let redirectURI: String
    public let redirectKind: RedirectKind
    /// `query`, `fragment` or `form_post`.
    public let responseMode: String
    public let state: String?
    public let nonce: String?
    public let scope: String
    public let codeChallenge: String?
    public let codeChallengeMethod: String?
    /// `login`, `none`, `select_account`, `consent`, or nil.
    public let prompt: String?
    public let loginHint: String?
    /// The `claims` request parameter (JSON), kept with the code for Conditional Access.
    public let claims: String?
    /// The authority /authorize was called at: the code redeems only there (700005).
    let authority: CodeAuthority
}

/// Where the browser goes next: the redirect URI with these parameters, in this response mode.
public struct AuthorizeResponse: Sendable, Equatable {
    public let redirectURI: String
    public let responseMode: String
    public let parameters: [Parameter]

    public struct Parameter: Sendable, Equatable {
        public let name: String
        public let value: String
    }
}

/// The outcome of validating /authorize. Problems with the client or the redirect URI are shown
/// on an error page and never redirected (an attacker could otherwise bounce users anywhere);
/// every other problem goes back to the (validated) redirect URI as `error` + `error_description`.
public enum AuthorizeValidation: Sendable {
    case valid(AuthorizeRequest)
    case errorPage(StampedError)
    case redirect(AuthorizeResponse)
}

extension TokenService {
    public func validateAuthorize(_ query: [(String, String)], tenant segment: String) -> AuthorizeValidation {
        let now = clock.now()
        func page(_ error: EntraError) -> AuthorizeValidation {
            .errorPage(StampedError.fresh(error, at: now))
        }
        // A parameter sent twice is refused before anything else, on the error page: Entra shows
        // "Sorry, but we're having trouble signing you in. AADSTS9000411" (anthropics/claude-code#21309,
        // an MCP client appending `prompt` to an endpoint that carried one), and a request it cannot
        // read has no redirect URI it could trust.
        var values: [String: String] = [:]
        for (name, value) in query {
            guard values.updateValue(value, forKey: name) == nil else { return page(.duplicateParameter(name)) }
        }

        guard let clientId = values["client_id"], !clientId.isEmpty else { return page(.missingParameter("client_id")) }
        let tenant: Tenant
        switch TenantSelection.resolveForUser(segment, clientId: clientId, in: directory) {
        case .success(let found): tenant = found
        case .failure(let error): return page(error)
        }
        let client: Application
        do { client = try ClientAuthenticator.application(clientId, in: tenant) } catch { return page(error) }
        // Before the request's own redirect URI is looked at: the reported cases send one (often a
        // right one, the app merely lacks the platform) and still get 500113.
        guard !client.redirectURIs.isEmpty else { return page(.noRedirectURIRegistered()) }
        guard let redirectURI = values["redirect_uri"] ?? client.defaultRedirectURI else {
            return page(.missingParameter("redirect_uri"))
        }
        guard let kind = RedirectURIs.kind(of: redirectURI, registeredOn: client) else {
            return page(.unregisteredRedirectURI(redirectURI, appId: client.appId))
        }
        let state = values["state"]
        let requestedMode = values["response_mode"] ?? "query"
        // An unknown mode's error goes back in the default mode, query (our choice: Entra's is not documented).
        let responseMode = ["query", "fragment", "form_post"].contains(requestedMode) ? requestedMode : "query"
        func redirect(_ error: String, _ entra: EntraError) -> AuthorizeValidation {
            let stamped = StampedError.fresh(entra, at: now)
            return .redirect(Self.errorResponse(redirectURI: redirectURI, responseMode: responseMode, state: state,
                                                error: error, description: stamped.description))
        }
        guard requestedMode == responseMode else { return redirect("invalid_request", .unsupportedResponseMode(requestedMode)) }
        guard values["response_type"] == "code" else {
            return redirect("unsupported_response_type", .unsupportedResponseType(values["response_type"] ?? ""))
        }
        guard let scope = values["scope"], !scope.isEmpty else { return redirect("invalid_request", .missingParameter("scope")) }
        do { try ScopeParser.checkAtAuthorize(scope) } catch { return redirect("invalid_scope", error) }
        // With several resources, `resource` (RFC 8707) must name the first: the one a redemption
        // without `scope` is for (our choice; Entra's rule for several resources is not documented).
        do { try ResourceIndicator.check(values["resource"], scope: ScopeParser.firstResourceOnly(scope)) } catch {
            return redirect(error.error, error)
        }
        do { try DelegatedPermissions.checkAtAuthorize(scope, client: client, tenant: tenant) } catch {
            return redirect(error.error, error)
        }
        let challenge = values["code_challenge"]
        // "Required if code_challenge_method is included" (auth-code flow doc): without it the code
        // would later redeem without any verifier.
        if challenge == nil, values["code_challenge_method"] != nil { return redirect("invalid_request", .missingCodeChallenge()) }
        let method = values["code_challenge_method"] ?? (challenge == nil ? nil : "plain")
        if let method, method != "S256", method != "plain" { return redirect("invalid_request", .invalidCodeChallengeMethod(method)) }
        if let challenge, let method, !Self.codeChallengeHasValidSize(challenge, method: method) {
            return redirect("invalid_request", .invalidCodeChallengeSize())
        }
        let prompt = values["prompt"]
        if let prompt, !["login", "none", "select_account", "consent", "create"].contains(prompt) {
            return redirect("invalid_request", .unsupportedPrompt())
        }
        return .valid(AuthorizeRequest(
            tenant: tenant, client: client, redirectURI: redirectURI, redirectKind: kind, responseMode: responseMode,
            state: state, nonce: values["nonce"], scope: scope, codeChallenge: challenge, codeChallengeMethod: method,
            prompt: prompt, loginHint: values["login_hint"], claims: values["claims"],
            authority: CodeAuthority(segment: segment, tenant: tenant)))
    }

    /// Password sign-in for the sign-in page and the headless test-control call. `mfa: true` is the
    /// emulator's stand-in for a completed second factor (`amr` gains `mfa`), refused (50079) for a
    /// user without `mfa.registered`, who could never complete one.
    public func signIn(userName: String, password: String, tenant: Tenant, mfa: Bool = false) -> Result<Authentication, StampedError> {
        let now = clock.now()
        do throws(EntraError) {
            let (user, authentication) = try UserAuthenticator.signIn(name: userName, password: password, tenant: tenant, now: now)
            return .success(mfa ? try UserAuthenticator.withSecondFactor(authentication, user: user) : authentication)
        } catch {
            return .failure(StampedError.fresh(error, at: now))
        }
    }

    /// Signs a user in without a password: the scenario's own test users, for headless tests that
    /// are not about passwords. The account must exist and be enabled. `mfa: true` is a sign-in with
    /// a second factor (`amr` `["pwd","mfa"]`), which only a user with `mfa.registered` can have
    /// (otherwise 50079) — an honest stand-in for the MFA page.
    public func signInWithoutPassword(userName: String, tenant: Tenant, mfa: Bool = false) -> Result<Authentication, StampedError> {
        let now = clock.now()
        do throws(EntraError) {
            let user = try UserAuthenticator.user(named: userName, in: tenant)
            // An agent's user account signs in only through its agent (user_fic): it has no
            // password, so it is refused as a wrong one would be.
            guard user.agentIdentityAppId == nil else { throw EntraError.invalidUserCredentials() }
            guard user.accountEnabled else { throw EntraError.userDisabled() }
            // No password is checked, but the account must be able to sign in: an expired password
            // stops every sign-in until it is changed.
            guard !user.passwordExpired else { throw EntraError.passwordExpired() }
            let authentication = Authentication(tenantId: tenant.id, userId: user.id, authTime: now, methods: ["pwd"],
                                                sessionId: Identifiers.randomGUID())
            return .success(mfa ? try UserAuthenticator.withSecondFactor(authentication, user: user) : authentication)
        } catch {
            return .failure(StampedError.fresh(error, at: now))
        }
    }

    /// Issues the code for a signed-in user and says where to send it.
    public func authorize(_ request: AuthorizeRequest, authentication: Authentication) -> AuthorizeResponse {
        let now = clock.now()
        let code = stores.authorizationCodes.issue(StoredAuthorizationCode(
            clientId: request.client.appId, tenantId: request.tenant.id, redirectURI: request.redirectURI,
            scope: request.scope, nonce: request.nonce, codeChallenge: request.codeChallenge,
            codeChallengeMethod: request.codeChallengeMethod, claims: request.claims, authentication: authentication,
            expiresAt: now.addingTimeInterval(AuthorizationCodeStore.lifetime), issuedToSPA: request.redirectKind == .spa,
            authority: request.authority))
        var parameters = [AuthorizeResponse.Parameter(name: "code", value: code)]
        if let state = request.state { parameters.append(.init(name: "state", value: state)) }
        parameters.append(.init(name: "session_state", value: authentication.sessionId))
        return AuthorizeResponse(redirectURI: request.redirectURI, responseMode: request.responseMode, parameters: parameters)
    }

    /// An error sent back to the application (`access_denied` on cancel, `login_required` for
    /// `prompt=none` without a session, ...): the same stamped error the sign-in's record holds, so
    /// the trace id the application sees finds the record.
    public func authorizeError(_ request: AuthorizeRequest, _ stamped: StampedError) -> AuthorizeResponse {
        Self.errorResponse(redirectURI: request.redirectURI, responseMode: request.responseMode, state: request.state,
                           error: stamped.error.error, description: stamped.description)
    }

    /// An error stamped now (trace and correlation ids, timestamp), for the sign-in pages.
    public func stamped(_ error: EntraError) -> StampedError {
        StampedError.fresh(error, at: clock.now())
    }

    /// Makes every refresh token and code from this user's earlier sign-ins fail with AADSTS50173.
    public func revokeSessions(userId: String) {
        stores.revokeSessions(userId: userId, at: clock.now())
    }

    /// RFC 7636 sizes, which Entra enforces (501491): an S256 challenge is the 43 characters of an
    /// unpadded base64url SHA-256 (clients that keep the `=` padding, 44 characters, are refused);
    /// a plain challenge is the verifier itself, 43 to 128 characters.
    static func codeChallengeHasValidSize(_ challenge: String, method: String) -> Bool {
        let count = challenge.utf8.count
        return method == "S256" ? count == 43 : (43...128).contains(count)
    }

    static func errorResponse(redirectURI: String, responseMode: String, state: String?, error: String, description: String) -> AuthorizeResponse {
        var parameters = [AuthorizeResponse.Parameter(name: "error", value: error),
                          .init(name: "error_description", value: description)]
        if let state { parameters.append(.init(name: "state", value: state)) }
        return AuthorizeResponse(redirectURI: redirectURI, responseMode: responseMode, parameters: parameters)
    }
}

extension Application {
    /// Every platform's redirect URIs (web, single-page, mobile and desktop).
    var redirectURIs: [String] { webRedirectUris + spaRedirectUris + publicClientRedirectUris }

    /// Entra uses the only registered redirect URI when a request names none.
    var defaultRedirectURI: String? {
        redirectURIs.count == 1 ? redirectURIs[0] : nil
    }
}

extension EntraError {
    /// 50011 at /authorize: shown on an error page, never redirected.
    static func unregisteredRedirectURI(_ uri: String, appId: String) -> EntraError {
        EntraError(error: "invalid_request", code: 50011,
                   message: "The redirect URI '\(uri)' specified in the request does not match the redirect URIs configured for the application '\(appId)'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.")
    }

    /// 500113 at /authorize, on the error page, for an application with no redirect URI on any
    /// platform (OneDrive/onedrive-sample-apibrowser-dotnet#27, KoenZomers/OneDriveAPI#33). Only the
    /// page's text is seen; the `error` value is our choice.
    static func noRedirectURIRegistered() -> EntraError {
        EntraError(error: "invalid_request", code: 500113, message: "No reply address is registered for the application.")
    }

    static func unsupportedResponseType(_ type: String) -> EntraError {
        EntraError(error: "unsupported_response_type", code: 700054, message: "Response_type '\(type)' is not enabled for the application.")
    }

    /// 70007 UnsupportedResponseMode (error-code reference), worded and redirected as Entra does
    /// (OfficeDev/microsoft-365-agents-toolkit#16748: `?error=invalid_request&error_description=AADSTS70007…`).
    static func unsupportedResponseMode(_ mode: String) -> EntraError {
        EntraError(error: "invalid_request", code: 70007,
                   message: "The application requested an unsupported mode '\(mode)' when requesting a token.")
    }

    static func invalidCodeChallengeMethod(_ method: String) -> EntraError {
        EntraError(error: "invalid_request", code: 50122, message: "The code_challenge_method '\(method)' is not supported. Use 'S256' or 'plain'.")
    }

    /// 501491 (MicrosoftDocs/azure-docs#42906; Entra's error-code list).
    static func invalidCodeChallengeSize() -> EntraError {
        EntraError(error: "invalid_request", code: 501491, message: "Invalid size of Code_Challenge parameter.")
    }

    /// 50147 MissingCodeChallenge: `code_challenge_method` without `code_challenge`. The error-code
    /// reference names it; the text is the one Entra shows (michaelmsonne/ManagedIdentityPermissionManager#7).
    /// The `error` value is inferred, as for the other PKCE errors.
    static func missingCodeChallenge() -> EntraError {
        EntraError(error: "invalid_request", code: 50147, message: "Invalid size of the code challenge parameter.")
    }

    /// 90023 as Entra words it, without the value (AzureAD/passport-azure-ad#331 for `admin_consent`,
    /// opencloud-eu/desktop#871 for `consent select_account`: one value only, unlike OIDC's list).
    static func unsupportedPrompt() -> EntraError {
        EntraError(error: "invalid_request", code: 90023, message: "Unsupported 'prompt' value.")
    }

    /// 50058: `prompt=none` with no signed-in user.
    public static func loginRequired() -> EntraError {
        EntraError(error: "login_required", code: 50058, message: "A silent sign-in request was sent but no user is signed in.")
    }

    /// 65004 (the user declined): the sign-in page's Cancel button.
    public static func userCancelled() -> EntraError {
        EntraError(error: "access_denied", code: 65004, message: "User declined to consent to access the app.")
    }
}
