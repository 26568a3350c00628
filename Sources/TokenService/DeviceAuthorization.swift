import Foundation
import EntraDirectory

/// The `/devicecode` response (entra-wire §6).
public struct DeviceAuthorizationResponse: Sendable, Equatable {
    public let deviceCode: String
    public let userCode: String
    public let verificationURI: String
    public let expiresIn: Int
    public let interval: Int
    public let message: String
}

/// What the device-login page shows about a code a user typed.
public struct DeviceCodeInfo: Sendable {
    public let tenant: Tenant
    /// The appId the device code was issued to.
    public let clientId: String
    public let clientDisplayName: String
    public let scope: String
    /// The `claims` of the device authorization: the sign-in on the page must satisfy them.
    public let claims: String?
    public let userCode: String
}

extension TokenService {
    /// `POST /{tenant}/oauth2/v2.0/devicecode` with `client_id` and `scope`. The verification URI is
    /// this server's own device-login page.
    /// Errors carry the client's `client-request-id` as their correlation id, as at the token endpoint.
    public func deviceAuthorization(tenant segment: String, form: [(String, String)], baseURL: String,
                                    clientRequestId: String? = nil) -> Result<DeviceAuthorizationResponse, StampedError> {
        let now = clock.now()
        do throws(EntraError) {
            let parameters = try RequestParameters(form)
            let clientId = try parameters.required("client_id")
            // v2 names the resource in `scope` (the v1 route has already turned `resource` into one).
            try ResourceIndicator.check(parameters.optional("resource"), scope: parameters.optional("scope"))
            let scope = try parameters.required("scope")
            let tenant = try TenantSelection.resolveForUser(segment, clientId: clientId, in: directory).get()
            let client = try ClientAuthenticator.application(clientId, in: tenant)
            if client.agentIdentity != nil { throw .agentIdentityFlowNotAllowed(grantType: "device_code") }
            _ = try ScopeParser.parse(scope)
            let code = stores.deviceCodes.issue(clientId: client.appId, tenantId: tenant.id, scope: scope,
                                                  claims: parameters.optional("claims"), now: now)
            let uri = "\(baseURL)/devicelogin"
            return .success(DeviceAuthorizationResponse(
                deviceCode: code.deviceCode, userCode: code.userCode, verificationURI: uri,
                expiresIn: Int(DeviceCodeStore.lifetime), interval: Int(DeviceCodeStore.interval),
                message: "To sign in, use a web browser to open the page \(uri) and enter the code \(code.userCode) to authenticate."))
        } catch {
            return .failure(StampedError.fresh(error, at: now, correlationId: Self.correlationId(from: clientRequestId)))
        }
    }

    public func deviceCodeInfo(userCode: String) -> DeviceCodeInfo? {
        guard let code = stores.deviceCodes.lookup(userCode: userCode, now: clock.now()),
              let tenant = directory.tenants.first(where: { $0.id == code.tenantId }) else { return nil }
        let name = tenant.application(appId: code.clientId)?.displayName ?? code.clientId
        return DeviceCodeInfo(tenant: tenant, clientId: code.clientId, clientDisplayName: name, scope: code.scope, claims: code.claims, userCode: code.userCode)
    }

    /// The user approved on the device-login page (or through the test-control API): the device's
    /// next poll gets tokens. Recorded as `devicelogin:<method>`. False when the code was decided or
    /// expired meanwhile.
    public func approveDevice(_ info: DeviceCodeInfo, authentication: Authentication, method: String,
                              conditionalAccess: [PolicyEvaluation] = []) -> Bool {
        guard stores.deviceCodes.decide(userCode: info.userCode, now: clock.now(), approval: authentication) else { return false }
        recordDeviceLogin(info, authentication: authentication, userName: nil, error: nil, method: method,
                          conditionalAccess: conditionalAccess)
        return true
    }

    /// The user declined: the device's next poll gets 65004. Recorded as `devicelogin:cancel`.
    public func declineDevice(_ info: DeviceCodeInfo) -> Bool {
        guard stores.deviceCodes.decide(userCode: info.userCode, now: clock.now(), approval: nil) else { return false }
        recordDeviceLogin(info, authentication: nil, userName: nil, error: stamped(.authorizationDeclined()), method: "cancel")
        return true
    }
}
