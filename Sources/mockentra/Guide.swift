import EntraDirectory
import Foundation
import MockEntra

/// The human part of the startup output: what a person needs to use the server at once.
enum Guide {
    static func text(server: MockEntraServer, scenario: Scenario, caFile: String) -> String {
        let tenant = scenario.directory.tenants[0]
        let declared = tenant.applications.filter { !$0.isBuiltIn }
        var lines: [String] = []
        lines.append("")
        lines.append("MockEntra is serving \(tenant.displayName) (\(tenant.defaultDomain))")
        lines.append("  authority:   \(server.authority)")
        lines.append("  tenant id:   \(tenant.id)")
        lines.append("  issuer (v2): \(server.issuer)")
        lines.append("  trust CA:    \(caFile)")
        lines.append("  exchanges:   \(server.baseURL)/_mockentra/exchanges")
        if !declared.isEmpty {
            lines.append("")
            lines.append("Applications:")
            for app in declared {
                var facts = [app.appId]
                if let secret = app.passwordCredentials.first?.secretText { facts.append("secret \(secret)") }
                if !app.keyCredentials.isEmpty { facts.append("certificate") }
                if let uri = app.identifierUris.first { facts.append(uri) }
                if app.isFallbackPublicClient { facts.append("public client") }
                if let identity = app.managedIdentity {
                    facts.append(identity.kind == .systemAssigned ? "managed identity (system-assigned)" : "managed identity (user-assigned)")
                }
                if let agent = app.agentIdentity {
                    let blueprint = tenant.application(appId: agent.blueprintAppId)?.displayName ?? agent.blueprintAppId
                    facts.append("agent identity of \(blueprint)")
                } else if !app.federatedIdentityCredentials.isEmpty {
                    facts.append("federated credentials")
                }
                lines.append("  \(app.displayName): \(facts.joined(separator: ", "))")
            }
        }
        if declared.contains(where: { $0.managedIdentity != nil }) {
            lines.append("")
            lines.append("Managed identity (azure-identity ManagedIdentityCredential):")
            lines.append("  App Service: IDENTITY_ENDPOINT=\(server.baseURL)/msi/token IDENTITY_HEADER=\(MockEntraServer.identityHeader)")
            lines.append("  IMDS:        AZURE_POD_IDENTITY_AUTHORITY_HOST=\(server.baseURL)")
        }
        let users = tenant.users.filter { $0.password != nil }
        if !users.isEmpty {
            lines.append("")
            lines.append("Users:")
            for user in users { lines.append("  \(user.userPrincipalName) / \(user.password ?? "")") }
        }
        if let example = example(tenant: tenant, server: server, caFile: caFile) {
            lines.append("")
            lines.append(example)
        }
        lines.append("")
        lines.append("Stop with Ctrl-C.")
        return lines.joined(separator: "\n")
    }

    /// A client-credentials call for the first app with a secret and a role on some resource.
    static func example(tenant: Tenant, server: MockEntraServer, caFile: String) -> String? {
        let candidates = tenant.applications.filter { !$0.isBuiltIn && !$0.passwordCredentials.isEmpty }
        for app in candidates {
            guard let assignment = tenant.appRoleAssignments.first(where: { $0.principalId == app.servicePrincipalId }),
                  let resource = tenant.application(appId: assignment.resourceAppId) else { continue }
            let identifier = resource.identifierUris.first ?? resource.appId
            let scope = identifier + "/.default"
            let secret = app.passwordCredentials[0].secretText
            return """
            Try it (client credentials):
              curl --cacert \(caFile) \(server.tokenEndpoint) \\
                -d client_id=\(app.appId) -d client_secret=\(secret) \\
                -d grant_type=client_credentials --data-urlencode scope=\(scope)

            From Python (pip install msal):
              import msal, requests
              s = requests.Session(); s.verify = "\(caFile)"
              app = msal.ConfidentialClientApplication("\(app.appId)", client_credential="\(secret)",
                  authority="\(server.authority)", instance_discovery=False, http_client=s)
              print(app.acquire_token_for_client(["\(scope)"]))
            """
        }
        return nil
    }
}
