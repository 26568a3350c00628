import Foundation

/// Conditional Access rejections (entra-wire §2.2 and §3.1). Every one carries the `claims`
/// challenge as a JSON string, except 70043, which asks for a new sign-in rather than a step-up.
extension EntraError {
    /// 50076: MFA required and the user can perform it. Evidence: `interaction_required` + `claims`
    /// for OBO and interactive flows (ED-OBO); `invalid_grant` + `suberror: basic_action` for ROPC and
    /// refresh (AzureAD/microsoft-authentication-library-for-go#398, RogerSelwyn/O365-HomeAssistant#113).
    static func multiFactorRequired(resourceAppId: String, claims: String, invalidGrantShape: Bool) -> EntraError {
        EntraError(error: invalidGrantShape ? "invalid_grant" : "interaction_required", code: 50076,
                   message: "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '\(resourceAppId)'.",
                   suberror: invalidGrantShape ? "basic_action" : nil, claims: claims)
    }

    /// 50079: MFA required and the user is not registered for it. `interaction_required` + `claims`
    /// for OBO (ED-OBO); the ROPC/refresh shape mirrors 50076 (inferred).
    static func multiFactorEnrollmentRequired(resourceAppId: String, claims: String, invalidGrantShape: Bool) -> EntraError {
        EntraError(error: invalidGrantShape ? "invalid_grant" : "interaction_required", code: 50079,
                   message: "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '\(resourceAppId)'.",
                   suberror: invalidGrantShape ? "basic_action" : nil, claims: claims)
    }

    /// 53003: a policy blocks access. `interaction_required`, `suberror: message_only`, `claims` with
    /// `capolids` (MartinIngesen/MSOLSpray#5). An app-only token's block has no `claims`: there is no
    /// user to satisfy anything (our choice; the shape Entra sends then is not documented).
    static func blockedByConditionalAccess(claims: String?) -> EntraError {
        EntraError(error: "interaction_required", code: 53003,
                   message: "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
                   suberror: "message_only", claims: claims)
    }

    /// 53000: the policy needs a compliant device. MSAL treats it as UI-required; the
    /// `interaction_required` value is inferred (entra-wire §2.2).
    static func deviceNotCompliant(claims: String) -> EntraError {
        EntraError(error: "interaction_required", code: 53000,
                   message: "Device is not in required device state: compliant. Conditional Access policy requires a compliant device, and the device is not compliant. The user must enroll their device with an approved MDM provider like Intune.",
                   claims: claims)
    }

    /// 70043: a refresh outlived the policy's sign-in frequency. Wording from the error-code docs
    /// (ED-ERR); `invalid_grant` and the `d.hh:mm:ss` form of the lifetime are inferred.
    static func signInFrequencyExceeded(issued: Date, maximumLifetime: TimeInterval) -> EntraError {
        let seconds = Int(maximumLifetime)
        let time = String(format: "%d.%02d:%02d:%02d", seconds / 86400, seconds % 86400 / 3600, seconds % 3600 / 60, seconds % 60)
        return EntraError(error: "invalid_grant", code: 70043,
                          message: "The refresh token has expired or is invalid due to sign-in frequency checks by conditional access. The token was issued on \(EntraTimestamp.iso(issued)) and the maximum allowed lifetime for this request is \(time).")
    }

    /// MFA asked of a user who is not registered (the test hook's `mfa: true`, the enrolment page's
    /// way back): such a user could never pass the second factor in Entra either. Same code and
    /// wording as Entra's enrolment requirement.
    public static func multiFactorNotRegistered() -> EntraError {
        EntraError(error: "interaction_required", code: 50079,
                   message: "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication.")
    }
}
