// Users, groups, and the two kinds of permission a principal can hold.

/// A class for the reason `Application` is one: immutable once loaded, passed around on every request.
public final class User: Sendable {
    public let id: String
    public let userPrincipalName: String
    public let displayName: String
    public let givenName: String?
    public let surname: String?
    public let mail: String?
    public let accountEnabled: Bool
    /// Emulator-only: the password accepted by the sign-in page and the ROPC grant.
    public let password: String?
    /// Emulator-only: sign-in fails as Entra does for an expired password.
    public let passwordExpired: Bool
    /// Emulator-only: whether the user can satisfy an MFA requirement.
    public let mfaRegistered: Bool
    /// Filled in by the loader from both sides of each membership (`memberOf`, `members`; `withGroupIds`).
    public let groupIds: [String]
    /// Emulator-only, for Conditional Access: the risk Identity Protection would compute for this
    /// user's sign-ins and for the user, and whether the user's device is compliant (Intune).
    public let signInRisk: RiskLevel
    public let userRisk: RiskLevel
    public let deviceIsCompliant: Bool
    /// Agent ID: set for an agent's user account (Graph `agentUser`), the appId of the one agent
    /// identity that obtains its tokens (`identityParentId`). Such a user has no password or MFA.
    public let agentIdentityAppId: String?

    public init(
        id: String, userPrincipalName: String, displayName: String, givenName: String?, surname: String?,
        mail: String?, accountEnabled: Bool, password: String?, passwordExpired: Bool, mfaRegistered: Bool,
        groupIds: [String], signInRisk: RiskLevel = .none, userRisk: RiskLevel = .none, deviceIsCompliant: Bool = false,
        agentIdentityAppId: String? = nil
    ) {
        self.id = id
        self.userPrincipalName = userPrincipalName
        self.displayName = displayName
        self.givenName = givenName
        self.surname = surname
        self.mail = mail
        self.accountEnabled = accountEnabled
        self.password = password
        self.passwordExpired = passwordExpired
        self.mfaRegistered = mfaRegistered
        self.groupIds = groupIds
        self.signInRisk = signInRisk
        self.userRisk = userRisk
        self.deviceIsCompliant = deviceIsCompliant
        self.agentIdentityAppId = agentIdentityAppId
    }

    /// The same user with the group memberships the loader linked.
    func withGroupIds(_ groupIds: [String]) -> User {
        copy(groupIds: groupIds)
    }

    /// The same user as the agent user of an agent identity (resolved once every application is known).
    func withAgentIdentity(appId: String) -> User {
        copy(agentIdentityAppId: appId)
    }

    private func copy(groupIds: [String]? = nil, agentIdentityAppId agent: String? = nil) -> User {
        User(id: id, userPrincipalName: userPrincipalName, displayName: displayName, givenName: givenName,
             surname: surname, mail: mail, accountEnabled: accountEnabled, password: password,
             passwordExpired: passwordExpired, mfaRegistered: mfaRegistered, groupIds: groupIds ?? self.groupIds,
             signInRisk: signInRisk, userRisk: userRisk, deviceIsCompliant: deviceIsCompliant,
             agentIdentityAppId: agent ?? agentIdentityAppId)
    }
}

public struct Group: Sendable {
    public let id: String
    public let displayName: String
    public internal(set) var memberIds: [String]

    public init(id: String, displayName: String, memberIds: [String]) {
        self.id = id
        self.displayName = displayName
        self.memberIds = memberIds
    }
}

/// A principal (an app's service principal id, or a user's id) holding an app role on a resource.
public struct AppRoleAssignment: Sendable {
    public let principalId: String
    public let resourceAppId: String
    public let appRoleId: String

    public init(principalId: String, resourceAppId: String, appRoleId: String) {
        self.principalId = principalId
        self.resourceAppId = resourceAppId
        self.appRoleId = appRoleId
    }
}

/// Delegated consent: `client` may call `resource` with `scopes` for all users ("AllPrincipals")
/// or for one user ("Principal", with `principalId`).
public struct OAuth2PermissionGrant: Sendable {
    public let clientAppId: String
    public let resourceAppId: String
    public let scopes: [String]
    public let consentType: String
    public let principalId: String?

    public init(clientAppId: String, resourceAppId: String, scopes: [String], consentType: String, principalId: String?) {
        self.clientAppId = clientAppId
        self.resourceAppId = resourceAppId
        self.scopes = scopes
        self.consentType = consentType
        self.principalId = principalId
    }
}
