import Foundation
import EntraDirectory
import JOSE

/// `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with `requested_token_use=on_behalf_of`:
/// a middle tier (web API, AI agent, MCP server) authenticates as itself and presents the user's
/// token; it receives a token for the downstream resource carrying the same user and the delegated
/// scopes the tenant granted the middle tier. The hop is recorded with the incoming token's `uti`,
/// so a chain can be walked from the user's sign-in to the last downstream token.
struct OnBehalfOfGrant: GrantHandler {
    static let grantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"

    func handle(_ context: GrantContext, record: inout ExchangeRecord) throws(EntraError) -> IssuedTokens {
        let parameters = context.parameters
        let use = try parameters.required("requested_token_use")
        guard use == "on_behalf_of" else { throw .unsupportedRequestedTokenUse(use) }
        let assertion = try parameters.required("assertion")
        let scope: String
        if context.request.version == .v1 {
            scope = try parameters.required("resource") + "/.default"
        } else {
            scope = try parameters.required("scope")
        }
        let tenant = try assertionTenant(context, assertion: assertion)
        record.tenantId = tenant.id

        let client = try ClientAuthenticator.authenticate(
            parameters, basic: context.request.basicCredentials, tenant: tenant,
            allowedAudiences: context.assertionAudiences(for: tenant), federation: context.federation, now: context.now, requireCredential: true)
        record.identify(client)
        try context.checkOrigin(spaRedemption: false)
        let validated = try UserAssertionValidator(keys: context.minter.keys, tenant: tenant, client: client.application,
                                                   now: context.now, index: context.stores.issuedTokens).validate(assertion)
        record.assertionTokenId = validated.tokenId
        let user = try context.stores.activeUser(of: validated.authentication, in: tenant)
        return try context.issueUserTokens(UserTokenRequest(
            client: client, user: user, authentication: validated.authentication, tenant: tenant,
            scope: scope, nonce: nil, issuedToSPA: false, flow: .onBehalfOf,
            claims: parameters.optional("claims")), record: &record).0
    }

    /// The path's tenant, or for `/common` and `/organizations` the tenant the assertion names
    /// (read before the signature check only to pick the tenant; the validator checks it again).
    private func assertionTenant(_ context: GrantContext, assertion: String) throws(EntraError) -> Tenant {
        switch context.tenantSelection {
        case .tenant(let tenant):
            return tenant
        case .tenantless(let name):
            guard name != "consumers" else { throw .grantNotSupportedOnTenantlessEndpoint() }
            guard let tid = (try? JWT.decode(assertion))?.payload["tid"]?.stringValue,
                  let tenant = context.directory.tenant(matching: tid) else {
                throw .malformedAssertion("The assertion names no tenant of this directory.")
            }
            return tenant
        }
    }
}

extension EntraError {
    static func unsupportedRequestedTokenUse(_ use: String) -> EntraError {
        EntraError(error: "invalid_request", code: 90023, message: "The requested_token_use '\(use)' is not supported; use 'on_behalf_of'.")
    }
}
