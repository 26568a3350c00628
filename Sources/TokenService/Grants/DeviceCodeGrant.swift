import Foundation
import EntraDirectory

/// `grant_type=urn:ietf:params:oauth:grant-type:device_code`: the device polls until the user has
/// approved on the device-login page. msal sends `code` next to `device_code` and no scope: the
/// scope comes from the device authorization. Without a credential the app must allow public client
/// flows (`isFallbackPublicClient`), as in Entra; otherwise AADSTS7000218.
struct DeviceCodeGrant: GrantHandler {
    static let grantType = "urn:ietf:params:oauth:grant-type:device_code"

    func handle(_ context: GrantContext, record: inout ExchangeRecord) throws(EntraError) -> IssuedTokens {
        let parameters = context.parameters
        guard let deviceCode = parameters.optional("device_code") ?? parameters.optional("code") else {
            throw .missingParameter("device_code")
        }
        let clientId = try ClientAuthenticator.clientId(parameters, basic: context.request.basicCredentials)
        let stores = context.stores
        // The client authenticates before the poll: a wrong credential must not spend the approval.
        guard let pending = stores.deviceCodes.lookup(deviceCode: deviceCode, clientId: clientId.lowercased()),
              let tenant = context.directory.tenants.first(where: { $0.id == pending.tenantId }) else {
            throw .badVerificationCode()
        }
        // Polled at another tenant than the one that issued the code: not a code of that tenant.
        if case .tenant(let named) = context.tenantSelection, named.id != tenant.id { throw .badVerificationCode() }
        record.tenantId = tenant.id
        record.requestedScopes = ScopeParser.split(pending.scope)
        let client = try ClientAuthenticator.authenticate(
            parameters, basic: context.request.basicCredentials, tenant: tenant,
            allowedAudiences: context.assertionAudiences(for: tenant), federation: context.federation, now: context.now,
            requireCredential: false)
        record.identify(client)
        if client.application.agentIdentity != nil { throw .agentIdentityFlowNotAllowed(grantType: DeviceCodeGrant.grantType) }
        try context.checkOrigin(spaRedemption: false)
        let (code, authentication) = try stores.deviceCodes.poll(deviceCode: deviceCode, clientId: clientId.lowercased(), now: context.now)
        let user = try stores.activeUser(of: authentication, in: tenant)
        return try context.issueUserTokens(UserTokenRequest(
            client: client, user: user, authentication: authentication, tenant: tenant,
            scope: code.scope, nonce: nil, issuedToSPA: false, flow: .deviceCode,
            claims: parameters.optional("claims") ?? code.claims), record: &record).0
    }
}
