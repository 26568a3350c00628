import EntraDirectory

/// An application's supported account types (`signInAudience`) against the authority a user flow
/// used. Entra refuses a single-tenant application on `/common` and `/organizations` (AADSTS50194),
/// an application without personal accounts on `/consumers` (login.live.com's `unauthorized_client`),
/// and one for personal accounts only anywhere else (AADSTS9002331). An application that does not
/// declare `signInAudience` is not checked (our choice: scenarios written before it mattered keep
/// working on every authority; the portal's default for a new registration is single-tenant).
/// MockEntra models no personal Microsoft accounts, so a personal-enabled application on
/// `/consumers` signs in the scenario's work users (a known limit).
enum AccountTypes {
    static let personal: Set<String> = ["AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount"]

    /// The same for a client named by its appId in the tenant the authority led to.
    static func check(clientId: String, in tenant: Tenant, authority segment: String) throws(EntraError) {
        if let app = tenant.application(appId: clientId.lowercased()) { try check(app, authority: segment) }
    }

    static func check(_ app: Application, authority segment: String) throws(EntraError) {
        guard let audience = app.signInAudience else { return }
        switch segment.lowercased() {
        case "common", "organizations":
            if audience == "AzureADMyOrg" { throw .singleTenantOnTenantlessAuthority(app) }
            if audience == "PersonalMicrosoftAccount", segment.lowercased() == "organizations" { throw .personalAccountsOnly(app) }
        case "consumers":
            if !personal.contains(audience) { throw .notEnabledForConsumers() }
        default:
            if audience == "PersonalMicrosoftAccount" { throw .personalAccountsOnly(app) }
        }
    }
}

extension TenantSelection {
    /// For user flows: a named tenant, or for the tenantless aliases the one tenant that registers
    /// the client; either way an authority the client's account types allow.
    static func resolveForUser(_ segment: String, clientId: String, in directory: Directory) -> Result<Tenant, EntraError> {
        do throws(EntraError) {
            let tenant: Tenant
            switch try resolve(segment, in: directory) {
            case .tenant(let named): tenant = named
            case .tenantless: tenant = try homeTenant(of: clientId, in: directory, segment: segment)
            }
            try AccountTypes.check(clientId: clientId, in: tenant, authority: segment)
            return .success(tenant)
        } catch {
            return .failure(error)
        }
    }
}

extension EntraError {
    /// 50194, with Entra's text as seen in real responses.
    static func singleTenantOnTenantlessAuthority(_ app: Application) -> EntraError {
        EntraError(error: "invalid_request", code: 50194,
                   message: "Application '\(app.appId)'(\(app.displayName)) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.")
    }

    /// 9002331, with Entra's text as seen in real responses.
    static func personalAccountsOnly(_ app: Application) -> EntraError {
        EntraError(error: "invalid_request", code: 9002331,
                   message: "Application '\(app.appId)'(\(app.displayName)) is configured for use by Microsoft Account users only. Please use the /consumers endpoint to serve this request.")
    }

    /// login.live.com answers `unauthorized_client` with this text and no AADSTS code; 700016
    /// (the application is not found) is our choice of code.
    static func notEnabledForConsumers() -> EntraError {
        EntraError(error: "unauthorized_client", code: 700016,
                   message: "The client does not exist or is not enabled for consumers. If you are the application developer, configure a new application through the App Registrations in the Azure Portal.")
    }
}
