// First-party Microsoft resources present in every tenant without being declared, with their real
// appIds, identifier URIs and permission ids. All but AzureADTokenExchange receive v1 tokens
// (requestedAccessTokenVersion nil), as Microsoft's own APIs do.
//
// Sources (public reference material, found through the project's search tools):
//  [GRAPH]  Microsoft Graph permissions reference (learn.microsoft.com/graph/permissions-reference);
//           every id below was cross-checked in several public app manifests and scripts.
//  [MCP]    Azure MCP Server, "API permissions" doc: a table of downstream APIs with appId and
//           user_impersonation permission id, plus "APIs without exposed API permissions".
//  [SPN]    Published service-principal name lists (e.g. "Microsoft.EventHubs: 80369ed6-…,
//           https://eventhubs.azure.net").
//  [MANIF]  Public app manifests / az CLI scripts requesting these permissions (several each).

struct BuiltInResource: Sendable {
    struct Scope: Sendable {
        let value: String
        let id: String
        /// "User" (users may consent) or "Admin" (admin consent required).
        let type: String
    }

    struct Role: Sendable {
        let value: String
        let id: String
    }

    let displayName: String
    /// Friendlier names a scenario may use in references ("Azure Resource Manager").
    let aliases: [String]
    let appId: String
    let identifierUris: [String]
    let scopes: [Scope]
    let roles: [Role]
    /// nil: v1 tokens, as Microsoft's own APIs receive.
    var accessTokenVersion: Int? = nil
}

/// The audience of tokens that serve as federated credentials (see the catalogue's entry).
public enum TokenExchange {
    public static let appId = "fb60f99c-7a34-4190-8149-302f77469936"
    public static let audience = "api://AzureADTokenExchange"
}

enum BuiltInResources {
    static let microsoftGraphAppId = "00000003-0000-0000-c000-000000000000"

    static let catalogue: [BuiltInResource] = [
        // [GRAPH] delegated and application permission ids.
        BuiltInResource(
            displayName: "Microsoft Graph", aliases: [], appId: microsoftGraphAppId,
            identifierUris: ["https://graph.microsoft.com"],
            scopes: [
                .init(value: "User.Read", id: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", type: "User"),
                .init(value: "User.ReadBasic.All", id: "b340eb25-3456-403f-be2f-af7a0d370277", type: "User"),
                .init(value: "User.Read.All", id: "a154be20-db9c-4678-8ab7-66f6cc099a59", type: "Admin"),
                .init(value: "Mail.Read", id: "570282fd-fa5c-430d-a7fd-fc8dc98a9dca", type: "User"),
                .init(value: "Mail.Send", id: "e383f46e-2787-4529-855e-0e479a3ffac0", type: "User"),
                .init(value: "Files.Read", id: "10465720-29dd-4523-a11a-6a75c743c9d9", type: "User"),
                .init(value: "Files.ReadWrite", id: "5c28f0bf-8a70-41f1-8ab2-9032436ddb65", type: "User"),
                .init(value: "Calendars.Read", id: "465a38f9-76ea-45b9-9f34-9e8b0d4b0b42", type: "User"),
                .init(value: "Sites.Read.All", id: "205e70e5-aba6-4c52-a976-6d2d46c48043", type: "User"),
                .init(value: "Group.Read.All", id: "5f8c59db-677d-491f-a6b8-5f174b11ec1d", type: "Admin"),
            ],
            roles: [
                .init(value: "User.Read.All", id: "df021288-bdef-4463-88db-98f22de89214"),
                .init(value: "Mail.Read", id: "810c84a8-4a9e-49e6-bf7d-12d183f40d01"),
                .init(value: "Files.Read.All", id: "01d4889c-1287-42c6-ac1f-5d1e02578ef6"),
                .init(value: "Group.Read.All", id: "5b567255-7703-4780-807c-7be8301ae99b"),
                .init(value: "Directory.Read.All", id: "7ab1d382-f21e-4acd-a863-ba3e13f7da61"),
                .init(value: "Sites.Read.All", id: "332a536c-c7ef-4017-ab91-336970924f0d"),
            ]),
        // [MANIF] appId and user_impersonation id ("Access Azure SQL DB and Data Warehouse").
        BuiltInResource(
            displayName: "Azure SQL Database", aliases: [], appId: "022907d3-0f1b-48f7-badc-1ba6abab6d66",
            identifierUris: ["https://database.windows.net/"],
            scopes: [.init(value: "user_impersonation", id: "c39ef2d1-04ce-46dc-8b5f-e9a5c60f0fc9", type: "User")],
            roles: []),
        // [MCP] appId and user_impersonation id; the service principal's real display name.
        BuiltInResource(
            displayName: "Windows Azure Service Management API", aliases: ["Azure Resource Manager"],
            appId: "797f4846-ba00-4fd7-ba43-dac1f8f63013",
            identifierUris: ["https://management.azure.com/", "https://management.core.windows.net/"],
            scopes: [.init(value: "user_impersonation", id: "41094075-9dad-400e-a0bd-54e686782033", type: "User")],
            roles: []),
        // [MCP]
        BuiltInResource(
            displayName: "Azure Key Vault", aliases: [], appId: "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
            identifierUris: ["https://vault.azure.net"],
            scopes: [.init(value: "user_impersonation", id: "f53da476-18e3-4152-8e01-aec403e6edc0", type: "User")],
            roles: []),
        // [MCP]
        BuiltInResource(
            displayName: "Azure Storage", aliases: [], appId: "e406a681-f3d4-42a8-90b6-c2b029497af1",
            identifierUris: ["https://storage.azure.com"],
            scopes: [.init(value: "user_impersonation", id: "03e0da56-190b-40ad-a80c-ea378c433f7f", type: "User")],
            roles: []),
        // [MCP] + [SPN] (display name "Microsoft.ServiceBus").
        BuiltInResource(
            displayName: "Microsoft.ServiceBus", aliases: ["Azure Service Bus"], appId: "80a10ef9-8168-493d-abf9-3297c4ef6e3c",
            identifierUris: ["https://servicebus.azure.net"],
            scopes: [.init(value: "user_impersonation", id: "40e16207-c5fd-4916-8ca4-64565f2367ca", type: "User")],
            roles: []),
        // [MCP] + [SPN] ("Microsoft.EventHubs", https://eventhubs.azure.net).
        BuiltInResource(
            displayName: "Microsoft.EventHubs", aliases: ["Azure Event Hubs"], appId: "80369ed6-5f11-4dd9-bef3-692475845e77",
            identifierUris: ["https://eventhubs.azure.net"],
            scopes: [.init(value: "user_impersonation", id: "7d388411-3845-4cfc-aa69-33192f4b9735", type: "User")],
            roles: []),
        // [MANIF] appId, and user_impersonation id annotated "https://app.vssps.visualstudio.com/user_impersonation".
        BuiltInResource(
            displayName: "Azure DevOps", aliases: [], appId: "499b84ac-1321-427f-aa17-267ca6975798",
            identifierUris: ["https://app.vssps.visualstudio.com"],
            scopes: [.init(value: "user_impersonation", id: "ee69721e-6c3a-468f-a9ec-302d16a4c599", type: "User")],
            roles: []),
        // [MANIF] appId (Microsoft Sentinel / Log Analytics scripts); Data.Read delegated id from app manifests.
        BuiltInResource(
            displayName: "Log Analytics API", aliases: ["Log Analytics"], appId: "ca7f3f0b-7d91-482c-8e09-c5d840d0eac5",
            identifierUris: ["https://api.loganalytics.io"],
            scopes: [.init(value: "Data.Read", id: "e4aa47b9-9a69-4109-82ed-36ec70d85571", type: "User")],
            roles: []),
        // [MCP] appId, user_impersonation id and https://cognitiveservices.azure.com.
        BuiltInResource(
            displayName: "Microsoft Cognitive Services", aliases: ["Azure Cognitive Services"],
            appId: "7d312290-28c8-473c-a0ed-8e53749b6d6d",
            identifierUris: ["https://cognitiveservices.azure.com"],
            scopes: [.init(value: "user_impersonation", id: "5f1e8914-a52b-429f-9324-91b92b81adaf", type: "User")],
            roles: []),
        // [MCP] Kusto audiences are per cluster (https://<cluster>.kusto.windows.net), so only the
        // appId is registered here; a scenario can reference it by appId or name.
        BuiltInResource(
            displayName: "Azure Data Explorer", aliases: ["Kusto"], appId: "2746ea77-4702-4b45-80ca-3c97e680e8b7",
            identifierUris: [],
            scopes: [.init(value: "user_impersonation", id: "00d678f0-da44-4b12-a6d6-c98bcfd1c5fe", type: "User")],
            roles: []),
        // [MCP] "APIs without exposed API permissions": no delegated scope, so On-Behalf-Of to them
        // must fail exactly as in Entra.
        BuiltInResource(
            displayName: "Azure Communication Services", aliases: [], appId: "632ec9eb-fad7-4cbd-993a-e72973ba2acc",
            identifierUris: ["https://communication.azure.com"], scopes: [], roles: []),
        BuiltInResource(
            displayName: "Azure Confidential Ledger", aliases: [], appId: "c9e0b461-3515-4a03-b576-ede91ed4336d",
            identifierUris: ["https://confidential-ledger.azure.com"], scopes: [], roles: []),
        BuiltInResource(
            displayName: "Azure Health Models Data API", aliases: ["Azure Monitor health models"],
            appId: "f3d5b479-4d7f-4a81-9e00-09e2b452c04e",
            identifierUris: ["https://data.healthmodels.azure.com"], scopes: [], roles: []),
        // The audience of tokens that serve as federated credentials (a managed identity's token
        // presented by an app, Agent ID's first step). Observed tokens carry this appId as `aud`
        // in the v2 shape; that the appId is AzureADTokenExchange's is inferred (entra-wire §7).
        BuiltInResource(
            displayName: "AzureADTokenExchange", aliases: [],
            appId: TokenExchange.appId, identifierUris: [TokenExchange.audience], scopes: [], roles: [],
            accessTokenVersion: 2),
    ]


    /// The catalogue as applications of one tenant: object and service-principal ids are per tenant.
    static func applications(tenantId: String) -> [Application] {
        catalogue.map { resource in
            Application(
                appId: resource.appId,
                objectId: DerivedIDs.applicationObject(tenantId: tenantId, appId: resource.appId),
                servicePrincipalId: DerivedIDs.servicePrincipal(tenantId: tenantId, appId: resource.appId),
                displayName: resource.displayName, identifierUris: resource.identifierUris, isBuiltIn: true,
                accountEnabled: true, signInAudience: "AzureADMultipleOrgs", isFallbackPublicClient: false,
                publicClientRedirectUris: [], webRedirectUris: [], spaRedirectUris: [],
                passwordCredentials: [], keyCredentials: [], requestedAccessTokenVersion: resource.accessTokenVersion,
                oauth2PermissionScopes: resource.scopes.map {
                    PermissionScope(id: $0.id, value: $0.value, type: $0.type, isEnabled: true)
                },
                appRoles: resource.roles.map {
                    AppRole(id: $0.id, value: $0.value, allowedMemberTypes: ["Application"], isEnabled: true)
                },
                requiredResourceAccess: [])
        }
    }
}

/// The name spaces of every derived id, in one place so they never drift apart.
enum DerivedIDs {
    static func tenant(defaultDomain: String) -> String { DeterministicID.guid("mockentra/tenant/\(defaultDomain.lowercased())") }
    static func application(tenantId: String, displayName: String) -> String {
        DeterministicID.guid("mockentra/\(tenantId)/application/\(displayName)")
    }
    static func applicationObject(tenantId: String, appId: String) -> String {
        DeterministicID.guid("mockentra/\(tenantId)/applicationObject/\(appId)")
    }
    static func servicePrincipal(tenantId: String, appId: String) -> String {
        DeterministicID.guid("mockentra/\(tenantId)/servicePrincipal/\(appId)")
    }
    static func scope(appId: String, value: String) -> String { DeterministicID.guid("mockentra/\(appId)/scope/\(value)") }
    static func appRole(appId: String, value: String) -> String { DeterministicID.guid("mockentra/\(appId)/appRole/\(value)") }
    static func credential(appId: String, kind: String, index: Int) -> String {
        DeterministicID.guid("mockentra/\(appId)/\(kind)/\(index)")
    }
    static func user(tenantId: String, userPrincipalName: String) -> String {
        DeterministicID.guid("mockentra/\(tenantId)/user/\(userPrincipalName.lowercased())")
    }
    static func group(tenantId: String, displayName: String) -> String {
        DeterministicID.guid("mockentra/\(tenantId)/group/\(displayName)")
    }
}

extension DerivedIDs {
    static func conditionalAccessPolicy(tenantId: String, displayName: String) -> String {
        DeterministicID.guid("mockentra/\(tenantId)/conditionalAccessPolicy/\(displayName)")
    }
    static func namedLocation(tenantId: String, displayName: String) -> String {
        DeterministicID.guid("mockentra/\(tenantId)/namedLocation/\(displayName)")
    }
}
