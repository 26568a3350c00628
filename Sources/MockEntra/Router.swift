import Foundation
import EntraDirectory
import HTTPServer
import TokenService

/// Maps Entra's URL paths to route handlers. Paths are matched on decoded segments; tenant
/// segments are resolved by the handlers, which answer Entra's errors for unknown tenants.
struct Router: Sendable {
    let discovery: DiscoveryRoutes
    let instance: InstanceRoutes
    let tokens: TokenRoutes
    let control: ControlRoutes
    let authorize: AuthorizeRoutes
    let deviceLogin: DeviceLoginRoutes
    let deviceCodes: DeviceCodeRoutes
    let managedIdentity: ManagedIdentityRoutes

    /// `scenarioFile`: what `POST /_mockentra/scenario/reload` reads again (nil: loaded from memory).
    init(service: TokenService, autoSignInLoginHint: Bool = false, scenarioFile: String? = nil) {
        let sessions = BrowserSessionStore()
        authorize = AuthorizeRoutes(service: service, sessions: sessions, autoSignInLoginHint: autoSignInLoginHint)
        deviceLogin = DeviceLoginRoutes(service: service, sessions: sessions)
        discovery = DiscoveryRoutes(service: service)
        instance = InstanceRoutes(service: service)
        tokens = TokenRoutes(service: service)
        control = ControlRoutes(service: service, scenarioFile: scenarioFile)
        deviceCodes = DeviceCodeRoutes(service: service)
        managedIdentity = ManagedIdentityRoutes(service: service)
    }

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        let context = RequestContext(request)
        let s = context.segments
        let method = request.method

        // The control API first, and never behind a preflight answer: a web page cannot send it a
        // JSON POST because its preflight goes unanswered (the page would otherwise revoke sessions,
        // move the clock or sign users in). InProcessHandlerTests pins this.
        if s.first == ControlRoutes.prefix {
            return control.route(context, path: s.dropFirst())
        }
        if method == "OPTIONS" { return CORSPreflight.response(to: request) }
        let isRead = method == "GET" || method == "HEAD"
        switch s.count {
        case 4 where s[0] == "metadata" && s[1] == "identity" && s[2] == "oauth2" && s[3] == "token":
            return managedIdentity.imds(context)
        case 2 where s[0] == "msi" && s[1] == "token":
            return managedIdentity.appService(context)
        case 3 where isRead && s[0].lowercased() == "common" && s[1] == "discovery" && s[2] == "instance":
            return instance.instanceDiscovery(context)
        case 3 where isRead && s[0].lowercased() == "common" && s[1] == "userrealm":
            return instance.userRealm(context, user: s[2])
        case 3 where isRead && s[1] == ".well-known" && s[2] == "openid-configuration":
            return discovery.openIDConfiguration(context, tenant: s[0], v2: false)
        case 4 where isRead && s[1] == "v2.0" && s[2] == ".well-known" && s[3] == "openid-configuration":
            return discovery.openIDConfiguration(context, tenant: s[0], v2: true)
        case 3 where isRead && s[1] == "discovery" && s[2] == "keys":
            return discovery.keySet(context, tenant: s[0], v2: false)
        case 4 where isRead && s[1] == "discovery" && s[2] == "v2.0" && s[3] == "keys":
            return discovery.keySet(context, tenant: s[0], v2: true)
        case 3 where s[1] == "oauth2" && s[2] == "token":
            return tokens.token(context, tenant: s[0], version: .v1)
        case 4 where s[1] == "oauth2" && s[2] == "v2.0" && s[3] == "token":
            return tokens.token(context, tenant: s[0], version: .v2)
        case 4 where s[1] == "oauth2" && s[2] == "v2.0" && s[3] == "authorize":
            return authorize.authorize(context, tenant: s[0])
        case 4 where s[1] == "oauth2" && s[2] == "v2.0" && s[3] == "logout":
            return authorize.logout(context, tenant: s[0])
        case 2 where method == "POST" && s[1] == "login":
            return authorize.login(context, tenant: s[0])
        case 1 where s[0].lowercased() == "devicelogin":
            return deviceLogin.handle(context)
        case 4 where s[1] == "oauth2" && s[2] == "v2.0" && s[3] == "devicecode":
            return deviceCodes.deviceCode(context, tenant: s[0])
        // v1 (the v1 discovery document and resource-side challenges name these): translated to v2.
        case 3 where s[1] == "oauth2" && s[2] == "authorize":
            return authorize.authorize(context, tenant: s[0], v1: true)
        case 3 where s[1] == "oauth2" && s[2] == "logout":
            return authorize.logout(context, tenant: s[0])
        case 3 where s[1] == "oauth2" && s[2] == "devicecode":
            return deviceCodes.deviceCode(context, tenant: s[0], v1: true)
        default:
            return .text("Not found: \(request.path)\n", status: 404)
        }
    }
}
