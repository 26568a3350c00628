import EntraDirectory

/// What the `{tenant}` path segment named.
enum TenantSelection: Sendable {
    case tenant(Tenant)
    /// `common`, `organizations` or `consumers`: no tenant until the client or user implies one.
    case tenantless(String)

    static let tenantlessNames: Set<String> = ["common", "organizations", "consumers"]

    static func resolve(_ segment: String, in directory: Directory) throws(EntraError) -> TenantSelection {
        let lowered = segment.lowercased()
        if tenantlessNames.contains(lowered) { return .tenantless(lowered) }
        guard let tenant = directory.tenant(matching: segment) else { throw .tenantNotFound(segment) }
        return .tenant(tenant)
    }

    /// For app-only grants, which need a tenant: `/organizations` means the client's home tenant
    /// (the one tenant that registers this appId); `/common` and `/consumers` are refused, as
    /// Entra's guidance says (AADSTS9001023). Entra's exact behaviour on `/organizations` is not
    /// documented; choosing the home tenant keeps MSAL's `organizations` authority usable.
    func tenantForAppOnlyGrant(clientId: String?, in directory: Directory) throws(EntraError) -> Tenant {
        switch self {
        case .tenant(let tenant):
            return tenant
        case .tenantless(let name):
            guard name == "organizations" else { throw .grantNotSupportedOnTenantlessEndpoint() }
            let homes = directory.tenants.filter { tenant in
                guard let clientId, let app = tenant.application(appId: clientId) else { return false }
                return !app.isBuiltIn
            }
            if homes.isEmpty, let clientId {
                throw Identifiers.isGUID(clientId) ? .applicationNotFound(clientId, tenantName: name)
                                                   : .invalidApplicationIdentifier(clientId)
            }
            guard homes.count == 1 else { throw .grantNotSupportedOnTenantlessEndpoint() }
            return homes[0]
        }
    }
}
