import Foundation
import HTTPServer
import TokenService

/// `/devicelogin`, the device flow's `verification_uri`: enter the code, then sign in (a
/// remembered account or a password) and approve, or decline. Each step is one form post; the
/// code travels in a hidden field, so the server keeps no page state.
struct DeviceLoginRoutes: Sendable {
    let service: TokenService
    let sessions: BrowserSessionStore

    static let path = "/devicelogin"

    func handle(_ context: RequestContext) -> HTTPResponse {
        let request = context.request
        guard request.method == "POST" else {
            // `?otc=CODE` pre-fills the code, as Entra's page accepts.
            return .html(codePage(prefill: context.query.first("otc"), error: nil))
        }
        guard let form = try? FormData(parsing: request.body) else { return .html(codePage(prefill: nil, error: nil), status: 400) }
        let code = (form.first("otc") ?? "").trimmingCharacters(in: .whitespaces)
        guard let info = service.deviceCodeInfo(userCode: code) else {
            return .html(codePage(prefill: code, error: "That code didn’t work. Check the code and try again."))
        }
        switch form.first("action") {
        case "verify"?:
            return verifySecondFactor(context, info: info, form: form)
        case "decline"?, "cancel"?:
            _ = service.declineDevice(info)
            return .html(HTML.page(title: "Cancelled", body: "<h1>You declined</h1><p id=\"declined\">You declined to sign in to \(HTML.escape(info.clientDisplayName)) on the other device. You may now close this window.</p>"))
        case "approve"?:
            return approve(context, info: info, form: form)
        case nil where form.first("account") != nil:
            // An account button: approve as that remembered account.
            return approve(context, info: info, form: form)
        default:
            return .html(accountPage(context, info: info, userName: nil, details: nil))
        }
    }

    private func approve(_ context: RequestContext, info: DeviceCodeInfo, form: FormData) -> HTTPResponse {
        let cookie = SessionCookie.read(context.request)
        var headers: [(String, String)] = []
        let authentication: Authentication
        let method: String
        if let userId = form.first("account"),
           let remembered = rememberedAccounts(cookie, info: info).first(where: { $0.userId == userId }) {
            authentication = remembered
            method = "sso"
        } else {
            let userName = (form.first("login") ?? "").trimmingCharacters(in: .whitespaces)
            switch service.signIn(userName: userName, password: form.first("passwd") ?? "", tenant: info.tenant) {
            case .failure(let stamped):
                service.recordDeviceLogin(info, authentication: nil, userName: userName, error: stamped, method: "password")
                return .html(accountPage(context, info: info, userName: userName, details: stamped))
            case .success(let signedIn):
                authentication = signedIn
                method = "password"
                let (id, isNew) = sessions.add(signedIn, to: cookie)
                if isNew { headers.append(SessionCookie.set(id, secure: context.request.isTLS)) }
            }
        }
        return finish(context, info: info, authentication: authentication, method: method, headers: headers)
    }

    /// Approves the code once the sign-in meets what Conditional Access (or the `claims` the device
    /// authorization carried) demands for the code's resource: possibly a one-time code first.
    /// `method` names the sign-in in the exchange record, as at /authorize.
    private func finish(_ context: RequestContext, info: DeviceCodeInfo, authentication: Authentication,
                        method: String, headers: [(String, String)]) -> HTTPResponse {
        let decision = service.nextStep(after: authentication, forDeviceCode: info, remoteAddress: context.request.remoteAddress)
        let userName = info.tenant.user(id: authentication.userId)?.userPrincipalName ?? ""
        switch decision.step {
        case .complete:
            break
        case .reauthenticate:
            return .html(accountPage(context, info: info, userName: userName, details: nil,
                                     notice: SignInPages.signInExpiredMessage), headers: headers)
        case .secondFactor(let error):
            if let prompt = service.beginSecondFactor(authentication) {
                return .html(SecondFactorPages.codePage(action: Self.path, hidden: [("otc", info.userCode), ("method", method)],
                                                        userName: userName, prompt: prompt), headers: headers)
            }
            // No code step could begin: the demand stands unmet, and the device is not approved without it.
            service.recordDeviceLogin(info, authentication: authentication, userName: nil, error: error, method: method,
                                      conditionalAccess: decision.evaluations)
            return .html(accountPage(context, info: info, userName: userName, details: error), headers: headers)
        case .cannotSatisfy(let error):
            service.recordDeviceLogin(info, authentication: authentication, userName: nil, error: error, method: method,
                                      conditionalAccess: decision.evaluations)
            return .html(accountPage(context, info: info, userName: userName, details: error), headers: headers)
        }
        guard service.approveDevice(info, authentication: authentication, method: method,
                                    conditionalAccess: decision.evaluations) else {
            return .html(codePage(prefill: nil, error: "That code has expired or was already used. Start again on your device."), headers: headers)
        }
        return .html(HTML.page(title: "Signed in", body: """
            <h1>\(HTML.escape(info.clientDisplayName))</h1>
            <p id="approved">You have signed in to the \(HTML.escape(info.clientDisplayName)) application on your device. You may now close this window.</p>
            """), headers: headers)
    }

    /// The MFA page's post: a right code approves the device with `mfa` in the sign-in's `amr`.
    private func verifySecondFactor(_ context: RequestContext, info: DeviceCodeInfo, form: FormData) -> HTTPResponse {
        let stepId = form.first("mfa_step") ?? ""
        // The hidden field only labels the record; anything but the two page methods reads as password,
        // as at /authorize.
        let firstFactor = form.first("method") == "sso" ? "sso" : "password"
        let method = firstFactor + "+mfa"
        let pending = service.secondFactorStep(stepId)
        let userName = pending.flatMap { info.tenant.user(id: $0.userId)?.userPrincipalName }
        switch service.completeSecondFactor(stepId: stepId, code: form.first("otc_code") ?? "", tenantId: info.tenant.id) {
        case .verified(let authentication):
            let (id, isNew) = sessions.add(authentication, to: SessionCookie.read(context.request))
            let headers = isNew ? [SessionCookie.set(id, secure: context.request.isTLS)] : []
            return finish(context, info: info, authentication: authentication, method: method, headers: headers)
        case .wrongCode:
            guard let pending, let userName else { return .html(accountPage(context, info: info, userName: nil, details: nil)) }
            return .html(SecondFactorPages.codePage(action: Self.path, hidden: [("otc", info.userCode), ("method", firstFactor)],
                                                    userName: userName, prompt: pending, error: SecondFactorPages.wrongCodeMessage))
        case .ended(let stamped):
            service.recordDeviceLogin(info, authentication: nil, userName: userName, error: stamped, method: method)
            return .html(accountPage(context, info: info, userName: userName, details: stamped))
        }
    }

    private func rememberedAccounts(_ cookie: String?, info: DeviceCodeInfo) -> [Authentication] {
        service.rememberedSignIns(sessions.accounts(cookie), for: info.tenant)
    }

    private func codePage(prefill: String?, error: String?) -> String {
        var body = "<h1>Enter code</h1>\n<p class=\"muted\">Enter the code displayed on your app or device.</p>\n"
        if let error { body += HTML.errorMessage(error) }
        body += """
        <form method="post" action="\(Self.path)" id="code">
        <label for="otc">Code</label>
        <input type="text" id="otc" name="otc" autocomplete="off" value="\(HTML.escape(prefill ?? ""))" required>
        <div class="buttons"><button type="submit" id="next">Next</button></div>
        </form>
        """
        return HTML.page(title: "Enter code", body: body)
    }

    private func accountPage(_ context: RequestContext, info: DeviceCodeInfo, userName: String?, details: StampedError?,
                             notice: String? = nil) -> String {
        let name = HTML.escape(info.clientDisplayName)
        var body = "<h1>Sign in</h1>\n<p class=\"muted\">to \(name) on another device. Only continue if you started this sign-in yourself.</p>\n"
        if let details { body += HTML.errorBox(details) }
        if let notice { body += HTML.errorMessage(notice) }
        body += "<form method=\"post\" action=\"\(Self.path)\" id=\"device\">\n\(HTML.hidden("otc", info.userCode))\n"
        for account in rememberedAccounts(SessionCookie.read(context.request), info: info) {
            guard let user = info.tenant.user(id: account.userId) else { continue }
            body += """
            <button type="submit" class="account" name="account" value="\(HTML.escape(user.id))" formnovalidate>\
            Continue as <strong>\(HTML.escape(user.displayName))</strong><br><span class="muted">\(HTML.escape(user.userPrincipalName))</span></button>

            """
        }
        body += """
        \(HTML.credentialFields(userName: userName))
        \(HTML.buttons(cancel: "decline", submit: "approve", id: "submit", label: "Sign in"))
        </form>
        """
        return HTML.page(title: "Sign in", body: body)
    }
}
