import Foundation
import EntraDirectory

/// The result of evaluating every policy for one issuance: what to record, which authentication
/// contexts the token may claim as satisfied (`acrs`), and the error to send when an enforced
/// policy failed.
struct ConditionalAccessDecision: Sendable {
    var evaluations: [PolicyEvaluation] = []
    var satisfiedContexts: [String] = []
    var failure: EntraError?
}

/// Conditional Access evaluation, values in and values out. A policy applies when *all* its
/// configured conditions match (users, target, client app type, location, risk); it then succeeds
/// when its grant controls are met by the sign-in (`mfa` in `amr`, a compliant device; `block`
/// never) and its sign-in frequency has not run out.
enum ConditionalAccessEvaluator {
    static func evaluate(_ facts: SignInFacts, flow: UserTokenFlow) -> ConditionalAccessDecision {
        var decision = ConditionalAccessDecision()
        var failed: [(policy: ConditionalAccessPolicy, unmet: [String])] = []
        var contextOutcomes: [String: Bool] = [:]   // context → every applied enforced policy succeeded
        // Policies about client applications are for app-only tokens (`evaluateWorkload`).
        for policy in facts.tenant.conditionalAccessPolicies where policy.state != .disabled && policy.clientApplications == nil {
            let enforced = policy.state == .enabled
            let result: PolicyEvaluation.Result
            var unmet: [String] = []
            if applies(policy, facts) {
                unmet = unmetControls(policy, facts)
                switch (enforced, unmet.isEmpty) {
                case (true, true): result = .success
                case (true, false): result = .failure
                case (false, true): result = .reportOnlySuccess
                case (false, false): result = .reportOnlyFailure
                }
                if enforced {
                    if !unmet.isEmpty { failed.append((policy, unmet)) }
                    for context in policy.applications.includeAuthenticationContextClassReferences
                    where facts.requestedContexts.contains(context) {
                        contextOutcomes[context] = (contextOutcomes[context] ?? true) && unmet.isEmpty
                    }
                }
            } else {
                result = .notApplied
            }
            decision.evaluations.append(PolicyEvaluation(policyId: policy.id, displayName: policy.displayName,
                                                         state: policy.state.rawValue, result: result, unmetControls: unmet))
        }
        // An authentication context counts as satisfied only when an enforced policy for it applied
        // and every such policy succeeded (inferred: Entra's behaviour for a context no policy uses
        // is not documented; claiming it would tell the resource a step-up happened that did not).
        decision.satisfiedContexts = facts.requestedContexts.filter { contextOutcomes[$0] == true }
        if !failed.isEmpty { decision.failure = ConditionalAccessOutcome.error(for: failed, facts: facts, flow: flow) }
        return decision
    }

    // MARK: Conditions

    static func applies(_ policy: ConditionalAccessPolicy, _ facts: SignInFacts) -> Bool {
        usersMatch(policy.users, facts.user)
            && targetMatches(policy.applications, resourceAppId: facts.resourceAppId, requestedContexts: facts.requestedContexts)
            && clientAppTypeMatches(policy.clientAppTypes, facts.clientAppType)
            && locationMatches(policy.locations, tenant: facts.tenant, remoteAddress: facts.remoteAddress)
            && riskMatches(policy.signInRiskLevels, facts.user.signInRisk) && riskMatches(policy.userRiskLevels, facts.user.userRisk)
    }

    /// Exclusions win over inclusions, as in Entra. `All` covers agents' user accounts too (our
    /// choice: they are users; Entra's docs do not say), `AllAgentIdUsers` only them.
    static func usersMatch(_ users: ConditionalAccessPolicy.Users, _ user: User) -> Bool {
        let groups = Set(user.groupIds)
        if users.excludeUsers.contains(user.id) || users.excludeGroups.contains(where: groups.contains) { return false }
        return users.includeAllUsers || (users.includeAllAgentUsers && user.agentIdentityAppId != nil)
            || users.includeUsers.contains(user.id) || users.includeGroups.contains(where: groups.contains)
    }

    /// The target is the resource of the token, or an authentication context the request asks for.
    static func targetMatches(_ applications: ConditionalAccessPolicy.Applications, resourceAppId: String,
                              requestedContexts: [String]) -> Bool {
        let contexts = applications.includeAuthenticationContextClassReferences
        if !contexts.isEmpty { return contexts.contains(where: requestedContexts.contains) }
        if applications.excludeApplications.contains(resourceAppId) { return false }
        return applications.includeAllApplications || applications.includeApplications.contains(resourceAppId)
    }

    static func clientAppTypeMatches(_ types: [ConditionalAccessPolicy.ClientAppType],
                                     _ type: ConditionalAccessPolicy.ClientAppType) -> Bool {
        types.isEmpty || types.contains(.all) || types.contains(type)
    }

    /// Named locations match the request's client address; an address that cannot be read is in no
    /// named location (it still matches `All`).
    static func locationMatches(_ locations: ConditionalAccessPolicy.Locations?, tenant: Tenant, remoteAddress: String) -> Bool {
        guard let locations else { return true }
        let address = IPAddress(remoteAddress)
        func matches(_ entry: String) -> Bool {
            switch entry {
            case "All": return true
            case "AllTrusted":
                return address.map { address in tenant.namedLocations.contains { $0.isTrusted && $0.contains(address) } } ?? false
            default:
                guard let address, let location = tenant.namedLocations.first(where: { $0.id == entry }) else { return false }
                return location.contains(address)
            }
        }
        return locations.includeLocations.contains(where: matches) && !locations.excludeLocations.contains(where: matches)
    }

    static func riskMatches(_ levels: [RiskLevel], _ level: RiskLevel) -> Bool {
        levels.isEmpty || levels.contains(level)
    }

    // MARK: Controls

    /// The controls this sign-in does not meet: under OR all of them when none is met, under AND
    /// each one not met. `signInFrequency` comes first when a reused sign-in outlived it.
    static func unmetControls(_ policy: ConditionalAccessPolicy, _ facts: SignInFacts) -> [String] {
        var unmet: [String] = []
        if facts.checksSignInFrequency, let frequency = policy.signInFrequency,
           facts.now.timeIntervalSince(facts.authentication.authTime) > frequency {
            unmet.append("signInFrequency")
        }
        let missing = policy.builtInControls.filter { !isMet($0, facts) }
        let grantMet = policy.builtInControls.isEmpty
            || (policy.grantOperator == .and ? missing.isEmpty : missing.count < policy.builtInControls.count)
        if !grantMet { unmet += missing.map(\.rawValue) }
        return unmet
    }

    static func isMet(_ control: ConditionalAccessPolicy.GrantControl, _ facts: SignInFacts) -> Bool {
        switch control {
        case .mfa: return facts.authentication.methods.contains("mfa")
        case .compliantDevice: return facts.user.deviceIsCompliant
        case .block: return false
        }
    }
}

/// Conditional Access for workload identities and Agent ID: the policies about client applications,
/// evaluated when an application gets a token as itself (client credentials). The subject is the
/// application (a service principal, or an agent identity acting autonomously); `block` is the only
/// control (the loader allows no other), so a policy that applies fails.
extension ConditionalAccessEvaluator {
    static func evaluateWorkload(client: Application, resourceAppId: String, tenant: Tenant,
                                 remoteAddress: String) -> ConditionalAccessDecision {
        var decision = ConditionalAccessDecision()
        var failed = false
        for policy in tenant.conditionalAccessPolicies where policy.state != .disabled {
            guard let clients = policy.clientApplications else { continue }
            let applies = clientMatches(clients, client)
                && targetMatches(policy.applications, resourceAppId: resourceAppId, requestedContexts: [])
                && locationMatches(policy.locations, tenant: tenant, remoteAddress: remoteAddress)
                && riskMatches(client.agentIdentity != nil ? policy.agentIdRiskLevels : policy.servicePrincipalRiskLevels,
                               client.riskLevel)
            let enforced = policy.state == .enabled
            let result: PolicyEvaluation.Result = !applies ? .notApplied : enforced ? .failure : .reportOnlyFailure
            if applies, enforced { failed = true }
            let unmet = applies ? [ConditionalAccessPolicy.GrantControl.block.rawValue] : []
            decision.evaluations.append(PolicyEvaluation(policyId: policy.id, displayName: policy.displayName,
                                                         state: policy.state.rawValue, result: result, unmetControls: unmet))
        }
        if failed { decision.failure = .blockedByConditionalAccess(claims: nil) }
        return decision
    }

    /// Agent identities are matched by the agent lists, other applications by the service-principal
    /// lists. Exclusions win. (Managed identities and Microsoft's applications, which these policies
    /// do not cover, never get here: they have no credential for client credentials.)
    static func clientMatches(_ clients: ConditionalAccessPolicy.ClientApplications, _ client: Application) -> Bool {
        if client.agentIdentity != nil {
            if clients.excludeAgentIdentities.contains(client.appId) { return false }
            return clients.includeAllAgentIdentities || clients.includeAgentIdentities.contains(client.appId)
        }
        if clients.excludeServicePrincipals.contains(client.appId) { return false }
        return clients.includeAllServicePrincipals || clients.includeServicePrincipals.contains(client.appId)
    }
}
