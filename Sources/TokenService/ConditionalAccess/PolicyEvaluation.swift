import Foundation

/// One Conditional Access policy as evaluated for one token request, for the exchange record.
/// `result` uses the sign-in log's vocabulary: `notApplied`, `success`, `failure`,
/// `reportOnlySuccess`, `reportOnlyFailure` (report-only policies are evaluated, never enforced).
public struct PolicyEvaluation: Codable, Sendable, Equatable {
    public enum Result: String, Codable, Sendable {
        case notApplied, success, failure, reportOnlySuccess, reportOnlyFailure
    }

    public var policyId: String
    public var displayName: String
    /// `enabled` or `enabledForReportingButNotEnforced` (disabled policies are not evaluated).
    public var state: String
    public var result: Result
    /// The grant controls (`mfa`, `block`, `compliantDevice`) or session control (`signInFrequency`)
    /// this sign-in did not meet; empty unless the result is a failure.
    public var unmetControls: [String]

    public init(policyId: String, displayName: String, state: String, result: Result, unmetControls: [String]) {
        self.policyId = policyId
        self.displayName = displayName
        self.state = state
        self.result = result
        self.unmetControls = unmetControls
    }
}
