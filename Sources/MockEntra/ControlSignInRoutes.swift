import Foundation
import EntraDirectory
import HTTPServer
import JOSE
import TokenService

/// Test-control calls that stand in for a person at a browser: sign in for an /authorize request,
/// approve or decline a device code, revoke a user's sessions.
extension ControlRoutes {
    struct SignInRequest: Decodable {
        /// The full /authorize URL a client built, or only its query.
        let authorizeUrl: String
        let username: String
        /// Checked when given; without it the user signs in with no password (still must be enabled).
        let password: String?
        /// The user also passed a second factor (`amr` gains `mfa`); refused for users without
        /// `mfa.registered`, as Entra's MFA step would be.
        let mfa: Bool?
    }

    struct SignInResult: Encodable {
        let redirectUrl: String?
        let redirectUri: String
        let responseMode: String
        let code: String?
        let state: String?
        let parameters: [String: String]
    }

    struct DeviceDecision: Decodable {
        let username: String?
        let password: String?
        let mfa: Bool?
    }

    /// `POST /_mockentra/signin`: `{"authorizeUrl", "username", "password"?, "mfa"?}`. Answers where the
    /// browser would go: `redirectUrl` (query/fragment) or `redirectUri` + `parameters` (form_post).
    /// Conditional Access is applied as on the sign-in page: when a policy or the request's `claims`
    /// demand MFA, only `"mfa": true` gets a code; otherwise the answer is Entra's 50076 (or 50079
    /// for a user without MFA) with the `claims`, so a test sees why.
    func headlessSignIn(_ body: [UInt8], baseURL: String, remoteAddress: String) -> HTTPResponse {
        guard let input = ControlJSON.decode(SignInRequest.self, from: body) else {
            return .json(ControlError(error: "Expected a JSON body with authorizeUrl, username and optionally password."), status: 400)
        }
        let (tenant, query, v1) = Self.splitAuthorizeURL(input.authorizeUrl)
        guard let form = try? FormData(parsing: Array(query.utf8)) else {
            return .json(ControlError(error: "authorizeUrl has a malformed query string."), status: 400)
        }
        var pairs = form.pairs.map { ($0.name, $0.value) }
        if v1 { pairs = TokenService.v1AuthorizeParameters(pairs) }
        // No tenant in the URL: the tenant that registers the client, so the code redeems at
        // /{tenant} as a test expects (a code is bound to its authority: 700005); else `common`.
        let home = form.first("client_id").flatMap(service.homeTenantId(ofClient:))
        let request: AuthorizeRequest
        switch service.validateAuthorize(pairs, tenant: tenant ?? home ?? "common") {
        case .errorPage(let stamped):
            return .json(bytes: EntraErrorBody.json(stamped, baseURL: baseURL), status: 400)
        case .redirect(let response):
            return .json(Self.result(response), status: 400)
        case .valid(let valid):
            request = valid
        }
        let mfa = input.mfa ?? false
        switch signIn(userName: input.username, password: input.password, mfa: mfa, tenant: request.tenant) {
        case .failure(let stamped):
            service.recordAuthorize(request, authentication: nil, userName: input.username, error: stamped, method: "headless")
            return .json(bytes: EntraErrorBody.json(stamped, baseURL: baseURL), status: 400)
        case .success(let authentication):
            let decision = service.nextStep(after: authentication, for: request, remoteAddress: remoteAddress)
            if let error = decision.step.error {
                service.recordAuthorize(request, authentication: authentication, userName: nil, error: error, method: "headless",
                                        conditionalAccess: decision.evaluations)
                return .json(bytes: EntraErrorBody.json(error, baseURL: baseURL), status: 400)
            }
            let response = service.authorize(request, authentication: authentication)
            service.recordAuthorize(request, authentication: authentication, userName: nil, error: nil,
                                    method: mfa ? "headless+mfa" : "headless", conditionalAccess: decision.evaluations,
                                    issued: response)
            return .json(Self.result(response))
        }
    }

    /// The person a headless call stands in for: the password is checked when given, and `mfa` is a
    /// completed second factor (refused, 50079, for a user without MFA, as the page would be).
    private func signIn(userName: String, password: String?, mfa: Bool, tenant: Tenant) -> Result<Authentication, StampedError> {
        if let password { return service.signIn(userName: userName, password: password, tenant: tenant, mfa: mfa) }
        return service.signInWithoutPassword(userName: userName, tenant: tenant, mfa: mfa)
    }

    /// `GET /_mockentra/users/{upn or id}/mfa-code`: the one-time code the MFA page last "texted" to
    /// the user, while it is valid — what a test reads instead of a phone.
    func oneTimeCode(_ name: String) -> HTTPResponse {
        guard let (_, user) = service.findUser(name) else {
            return .json(ControlError(error: "No user \(name) in the scenario."), status: 404)
        }
        guard let code = service.latestOneTimeCode(userId: user.id) else {
            return .json(ControlError(error: "No one-time code is pending for \(user.userPrincipalName)."), status: 404)
        }
        return .json(["userPrincipalName": user.userPrincipalName, "code": code])
    }

    /// The tenant segment and query of an /authorize URL, and whether it is the v1 endpoint
    /// (`…/oauth2/authorize`, whose `resource=` the route translates to v2). A bare query, or a URL
    /// without `/oauth2/`, names no tenant (nil).
    static func splitAuthorizeURL(_ text: String) -> (tenant: String?, query: String, v1: Bool) {
        guard let mark = text.firstIndex(of: "?") else {
            return text.contains("=") ? (nil, text, false) : (nil, "", false)
        }
        let query = String(text[text.index(after: mark)...].prefix { $0 != "#" })
        var path = Substring(text[..<mark])
        if let scheme = path.range(of: "://") {
            path = path[scheme.upperBound...].drop { $0 != "/" }
        }
        let segments = path.split(separator: "/").map { PercentEncoding.decode($0, plusAsSpace: false) ?? String($0) }
        // The segment before `oauth2` (…/{tenant}/oauth2/v2.0/authorize).
        guard let oauth = segments.firstIndex(of: "oauth2"), oauth > 0 else { return (nil, query, false) }
        return (segments[oauth - 1], query, segments.dropFirst(oauth + 1).first == "authorize")
    }

    static func result(_ response: AuthorizeResponse) -> SignInResult {
        var parameters: [String: String] = [:]
        for parameter in response.parameters { parameters[parameter.name] = parameter.value }
        return SignInResult(redirectUrl: response.responseMode == "form_post" ? nil : AuthorizeRedirect.url(response),
                            redirectUri: response.redirectURI, responseMode: response.responseMode,
                            code: parameters["code"], state: parameters["state"], parameters: parameters)
    }

    /// `POST /_mockentra/users/{upn or id}/revoke-sessions`: earlier refresh tokens fail with
    /// AADSTS50173 and browser sessions stop giving SSO.
    func revokeSessions(_ name: String) -> HTTPResponse {
        guard let (_, user) = service.findUser(name) else {
            return .json(ControlError(error: "No user \(name) in the scenario."), status: 404)
        }
        service.revokeSessions(userId: user.id)
        return .json(["userId": user.id, "userPrincipalName": user.userPrincipalName])
    }

    /// `POST /_mockentra/devicecodes/{user_code}/approve` (`{"username", "password"?}`) or `/decline`.
    func decideDeviceCode(_ userCode: String, approve: Bool, body: [UInt8], baseURL: String, remoteAddress: String) -> HTTPResponse {
        guard let info = service.deviceCodeInfo(userCode: userCode) else {
            return .json(ControlError(error: "No pending device code \(userCode) (unknown, expired or already decided)."), status: 404)
        }
        guard approve else {
            return service.declineDevice(info) ? .noContent
                : .json(ControlError(error: "Device code \(userCode) was already decided."), status: 409)
        }
        guard let input = ControlJSON.decode(DeviceDecision.self, from: body), let userName = input.username else {
            return .json(ControlError(error: "Expected a JSON body with username and optionally password."), status: 400)
        }
        switch signIn(userName: userName, password: input.password, mfa: input.mfa ?? false, tenant: info.tenant) {
        case .failure(let stamped):
            service.recordDeviceLogin(info, authentication: nil, userName: userName, error: stamped, method: "headless")
            return .json(bytes: EntraErrorBody.json(stamped, baseURL: baseURL), status: 400)
        case .success(let authentication):
            let decision = service.nextStep(after: authentication, forDeviceCode: info, remoteAddress: remoteAddress)
            if let error = decision.step.error {
                service.recordDeviceLogin(info, authentication: authentication, userName: nil, error: error, method: "headless",
                                          conditionalAccess: decision.evaluations)
                return .json(bytes: EntraErrorBody.json(error, baseURL: baseURL), status: 400)
            }
            return service.approveDevice(info, authentication: authentication, method: "headless",
                                         conditionalAccess: decision.evaluations) ? .noContent
                : .json(ControlError(error: "Device code \(userCode) was already decided."), status: 409)
        }
    }
}
