import Foundation
import HTTPServer
import TokenService

/// `POST /_mockentra/cae/evaluate`: what a CAE-enforcing resource would decide about an access
/// token now, and the `WWW-Authenticate` challenge it would answer with. A test's own API calls it
/// instead of implementing Entra's critical-event feed.
extension ControlRoutes {
    struct CAEEvaluateRequest: Decodable {
        let accessToken: String
    }

    struct CAEEvaluateResult: Encodable {
        let valid: Bool
        /// `sessionsRevoked` or `userDisabled`.
        let reason: String?
        /// The claims challenge as JSON: what msal's `claims_challenge` takes.
        let claims: String?
        /// The header value for the resource's HTTP 401; its `claims` is the base64 of `claims`.
        let wwwAuthenticate: String?
        /// The token's `xms_cc`; `clientIsCAECapable` says whether it holds `cp1`.
        let clientCapabilities: [String]
        let clientIsCAECapable: Bool
    }

    /// `{"accessToken": "…"}` → 200 with the verdict, or 400 when the token is not a current
    /// access token this server issued (a forged token learns nothing about a real user).
    func evaluateContinuousAccess(_ body: [UInt8], baseURL: String) -> HTTPResponse {
        guard let input = ControlJSON.decode(CAEEvaluateRequest.self, from: body) else {
            return .json(ControlError(error: "Expected a JSON body with accessToken."), status: 400)
        }
        switch service.evaluateContinuousAccess(accessToken: input.accessToken) {
        case .failure(let error):
            return .json(ControlError(error: error.reason), status: 400)
        case .success(let verdict):
            return .json(CAEEvaluateResult(
                valid: verdict.valid, reason: verdict.reason?.rawValue, claims: verdict.claims,
                wwwAuthenticate: verdict.claims.map { ClaimsChallenge.wwwAuthenticate(claims: $0, baseURL: baseURL, clientId: verdict.challengeClientId) },
                clientCapabilities: verdict.clientCapabilities,
                clientIsCAECapable: verdict.clientIsCAECapable))
        }
    }
}
