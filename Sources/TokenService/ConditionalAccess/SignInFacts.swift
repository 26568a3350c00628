import Foundation
import EntraDirectory
import JOSE

/// Everything Conditional Access looks at for one user-token issuance, as values. The subject is
/// always the *user*; the client (or OBO middle tier) only decides the client app type and never
/// appears here as a subject: a policy constrains the user's access to the resource.
struct SignInFacts: Sendable {
    let user: User
    let tenant: Tenant
    /// The resource the token is for: the policy's target.
    let resourceAppId: String
    /// Authentication contexts asked for through `claims` (`acrs`), lower-case.
    let requestedContexts: [String]
    let clientAppType: ConditionalAccessPolicy.ClientAppType
    let remoteAddress: String
    let authentication: Authentication
    /// Sign-in frequency is checked when a refresh token is redeemed (AADSTS70043).
    let isRefresh: Bool
    let now: Date
}

/// How each user grant reaches the token endpoint. It picks the client app type Conditional Access
/// sees and the error shape Entra uses for a step-up (ROPC and refresh get `invalid_grant`).
enum UserTokenFlow: Sendable {
    case password, authorizationCode, refreshToken, deviceCode, onBehalfOf

    /// A simplification, documented in the README: a code from /authorize is a browser sign-in;
    /// everything else at the token endpoint (ROPC, device code, OBO, refresh by a native app) is
    /// `mobileAppsAndDesktopClients`. A SPA's refresh (browser origin) stays `browser`.
    func clientAppType(issuedToSPA: Bool) -> ConditionalAccessPolicy.ClientAppType {
        switch self {
        case .authorizationCode: return .browser
        case .refreshToken: return issuedToSPA ? .browser : .mobileAppsAndDesktopClients
        case .password, .deviceCode, .onBehalfOf: return .mobileAppsAndDesktopClients
        }
    }
}

/// The `claims` request parameter (OIDC §5.5, Entra's shape): `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`
/// or `"values":["c1","c2"]`. Only `acrs` matters here; `xms_cc` and anything else are ignored, and
/// so is a value that is not JSON (Entra's exact rejection of malformed claims is not known). Read
/// with the strict parser: it bounds nesting depth, so no `claims` value can exhaust the stack.
enum ClaimsRequest {
    static func authenticationContexts(_ claims: String?) -> [String] {
        guard let claims, let value = try? JSONValue.parseStrict(Array(claims.utf8)),
              let acrs = value["access_token"]?["acrs"] else { return [] }
        var result: [String] = []
        let listed = (acrs["values"]?.arrayValue?.compactMap(\.stringValue) ?? []) + [acrs["value"]?.stringValue].compactMap { $0 }
        for context in listed.map({ $0.lowercased() }) where !result.contains(context) { result.append(context) }
        return result
    }
}
