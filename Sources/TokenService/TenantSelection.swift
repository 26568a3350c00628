import EntraDirectory

/// What the `{tenant}` path segment named.
enum TenantSelection: Sendable {
    case tenant(Tenant)
    /// `common`, `organizations` or `consumers`: no tenant until the client or user implies one.
    case tenantless(String)

    static func resolve(_ segment: String, in directory: Directory) throws(EntraError) -> TenantSelection {
        let lowered = Tenant.lookupKey(segment)
        if Directory.tenantlessSegments.contains(lowered) { return .tenantless(lowered) }
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
            guard let clientId else { throw .missingParameter("client_id") }
            guard Identifiers.isGUID(clientId) else { throw .invalidApplicationIdentifier(clientId) }
            let tenant = try Self.homeTenant(of: clientId, in: directory, segment: name)
            try AccountTypes.check(clientId: clientId, in: tenant, authority: name)
            return tenant
        }
    }

    /// The one tenant that registers `clientId` (built-in resources excluded): what a tenantless
    /// authority (`/common`, `/organizations`) means for that client. None → 700016; several → the
    /// request is ambiguous, as Entra's guidance says tenantless authorities are (AADSTS9001023).
    static func homeTenant(of clientId: String, in directory: Directory, segment: String) throws(EntraError) -> Tenant {
        let homes = directory.tenants.filter { $0.application(appId: clientId).map { !$0.isBuiltIn } ?? false }
        guard !homes.isEmpty else { throw .applicationNotFound(clientId, tenantName: segment) }
        guard homes.count == 1 else { throw .grantNotSupportedOnTenantlessEndpoint() }
        return homes[0]
    }
}

extension TokenService {
    /// The id of the one tenant that registers `clientId` (built-in resources excluded), or nil
    /// when none or several do: what a tenantless authority means for that client.
    public func homeTenantId(ofClient clientId: String) -> String? {
        try? TenantSelection.homeTenant(of: clientId.lowercased(), in: directory, segment: "common").id
    }
}
