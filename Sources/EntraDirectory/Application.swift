// An application registration together with its service principal, as Microsoft Graph shows them.
import Foundation
import JOSE

/// A class: applications are immutable once loaded and are looked up and passed around several times
/// on every token request; a reference costs one count where a copy cost one per stored collection.
public final class Application: Sendable {
    public let appId: String
    /// The application object's id (Graph `application.id`).
    public let objectId: String
    /// The service principal's object id in this tenant: the `oid` of app-only tokens.
    public let servicePrincipalId: String
    public let displayName: String
    public let identifierUris: [String]
    /// True for first-party Microsoft resources that every tenant has without declaring them.
    public let isBuiltIn: Bool
    /// The service principal's `accountEnabled`.
    public let accountEnabled: Bool
    public let signInAudience: String?
    public let isFallbackPublicClient: Bool
    public let publicClientRedirectUris: [String]
    public let webRedirectUris: [String]
    public let spaRedirectUris: [String]
    public let passwordCredentials: [PasswordCredential]
    public let keyCredentials: [KeyCredential]
    /// nil or 1 → the resource receives v1 tokens, 2 → v2 tokens.
    public let requestedAccessTokenVersion: Int?
    public let oauth2PermissionScopes: [PermissionScope]
    public let appRoles: [AppRole]
    /// Filled in by the loader once every application of the tenant is known (`withRequiredResourceAccess`).
    public let requiredResourceAccess: [RequiredResourceAccess]
    /// Claims the application asks for in tokens issued for it (Graph `optionalClaims`).
    public let optionalClaims: OptionalClaims
    /// Set when this service principal is a managed identity of the (emulated) Azure host: it gets
    /// tokens from the managed-identity endpoints and has no credentials of its own.
    public let managedIdentity: ManagedIdentity?
    /// Trust in tokens from another issuer as this app's credential (workload identity federation).
    public let federatedIdentityCredentials: [FederatedIdentityCredential]
    /// Set for an Agent ID agent identity: a service principal without credentials of its own,
    /// whose blueprint application obtains tokens for it (entra-wire §7).
    public let agentIdentity: AgentIdentity?
    /// For an agent identity blueprint: what its agent identities inherit of its own permissions,
    /// per resource. Empty: they inherit nothing.
    public let inheritablePermissions: [InheritablePermission]
    /// Emulator-only, for Conditional Access: the risk Identity Protection gives this service
    /// principal (an agent identity's is its agent risk).
    public let riskLevel: RiskLevel

    public init(
        appId: String, objectId: String, servicePrincipalId: String, displayName: String,
        identifierUris: [String], isBuiltIn: Bool, accountEnabled: Bool, signInAudience: String?,
        isFallbackPublicClient: Bool, publicClientRedirectUris: [String], webRedirectUris: [String],
        spaRedirectUris: [String], passwordCredentials: [PasswordCredential], keyCredentials: [KeyCredential],
        requestedAccessTokenVersion: Int?, oauth2PermissionScopes: [PermissionScope], appRoles: [AppRole],
        requiredResourceAccess: [RequiredResourceAccess], optionalClaims: OptionalClaims = .none,
        managedIdentity: ManagedIdentity? = nil, federatedIdentityCredentials: [FederatedIdentityCredential] = [],
        agentIdentity: AgentIdentity? = nil, inheritablePermissions: [InheritablePermission] = [],
        riskLevel: RiskLevel = .none
    ) {
        self.appId = appId
        self.objectId = objectId
        self.servicePrincipalId = servicePrincipalId
        self.displayName = displayName
        self.identifierUris = identifierUris
        self.isBuiltIn = isBuiltIn
        self.accountEnabled = accountEnabled
        self.signInAudience = signInAudience
        self.isFallbackPublicClient = isFallbackPublicClient
        self.publicClientRedirectUris = publicClientRedirectUris
        self.webRedirectUris = webRedirectUris
        self.spaRedirectUris = spaRedirectUris
        self.passwordCredentials = passwordCredentials
        self.keyCredentials = keyCredentials
        self.requestedAccessTokenVersion = requestedAccessTokenVersion
        self.oauth2PermissionScopes = oauth2PermissionScopes
        self.appRoles = appRoles
        self.requiredResourceAccess = requiredResourceAccess
        self.optionalClaims = optionalClaims
        self.managedIdentity = managedIdentity
        self.federatedIdentityCredentials = federatedIdentityCredentials
        self.agentIdentity = agentIdentity
        self.inheritablePermissions = inheritablePermissions
        self.riskLevel = riskLevel
    }

    /// The same application with the permissions the loader resolved once every application was known.
    func withRequiredResourceAccess(_ access: [RequiredResourceAccess]) -> Application {
        copy(requiredResourceAccess: access)
    }

    /// The same agent identity with its blueprint resolved: it trusts the blueprint's exchange token
    /// (T1) as a federated credential whose subject names both (entra-wire §7.2).
    func withAgentBlueprint(_ blueprint: Application, tenantId: String) -> Application {
        let trust = FederatedIdentityCredential(
            name: "agent identity blueprint", issuer: "https://login.microsoftonline.com/\(tenantId)/v2.0",
            subject: AgentIdentity.exchangeSubject(tenantId: tenantId, blueprintAppId: blueprint.appId, agentAppId: appId),
            audiences: [TokenExchange.audience], certificate: nil)
        return copy(federatedIdentityCredentials: federatedIdentityCredentials + [trust],
                    agentIdentity: AgentIdentity(blueprintAppId: blueprint.appId))
    }

    /// The same blueprint with its resolved `inheritablePermissions`.
    func withInheritablePermissions(_ permissions: [InheritablePermission]) -> Application {
        copy(inheritablePermissions: permissions)
    }

    /// What this blueprint's agent identities inherit on a resource; nil: nothing.
    public func inheritablePermission(on resourceAppId: String) -> InheritablePermission? {
        inheritablePermissions.first { $0.resourceAppId == resourceAppId }
    }

    /// A copy with what the loader fills in after parsing replaced (applications are immutable).
    private func copy(requiredResourceAccess access: [RequiredResourceAccess]? = nil,
                      federatedIdentityCredentials credentials: [FederatedIdentityCredential]? = nil,
                      agentIdentity agent: AgentIdentity? = nil,
                      inheritablePermissions inheritable: [InheritablePermission]? = nil) -> Application {
        Application(appId: appId, objectId: objectId, servicePrincipalId: servicePrincipalId, displayName: displayName,
                    identifierUris: identifierUris, isBuiltIn: isBuiltIn, accountEnabled: accountEnabled,
                    signInAudience: signInAudience, isFallbackPublicClient: isFallbackPublicClient,
                    publicClientRedirectUris: publicClientRedirectUris, webRedirectUris: webRedirectUris,
                    spaRedirectUris: spaRedirectUris, passwordCredentials: passwordCredentials, keyCredentials: keyCredentials,
                    requestedAccessTokenVersion: requestedAccessTokenVersion, oauth2PermissionScopes: oauth2PermissionScopes,
                    appRoles: appRoles, requiredResourceAccess: access ?? requiredResourceAccess, optionalClaims: optionalClaims,
                    managedIdentity: managedIdentity, federatedIdentityCredentials: credentials ?? federatedIdentityCredentials,
                    agentIdentity: agent ?? agentIdentity, inheritablePermissions: inheritable ?? inheritablePermissions,
                    riskLevel: riskLevel)
    }

    /// A secret, certificate or federated credential: something to get a token as itself with.
    public var hasCredential: Bool {
        !passwordCredentials.isEmpty || !keyCredentials.isEmpty || !federatedIdentityCredentials.isEmpty
    }

    /// The enabled delegated permission named `value` (exact, as Entra compares scope values).
    public func scope(named value: String) -> PermissionScope? {
        oauth2PermissionScopes.first { $0.value == value }
    }

    /// The app role whose value or id is `reference` (ids compared case-insensitively).
    public func appRole(matching reference: String) -> AppRole? {
        appRoles.first { $0.value == reference } ?? appRoles.first { $0.id == reference.lowercased() }
    }
}

/// A managed identity (Azure's identities for workloads): system-assigned (the host's own, one per
/// host) or user-assigned (a standalone Azure resource, selected by client id, object id or
/// resource id). `resourceId` is the ARM id tokens name in `xms_mirid`.
public struct ManagedIdentity: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case systemAssigned, userAssigned }
    public let kind: Kind
    public let resourceId: String

    public init(kind: Kind, resourceId: String) {
        self.kind = kind
        self.resourceId = resourceId
    }

    /// The ARM id a scenario may leave out: a user-assigned identity resource, or for a
    /// system-assigned identity the web app it belongs to, in a fixed example subscription.
    public static func defaultResourceId(kind: Kind, name: String) -> String {
        let prefix = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/mockentra/providers/"
        let slug = String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
        return prefix + (kind == .userAssigned ? "Microsoft.ManagedIdentity/userAssignedIdentities/" : "Microsoft.Web/sites/") + slug
    }
}

/// A federated identity credential (Graph `federatedIdentityCredential`): a token whose `iss` and
/// `sub` equal these (case-sensitively) and whose `aud` is one of `audiences` serves as the app's
/// client assertion. `certificate` holds the issuer's signing key (MockEntra cannot discover
/// external issuers' keys); nil for an issuer that is one of the scenario's own tenants
/// (`https://login.microsoftonline.com/{tenant}/v2.0`), whose tokens MockEntra signs itself.
public struct FederatedIdentityCredential: Sendable {
    public let name: String
    public let issuer: String
    public let subject: String
    public let audiences: [String]
    public let certificate: X509Certificate?

    public init(name: String, issuer: String, subject: String, audiences: [String], certificate: X509Certificate?) {
        self.name = name
        self.issuer = issuer
        self.subject = subject
        self.audiences = audiences
        self.certificate = certificate
    }

    /// `https://login.microsoftonline.com/{tenant}/v2.0`: the tenant id when the issuer is Entra's.
    public var entraTenantId: String? { Self.entraTenantId(ofIssuer: issuer) }

    static func entraTenantId(ofIssuer issuer: String) -> String? {
        let prefix = "https://login.microsoftonline.com/", suffix = "/v2.0"
        guard issuer.hasPrefix(prefix), issuer.hasSuffix(suffix), issuer.count > prefix.count + suffix.count else { return nil }
        return String(issuer.dropFirst(prefix.count).dropLast(suffix.count)).lowercased()
    }
}

/// Agent ID (preview): an agent identity belongs to one blueprint application, which alone can get
/// tokens for it.
public struct AgentIdentity: Sendable, Equatable {
    public let blueprintAppId: String

    public init(blueprintAppId: String) {
        self.blueprintAppId = blueprintAppId
    }

    /// The `sub` of a blueprint's exchange token for one of its agent identities:
    /// `/eid1/c/pub/t/{tenant}/a/{blueprint}/{agent appId}`, the two ids as base64url of their .NET
    /// GUID bytes (entra-wire §7.2, corroborated by published FIC subjects).
    public static func exchangeSubject(tenantId: String, blueprintAppId: String, agentAppId: String) -> String {
        func encoded(_ guid: String) -> String { GUID.dotNetBytes(guid).map(Base64URL.encode) ?? guid }
        return "/eid1/c/pub/t/\(encoded(tenantId))/a/\(encoded(blueprintAppId))/\(agentAppId)"
    }
}

public struct PasswordCredential: Sendable {
    public let keyId: String
    public let displayName: String?
    public let secretText: String
    /// The first three characters of the secret, as Graph shows in `hint`.
    public let hint: String
    public let startDateTime: Date?
    public let endDateTime: Date?

    public init(keyId: String, displayName: String?, secretText: String, startDateTime: Date?, endDateTime: Date?) {
        self.keyId = keyId
        self.displayName = displayName
        self.secretText = secretText
        self.hint = String(secretText.prefix(3))
        self.startDateTime = startDateTime
        self.endDateTime = endDateTime
    }
}

public struct KeyCredential: Sendable {
    public let keyId: String
    public let displayName: String?
    public let certificate: X509Certificate
    public let startDateTime: Date
    public let endDateTime: Date

    public init(keyId: String, displayName: String?, certificate: X509Certificate, startDateTime: Date, endDateTime: Date) {
        self.keyId = keyId
        self.displayName = displayName
        self.certificate = certificate
        self.startDateTime = startDateTime
        self.endDateTime = endDateTime
    }
}

/// A delegated permission (Graph `permissionScope`). `type` is "User" or "Admin" (who may consent).
public struct PermissionScope: Sendable {
    public let id: String
    public let value: String
    public let type: String
    public let isEnabled: Bool

    public init(id: String, value: String, type: String, isEnabled: Bool) {
        self.id = id
        self.value = value
        self.type = type
        self.isEnabled = isEnabled
    }
}

/// An app role; `allowedMemberTypes` holds "Application" and/or "User".
public struct AppRole: Sendable {
    public let id: String
    public let value: String
    public let allowedMemberTypes: [String]
    public let isEnabled: Bool

    public init(id: String, value: String, allowedMemberTypes: [String], isEnabled: Bool) {
        self.id = id
        self.value = value
        self.allowedMemberTypes = allowedMemberTypes
        self.isEnabled = isEnabled
    }
}

/// Permissions an app declares it needs on one resource: scope and role *names*, checked to exist.
public struct RequiredResourceAccess: Sendable {
    public let resourceAppId: String
    public let scopes: [String]
    public let roles: [String]

    public init(resourceAppId: String, scopes: [String], roles: [String]) {
        self.resourceAppId = resourceAppId
        self.scopes = scopes
        self.roles = roles
    }
}
