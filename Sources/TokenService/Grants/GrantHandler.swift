import Foundation
import EntraDirectory

/// Everything a grant needs to decide, as values.
struct GrantContext: Sendable {
    let request: TokenRequest
    let parameters: RequestParameters
    let tenantSelection: TenantSelection
    let directory: Directory
    let minter: TokenMinter
    let stores: GrantStores
    let now: Date

    /// Entra pairs browser requests with single-page apps both ways: a SPA's code or refresh token
    /// must come cross-origin (9002327), and no other token request may (9002326).
    func checkOrigin(spaRedemption: Bool) throws(EntraError) {
        switch (spaRedemption, request.origin) {
        case (true, nil): throw .spaRequiresCrossOrigin()
        case (false, let origin?): throw .crossOriginOnlyForSPA(origin: origin)
        default: return
        }
    }

    /// What a federated client assertion issued by MockEntra itself is checked with.
    var federation: FederationTrust { FederationTrust(keys: minter.keys) }

    /// The `aud` values a client assertion may carry: this tenant's v1 and v2 token endpoints on
    /// the host the client called, named by tenant id, by any of its domains, or by the segment used.

    func assertionAudiences(for tenant: Tenant) -> Set<String> {
        var audiences: Set<String> = []
        let base = request.baseURL.lowercased()
        for name in [tenant.id, request.tenant.lowercased()] + tenant.domains.map({ $0.lowercased() }) {
            audiences.insert("\(base)/\(name)/oauth2/v2.0/token")
            audiences.insert("\(base)/\(name)/oauth2/token")
        }
        return audiences
    }
}

/// One OAuth grant. Each grant lives in its own file and fills in the exchange record as it
/// learns who and what the request is about, so even a rejection is recorded in full.
protocol GrantHandler: Sendable {
    func handle(_ context: GrantContext, record: inout ExchangeRecord) throws(EntraError) -> IssuedTokens
}

extension ExchangeRecord {
    /// Records the client once it has authenticated, with how it did.
    mutating func identify(_ authenticated: AuthenticatedClient) {
        client = .init(appId: authenticated.application.appId, displayName: authenticated.application.displayName,
                       authenticationMethod: authenticated.method)
    }
}
