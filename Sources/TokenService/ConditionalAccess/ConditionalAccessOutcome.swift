import Foundation
import EntraDirectory
import JOSE

/// Turns failed enforced policies into the one error Entra sends (entra-wire §2.2, §3.1), with the
/// `claims` challenge the client must satisfy: `capolids` naming the failed policies, or `acrs`
/// naming the authentication context a failed context policy guards.
enum ConditionalAccessOutcome {
    /// What the user would have to do, most severe first: nothing helps a block; a non-compliant
    /// device cannot be fixed by a second factor; MFA can be performed.
    private enum Remedy: Int, Comparable {
        case mfa = 0, compliantDevice, block
        static func < (a: Remedy, b: Remedy) -> Bool { a.rawValue < b.rawValue }
    }

    static func error(for failed: [(policy: ConditionalAccessPolicy, unmet: [String])], facts: SignInFacts,
                      flow: UserTokenFlow) -> EntraError {
        // Sign-in frequency first: the refresh token itself is no longer good (AADSTS70043).
        if failed.contains(where: { $0.unmet.contains("signInFrequency") }),
           let frequency = failed.compactMap({ $0.policy.signInFrequency }).min() {
            return .signInFrequencyExceeded(issued: facts.authentication.authTime, maximumLifetime: frequency)
        }
        let remedy: Remedy = failed.map { Self.remedy(for: $0.policy, unmet: $0.unmet) }.max() ?? Remedy.mfa
        let claims = challenge(failed.map(\.policy), facts: facts)
        switch remedy {
        case .block: return .blockedByConditionalAccess(claims: claims)
        case .compliantDevice: return .deviceNotCompliant(claims: claims)
        case .mfa:
            return multiFactorError(user: facts.user, resourceAppId: facts.resourceAppId, claims: claims, flow: flow)
        }
    }

    /// 50076 for a user who can perform MFA, 50079 for one who must enrol first; ROPC and refresh
    /// get the `invalid_grant` shape.
    static func multiFactorError(user: User, resourceAppId: String, claims: String, flow: UserTokenFlow) -> EntraError {
        let ropcShape = flow == .password || flow == .refreshToken
        return user.mfaRegistered
            ? .multiFactorRequired(resourceAppId: resourceAppId, claims: claims, invalidGrantShape: ropcShape)
            : .multiFactorEnrollmentRequired(resourceAppId: resourceAppId, claims: claims, invalidGrantShape: ropcShape)
    }

    private static func remedy(for policy: ConditionalAccessPolicy, unmet: [String]) -> Remedy {
        let controls = policy.builtInControls
        if controls.contains(.block) { return .block }
        // Under OR, MFA is a way out whenever it is offered; under AND, an unmet device requirement stays unmet.
        if policy.grantOperator == .or { return controls.contains(.mfa) ? .mfa : .compliantDevice }
        return unmet.contains(ConditionalAccessPolicy.GrantControl.compliantDevice.rawValue) ? .compliantDevice : .mfa
    }

    /// `{"access_token":{"capolids":{"essential":true,"values":["<id>",…]}}}` for policies that target
    /// the resource; `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}` for a policy that
    /// guards an authentication context (the value the client must ask for again). Both members,
    /// `capolids` first, when both kinds failed (inferred). Compact, in this member order.
    static func challenge(_ policies: [ConditionalAccessPolicy], facts: SignInFacts) -> String {
        var ids: [String] = []
        var context: String?
        for policy in policies {
            let contexts = policy.applications.includeAuthenticationContextClassReferences
            if contexts.isEmpty {
                if !ids.contains(policy.id) { ids.append(policy.id) }
            } else if context == nil {
                context = facts.requestedContexts.first(where: contexts.contains)
            }
        }
        return ClaimsChallenge.conditionalAccessClaims(policyIds: ids, authenticationContext: context)
    }
}
