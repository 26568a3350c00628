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
    /// The issuance reuses an earlier sign-in (a refresh token redeemed, or a remembered browser
    /// session at /authorize): only then can the policy's sign-in frequency have run out.
    let checksSignInFrequency: Bool
    let now: Date
}

/// How each user grant reaches the token endpoint. It picks the error shape Entra uses for a
/// step-up (ROPC and refresh get `invalid_grant`).
enum UserTokenFlow: Sendable {
    case password, authorizationCode, refreshToken, deviceCode, onBehalfOf
    /// Agent ID: an agent identity obtaining its agent user's token (`user_fic`).
    case agentUser
}

extension ConditionalAccessPolicy.ClientAppType {
    /// The client app type as Entra's Conditional Access documents it: `browser` is web sign-in and
    /// "services registered as an OAuth confidential client"; `mobileAppsAndDesktopClients` is the
    /// native public clients. So a client that authenticated with a credential (a web app, an OBO
    /// middle tier) or a single-page app is a browser, and any other public client (ROPC, device
    /// code, a desktop app's code or refresh) is mobile/desktop. `exchangeActiveSync` and `other`
    /// never occur here.
    static func of(confidentialClient: Bool, singlePageApp: Bool) -> Self {
        confidentialClient || singlePageApp ? .browser : .mobileAppsAndDesktopClients
    }
}

/// The `claims` request parameter (OIDC §5.5, Entra's shape): `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`
/// or `"values":["c1","c2"]`, and the `capolids` a Conditional Access error handed to the client.
/// Only these two matter here; `xms_cc` and anything else are ignored, and so is a value that is
/// not JSON (Entra's exact rejection of malformed claims is not known). Read with the strict
/// parser: it bounds nesting depth, so no `claims` value can exhaust the stack.
enum ClaimsRequest {
    /// Authentication contexts (`acrs`), lower-case.
    static func authenticationContexts(_ claims: String?) -> [String] {
        members("acrs", of: claims).map { $0.lowercased() }
    }

    /// Conditional Access policy ids (`capolids`) the client was told to satisfy, lower-case.
    static func policyIds(_ claims: String?) -> [String] {
        members("capolids", of: claims).map { $0.lowercased() }
    }

    /// `access_token.<name>`'s `values` and `value` (the OIDC claims-request syntax allows both),
    /// as sent, without case-insensitive repeats.
    static func members(_ name: String, of claims: String?) -> [String] {
        guard let claims, let value = try? JSONValue.parseStrict(Array(claims.utf8)),
              let member = value["access_token"]?[name] else { return [] }
        var result: [String] = []
        let listed = (member["values"]?.arrayValue?.compactMap(\.stringValue) ?? []) + [member["value"]?.stringValue].compactMap { $0 }
        for entry in listed where !result.contains(where: { $0.caseInsensitiveCompare(entry) == .orderedSame }) { result.append(entry) }
        return result
    }
}
