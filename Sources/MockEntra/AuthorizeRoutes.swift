import Foundation
import EntraDirectory
import HTTPServer
import TokenService

/// `/{tenant}/oauth2/v2.0/authorize`, the sign-in form's `/{tenant}/login`, and logout. Entra's
/// rules (validation, credentials, codes) are the token service's; this type only turns them into
/// pages, cookies and redirects.
struct AuthorizeRoutes: Sendable {
    let service: TokenService
    let sessions: BrowserSessionStore
    /// Sign a `login_hint` user in without a page (`MockEntraOptions.autoSignInLoginHint`).
    let autoSignInLoginHint: Bool

    /// GET (query) or POST (form body) with the OAuth parameters.
    /// `v1`: the v1 endpoint, whose `resource` is turned into a v2 `scope` first; the hidden
    /// context carries the translated request, so the rest of the sign-in is v2's.
    func authorize(_ context: RequestContext, tenant: String, v1: Bool = false) -> HTTPResponse {
        let request = context.request
        // HEAD is not served: a HEAD must not sign anyone in or issue a code.
        guard request.method == "GET" || request.method == "POST" else {
            return .text("Method not allowed\n", status: 405)
        }
        // A POST's query and body are read as one request, so a parameter in both is duplicated
        // (9000411), as one sent twice in either is. Whether Entra merges them so is not
        // documented (our choice: a client that sends two values cannot expect either to win).
        var pairs = context.query.pairs.map { ($0.name, $0.value) }
        if request.method == "POST", let form = try? FormData(parsing: request.body) {
            pairs += form.pairs.map { ($0.name, $0.value) }
        }
        if v1 { pairs = TokenService.v1AuthorizeParameters(pairs) }
        let validated: AuthorizeRequest
        switch service.validateAuthorize(pairs, tenant: tenant) {
        case .errorPage(let stamped): return .html(SignInPages.error(stamped), status: 400)
        case .redirect(let response): return AuthorizeRedirect.response(response)
        case .valid(let valid): validated = valid
        }
        let flow = SignInFlow(routes: self, context: context, tenant: tenant, request: validated,
                              encodedContext: FormData(pairs: pairs).encoded)
        return flow.start()
    }

    /// The sign-in and picker forms post here (Entra's own form posts to `/{tenant}/login` too).
    func login(_ context: RequestContext, tenant: String) -> HTTPResponse {
        guard context.request.method == "POST", let form = try? FormData(parsing: context.request.body),
              let encoded = form.first("ctx"), let original = try? FormData(parsing: Array(encoded.utf8)) else {
            return .text("The sign-in form was incomplete. Start again from the application.\n", status: 400)
        }
        // The hidden context is the client's request: validated again, exactly as at /authorize.
        let validated: AuthorizeRequest
        switch service.validateAuthorize(original.pairs.map { ($0.name, $0.value) }, tenant: tenant) {
        case .errorPage(let stamped): return .html(SignInPages.error(stamped), status: 400)
        case .redirect(let response): return AuthorizeRedirect.response(response)
        case .valid(let valid): validated = valid
        }
        let flow = SignInFlow(routes: self, context: context, tenant: tenant, request: validated, encodedContext: encoded)
        return flow.submit(form)
    }

    /// Ends the browser session and returns to a registered `post_logout_redirect_uri` (with
    /// `state`), or shows the signed-out page.
    func logout(_ context: RequestContext, tenant: String) -> HTTPResponse {
        var parameters = context.query
        if context.request.method == "POST", let form = try? FormData(parsing: context.request.body) {
            parameters = FormData(pairs: parameters.pairs.map { ($0.name, $0.value) } + form.pairs.map { ($0.name, $0.value) })
        }
        sessions.end(SessionCookie.read(context.request))
        let clear = SessionCookie.clear(secure: context.request.isTLS)
        if let target = parameters.first("post_logout_redirect_uri"), !target.isEmpty,
           service.isRegisteredLogoutRedirect(target, tenant: tenant, clientId: parameters.first("client_id")) {
            var location = target
            if let state = parameters.first("state") {
                location += (target.contains("?") ? "&" : "?") + "state=" + PercentEncoding.encodeComponent(state)
            }
            return HTTPResponse(status: 302, headers: HTTPHeaders([("Location", location), ("Cache-Control", "no-store, no-cache"), clear]))
        }
        return .html(SignInPages.signedOut(), headers: [clear])
    }
}

/// One sign-in decision for a validated /authorize request: SSO, a page, or a redirect.
struct SignInFlow {
    let routes: AuthorizeRoutes
    let context: RequestContext
    let tenant: String
    let request: AuthorizeRequest
    let encodedContext: String

    var service: TokenService { routes.service }
    var cookie: String? { SessionCookie.read(context.request) }
    var formAction: String { "/" + PercentEncoding.encodeComponent(tenant) + "/login" }

    /// This browser's sign-ins that still count for this tenant.
    var accounts: [Authentication] {
        service.rememberedSignIns(routes.sessions.accounts(cookie), for: request.tenant)
    }

    func silentAccount(_ accounts: [Authentication]) -> Authentication? {
        service.singleSignOnAccount(among: accounts, loginHint: request.loginHint, tenant: request.tenant)
    }

    func start() -> HTTPResponse {
        let accounts = self.accounts
        switch request.prompt {
        case "none"?:
            if let account = silentAccount(accounts) { return issueSilently(account) }
            return redirectError(service.stamped(.loginRequired()), method: "sso")
        case "login"?:
            return passwordPage(userName: request.loginHint)
        case "select_account"?:
            return accounts.isEmpty ? passwordPage(userName: request.loginHint) : pickerPage(accounts)
        default:
            if routes.autoSignInLoginHint, let hint = request.loginHint, !hint.isEmpty,
               case .success(let authentication) = service.signInWithoutPassword(userName: hint, tenant: request.tenant) {
                return issue(authentication, method: "login_hint", remember: true)
            }
            if let account = silentAccount(accounts) { return issue(account, method: "sso") }
            if accounts.count > 1, request.loginHint == nil { return pickerPage(accounts) }
            return passwordPage(userName: request.loginHint)
        }
    }

    /// A post from the password or picker form.
    func submit(_ form: FormData) -> HTTPResponse {
        let action = form.first("action")
        if action == "cancel" { return redirectError(service.stamped(.userCancelled()), method: "cancel") }
        if action == "other" { return passwordPage(userName: nil) }
        if action == "verify", let stepId = form.first("mfa_step") {
            // The hidden `method` only names the record's grant type; anything unexpected is a password sign-in.
            let method = form.first("method").flatMap { ["password", "sso", "login_hint"].contains($0) ? $0 : nil } ?? "password"
            return verifySecondFactor(stepId: stepId, code: form.first("otc_code") ?? "", method: method)
        }
        if action == "abandon" {
            // The enrolment page's way back: the application learns that MFA could not be done.
            return redirectError(service.stamped(.multiFactorNotRegistered()), method: "abandon")
        }
        if action == nil, let userId = form.first("account"), request.prompt != "login" {
            if let account = accounts.first(where: { $0.userId == userId }) { return issue(account, method: "sso") }
            // A session revoked since the picker was shown: ask for the password again.
            return passwordPage(userName: request.tenant.user(id: userId)?.userPrincipalName)
        }
        let userName = (form.first("login") ?? "").trimmingCharacters(in: .whitespaces)
        guard !userName.isEmpty else {
            return passwordPage(userName: nil, error: "Enter a valid email address, phone number, or Skype name.")
        }
        switch service.signIn(userName: userName, password: form.first("passwd") ?? "", tenant: request.tenant) {
        case .success(let authentication):
            return issue(authentication, method: "password", remember: true)
        case .failure(let stamped):
            service.recordAuthorize(request, authentication: nil, userName: userName, error: stamped, method: "password")
            return passwordPage(userName: userName, details: stamped)
        }
    }

    /// Issues the code and sends the browser back, unless Conditional Access (or the `claims`
    /// challenge the application passed on) wants more of this sign-in first: a one-time code, or
    /// the password again when a remembered sign-in outlived the sign-in frequency. A remembered
    /// sign-in without MFA never satisfies an MFA demand. A fresh sign-in is remembered in the session.
    /// `decided`: the step already decided for this sign-in (silent SSO decides it first), so
    /// Conditional Access is evaluated once per request.
    func issue(_ authentication: Authentication, method: String, remember: Bool = false,
               decided: SignInDecision? = nil) -> HTTPResponse {
        let decision = decided ?? service.nextStep(after: authentication, for: request, remoteAddress: context.request.remoteAddress)
        let userName = request.tenant.user(id: authentication.userId)?.userPrincipalName ?? ""
        var unmet: StampedError
        switch decision.step {
        case .complete:
            let headers = remember ? rememberHeaders(authentication) : []
            let response = service.authorize(request, authentication: authentication)
            service.recordAuthorize(request, authentication: authentication, userName: nil, error: nil, method: method,
                                    conditionalAccess: decision.evaluations, issued: response)
            return AuthorizeRedirect.response(response, headers: headers)
        case .reauthenticate:
            return passwordPage(userName: userName, error: SignInPages.signInExpiredMessage)
        case .secondFactor(let error):
            if let prompt = service.beginSecondFactor(authentication) {
                // A password sign-in is remembered now: abandoning the code step still leaves the user signed in.
                let headers = remember ? rememberHeaders(authentication) : []
                return .html(SecondFactorPages.codePage(action: formAction, hidden: [("ctx", encodedContext), ("method", method)],
                                                        userName: userName, prompt: prompt), headers: headers)
            }
            // No code step could begin: the demand stands unmet, and no code is issued without it.
            unmet = error
        case .cannotSatisfy(let error):
            unmet = error
        }
        service.recordAuthorize(request, authentication: authentication, userName: nil, error: unmet,
                                method: method, conditionalAccess: decision.evaluations)
        return .html(SecondFactorPages.enrolmentRequired(action: formAction, hidden: [("ctx", encodedContext)], details: unmet))
    }

    /// `prompt=none`: a remembered sign-in that still needs something from the user gets Entra's
    /// error at the redirect URI (`interaction_required`, or `login_required` after the sign-in
    /// frequency ran out) instead of a page.
    func issueSilently(_ authentication: Authentication) -> HTTPResponse {
        let decision = service.nextStep(after: authentication, for: request, remoteAddress: context.request.remoteAddress)
        guard let error = decision.step.error else { return issue(authentication, method: "sso", decided: decision) }
        return redirectError(error, method: "sso", authentication: authentication, conditionalAccess: decision.evaluations)
    }

    /// Sends `error` to the application's redirect URI, and records it: the trace id the
    /// application sees is the record's.
    func redirectError(_ error: StampedError, method: String, authentication: Authentication? = nil,
                       conditionalAccess: [PolicyEvaluation] = []) -> HTTPResponse {
        service.recordAuthorize(request, authentication: authentication, userName: nil, error: error, method: method,
                                conditionalAccess: conditionalAccess)
        return AuthorizeRedirect.response(service.authorizeError(request, error))
    }

    /// The MFA page's post: a right code finishes the sign-in with `mfa` in its `amr`.
    func verifySecondFactor(stepId: String, code: String, method: String) -> HTTPResponse {
        let pending = service.secondFactorStep(stepId)
        let userName = pending.flatMap { request.tenant.user(id: $0.userId)?.userPrincipalName }
        switch service.completeSecondFactor(stepId: stepId, code: code, tenantId: request.tenant.id) {
        case .verified(let authentication):
            return issue(authentication, method: method + "+mfa", remember: true)
        case .wrongCode:
            // The same step again (same code, one attempt fewer).
            guard let pending, let userName else { return passwordPage(userName: nil) }
            return .html(SecondFactorPages.codePage(action: formAction, hidden: [("ctx", encodedContext), ("method", method)],
                                                    userName: userName, prompt: pending, error: SecondFactorPages.wrongCodeMessage))
        case .ended(let stamped):
            service.recordAuthorize(request, authentication: nil, userName: userName, error: stamped, method: method + "+mfa")
            return passwordPage(userName: userName, details: stamped)
        }
    }

    func rememberHeaders(_ authentication: Authentication) -> [(String, String)] {
        let (id, isNew) = routes.sessions.add(authentication, to: cookie)
        return isNew ? [SessionCookie.set(id, secure: context.request.isTLS)] : []
    }

    func passwordPage(userName: String?, error: String? = nil, details: StampedError? = nil) -> HTTPResponse {
        .html(SignInPages.password(action: formAction, context: encodedContext, clientName: request.client.displayName,
                                   userName: userName, error: error, details: details))
    }

    func pickerPage(_ accounts: [Authentication]) -> HTTPResponse {
        let shown = accounts.compactMap { account in
            request.tenant.user(id: account.userId).map {
                PickerAccount(userId: $0.id, userPrincipalName: $0.userPrincipalName, displayName: $0.displayName)
            }
        }
        return .html(SignInPages.picker(action: formAction, context: encodedContext,
                                        clientName: request.client.displayName, accounts: shown))
    }
}
