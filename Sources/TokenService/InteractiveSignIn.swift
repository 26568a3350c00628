import Foundation
import EntraDirectory

/// What an interactive sign-in (the sign-in page, the device-login page, the headless test call)
/// must still do before the application gets its code or the device its approval.
/// Every step but `complete` carries the Entra error a request that cannot show a page gets
/// instead (`prompt=none`, the headless call), which the pages also show and record.
public enum SignInStep: Sendable, Equatable {
    /// Nothing: issue the code.
    case complete
    /// A second factor: Conditional Access on the requested resource, or the `claims` challenge the
    /// application passed on (`capolids`, `acrs`), demands MFA, the sign-in has none, and the user
    /// is enrolled (50076).
    case secondFactor(StampedError)
    /// MFA is demanded of a user with no MFA method registered (50079): this sign-in cannot go on.
    case cannotSatisfy(StampedError)
    /// A remembered sign-in outlived a policy's sign-in frequency: ask for the password again.
    case reauthenticate(StampedError)

    public var error: StampedError? {
        switch self {
        case .complete: return nil
        case .secondFactor(let error), .cannotSatisfy(let error), .reauthenticate(let error): return error
        }
    }
}

/// A step and the policies evaluated to reach it (for the exchange record).
public struct SignInDecision: Sendable {
    public let step: SignInStep
    public let evaluations: [PolicyEvaluation]
}

/// A one-time code step that has begun. `code` is what the user's phone would show; the emulator
/// prints it on the page (and the test-control API returns it) because no phone exists here.
public struct SecondFactorPrompt: Sendable {
    public let stepId: String
    public let code: String
    public let userId: String
}

public enum SecondFactorResult: Sendable {
    /// The sign-in now carries `mfa` in its `amr`.
    case verified(Authentication)
    case wrongCode(attemptsLeft: Int)
    /// Too many wrong codes, or the step expired: start the sign-in again (500121).
    case ended(StampedError)
}

extension TokenService {
    /// The step after a sign-in for an /authorize request.
    public func nextStep(after authentication: Authentication, for request: AuthorizeRequest,
                         remoteAddress: String) -> SignInDecision {
        decideStep(authentication, tenant: request.tenant, scope: request.scope, claims: request.claims,
                   clientAppType: .of(confidentialClient: request.redirectKind == .web, singlePageApp: request.redirectKind == .spa),
                   remoteAddress: remoteAddress)
    }

    /// The step after a sign-in on the device-login page, for the code's client and scope.
    public func nextStep(after authentication: Authentication, forDeviceCode info: DeviceCodeInfo,
                         remoteAddress: String) -> SignInDecision {
        decideStep(authentication, tenant: info.tenant, scope: info.scope, claims: info.claims,
                   clientAppType: .of(confidentialClient: false, singlePageApp: false), remoteAddress: remoteAddress)
    }

    /// Conditional Access evaluated as it will be at the token endpoint (the user as subject, the
    /// requested resource as target), so the user performs MFA during sign-in instead of the code
    /// being refused later. A `claims` challenge counts too: its `capolids` name policies that may
    /// target a different resource (the downstream API of an OBO chain), and the sign-in must meet
    /// their controls. Only MFA can be performed on a page; a block or a device requirement is left
    /// to the token endpoint, which refuses with 53003/53000.
    func decideStep(_ authentication: Authentication, tenant: Tenant, scope: String, claims: String?,
                    clientAppType: ConditionalAccessPolicy.ClientAppType, remoteAddress: String) -> SignInDecision {
        let now = clock.now()
        guard let user = tenant.user(id: authentication.userId) else {
            return SignInDecision(step: .complete, evaluations: [])
        }
        // An /authorize scope may name several resources: the first is the one the code's token is
        // for when its redemption names none, so its policies are the ones met here (our choice).
        let requested = (try? ScopeParser.parse(ScopeParser.firstResourceOnly(scope)))?.resource?.identifier ?? ScopeParser.graphIdentifier
        let resourceAppId = tenant.resource(identifier: requested)?.appId ?? ""
        let facts = SignInFacts(user: user, tenant: tenant, resourceAppId: resourceAppId,
                                requestedContexts: ClaimsRequest.authenticationContexts(claims), clientAppType: clientAppType,
                                remoteAddress: remoteAddress, authentication: authentication,
                                checksSignInFrequency: true, now: now)
        let decision = ConditionalAccessEvaluator.evaluate(facts, flow: .authorizationCode)
        func decided(_ step: (StampedError) -> SignInStep, _ error: EntraError) -> SignInDecision {
            SignInDecision(step: step(StampedError.fresh(error, at: now)), evaluations: decision.evaluations)
        }
        let complete = SignInDecision(step: .complete, evaluations: decision.evaluations)
        if decision.evaluations.contains(where: { $0.result == .failure && $0.unmetControls.contains("signInFrequency") }) {
            return decided(SignInStep.reauthenticate, .loginRequired())
        }
        guard !authentication.methods.contains("mfa") else { return complete }
        var mfaError: EntraError?
        if let failure = decision.failure, [50076, 50079].contains(failure.code) {
            mfaError = failure
        } else if Self.challengeDemandsMFA(claims, user: user, tenant: tenant) {
            // The challenge came from another resource's policy: hand the same claims back.
            mfaError = ConditionalAccessOutcome.multiFactorError(user: user, resourceAppId: resourceAppId,
                                                                  claims: claims ?? "", flow: .authorizationCode)
        }
        guard let mfaError else { return complete }
        return decided(user.mfaRegistered ? SignInStep.secondFactor : SignInStep.cannotSatisfy, mfaError)
    }

    /// A `capolids` challenge names policies whose grant controls offer MFA and that are assigned to
    /// this user (their target is another resource's business). Disabled and unknown policies, and
    /// policies that exclude the user, demand nothing.
    static func challengeDemandsMFA(_ claims: String?, user: User, tenant: Tenant) -> Bool {
        let ids = Set(ClaimsRequest.policyIds(claims))
        guard !ids.isEmpty else { return false }
        return tenant.conditionalAccessPolicies.contains {
            ids.contains($0.id.lowercased()) && $0.state != .disabled && $0.builtInControls.contains(.mfa)
                && ConditionalAccessEvaluator.usersMatch($0.users, user)
        }
    }

    /// Starts the one-time-code step for a sign-in that needs MFA. Only an enrolled user gets one.
    public func beginSecondFactor(_ authentication: Authentication) -> SecondFactorPrompt? {
        guard let tenant = directory.tenants.first(where: { $0.id == authentication.tenantId }),
              let user = tenant.user(id: authentication.userId), user.mfaRegistered else { return nil }
        let (stepId, code) = stores.secondFactors.begin(authentication, now: clock.now())
        return SecondFactorPrompt(stepId: stepId, code: code, userId: user.id)
    }

    /// Checks the code typed on the MFA page. A verified step is a new sign-in event: `amr` gains
    /// `mfa` and `auth_time` moves to now (the user just proved themselves; sign-in frequency counts
    /// from here). The session id stays, so tokens from before share its `sid`.
    /// `tenantId`: the tenant of the sign-in the code is posted for. A step begun for another
    /// tenant's sign-in ends nothing here and is not used up.
    public func completeSecondFactor(stepId: String, code: String, tenantId: String) -> SecondFactorResult {
        let now = clock.now()
        guard let step = stores.secondFactors.step(stepId, now: now), step.authentication.tenantId == tenantId else {
            return .ended(StampedError.fresh(.strongAuthenticationFailed(), at: now))
        }
        switch stores.secondFactors.check(stepId: stepId, code: code, now: now) {
        case .verified(let signedIn):
            return .verified(Authentication(tenantId: signedIn.tenantId, userId: signedIn.userId, authTime: now,
                                            methods: ["pwd", "mfa"], sessionId: signedIn.sessionId))
        case .wrongCode(let left):
            return .wrongCode(attemptsLeft: left)
        case .ended:
            return .ended(StampedError.fresh(.strongAuthenticationFailed(), at: now))
        }
    }

    /// A live MFA step, to show its page again after a wrong code.
    public func secondFactorStep(_ stepId: String) -> SecondFactorPrompt? {
        stores.secondFactors.step(stepId, now: clock.now())
            .map { SecondFactorPrompt(stepId: stepId, code: $0.code, userId: $0.authentication.userId) }
    }

    /// The code most recently "sent" to this user and still valid: the test-control API's stand-in
    /// for reading the user's phone.
    public func latestOneTimeCode(userId: String) -> String? {
        stores.secondFactors.latestCode(userId: userId, now: clock.now())
    }
}

extension EntraError {
    /// 500121 after too many wrong one-time codes (or an expired step). The message is Entra's
    /// sign-in log text; `interaction_required` is inferred (the user must start again).
    static func strongAuthenticationFailed() -> EntraError {
        EntraError(error: "interaction_required", code: 500121, message: "Authentication failed during strong authentication request.")
    }
}
