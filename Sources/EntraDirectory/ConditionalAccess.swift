// Conditional Access as a scenario declares it, shaped like Microsoft Graph's
// `conditionalAccessPolicy` and `ipNamedLocation`, with every reference already resolved to an id
// (users and groups to object ids, applications to appIds, locations to named-location ids).
// The token service evaluates these when it issues a user token for a resource.

/// One Conditional Access policy. Empty condition lists mean "not configured" (the condition does
/// not narrow the policy), as in Graph.
public struct ConditionalAccessPolicy: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case enabled, disabled, enabledForReportingButNotEnforced
    }

    public enum GrantOperator: String, Sendable, CaseIterable {
        case and = "AND", or = "OR"
    }

    public enum GrantControl: String, Sendable, CaseIterable {
        case mfa, block, compliantDevice
    }

    /// Graph's `conditionalAccessClientApp` values this emulator knows.
    public enum ClientAppType: String, Sendable, CaseIterable {
        case all, browser, mobileAppsAndDesktopClients, exchangeActiveSync, other
    }

    /// `includeUsers: ["All"]` sets `includeAllUsers`; `["None"]` leaves every include list empty.
    public struct Users: Sendable, Equatable {
        public var includeAllUsers: Bool
        /// `includeUsers: ["AllAgentIdUsers"]`: every agent's user account (Agent ID).
        public var includeAllAgentUsers: Bool
        public var includeUsers: [String]
        public var excludeUsers: [String]
        public var includeGroups: [String]
        public var excludeGroups: [String]

        public init(includeAllUsers: Bool = false, includeAllAgentUsers: Bool = false, includeUsers: [String] = [],
                    excludeUsers: [String] = [], includeGroups: [String] = [], excludeGroups: [String] = []) {
            self.includeAllUsers = includeAllUsers
            self.includeAllAgentUsers = includeAllAgentUsers
            self.includeUsers = includeUsers
            self.excludeUsers = excludeUsers
            self.includeGroups = includeGroups
            self.excludeGroups = excludeGroups
        }
    }

    /// The target: resources by appId, or authentication contexts (`c1`…`c25`) that a resource
    /// asks for through a `claims` request. A policy has one kind of target, never both (as in the
    /// portal, where "Target resources" is either cloud apps or an authentication context).
    public struct Applications: Sendable, Equatable {
        public var includeAllApplications: Bool
        public var includeApplications: [String]
        public var excludeApplications: [String]
        public var includeAuthenticationContextClassReferences: [String]

        public init(includeAllApplications: Bool = false, includeApplications: [String] = [],
                    excludeApplications: [String] = [], includeAuthenticationContextClassReferences: [String] = []) {
            self.includeAllApplications = includeAllApplications
            self.includeApplications = includeApplications
            self.excludeApplications = excludeApplications
            self.includeAuthenticationContextClassReferences = includeAuthenticationContextClassReferences
        }
    }

    /// `conditions.clientApplications` (Conditional Access for workload identities and for Agent ID):
    /// the policy's subject is an application acting as itself, so it applies to app-only tokens
    /// (client credentials), never to user tokens. Service principals and agent identities are
    /// separate lists, by appId.
    public struct ClientApplications: Sendable, Equatable {
        /// `includeServicePrincipals: ["ServicePrincipalsInMyTenant"]`.
        public var includeAllServicePrincipals: Bool
        public var includeServicePrincipals: [String]
        public var excludeServicePrincipals: [String]
        /// `includeAgentIdServicePrincipals: ["All"]`.
        public var includeAllAgentIdentities: Bool
        public var includeAgentIdentities: [String]
        public var excludeAgentIdentities: [String]

        public init(includeAllServicePrincipals: Bool = false, includeServicePrincipals: [String] = [],
                    excludeServicePrincipals: [String] = [], includeAllAgentIdentities: Bool = false,
                    includeAgentIdentities: [String] = [], excludeAgentIdentities: [String] = []) {
            self.includeAllServicePrincipals = includeAllServicePrincipals
            self.includeServicePrincipals = includeServicePrincipals
            self.excludeServicePrincipals = excludeServicePrincipals
            self.includeAllAgentIdentities = includeAllAgentIdentities
            self.includeAgentIdentities = includeAgentIdentities
            self.excludeAgentIdentities = excludeAgentIdentities
        }
    }

    /// Location ids, or the special values `All` and `AllTrusted`.
    public struct Locations: Sendable, Equatable {
        public var includeLocations: [String]
        public var excludeLocations: [String]

        public init(includeLocations: [String], excludeLocations: [String]) {
            self.includeLocations = includeLocations
            self.excludeLocations = excludeLocations
        }
    }

    public var id: String
    public var displayName: String
    public var state: State
    public var users: Users
    /// Set for a policy about workloads (app-only tokens); nil for one about users.
    public var clientApplications: ClientApplications?
    public var applications: Applications
    /// Empty, or containing `.all`: every client app type.
    public var clientAppTypes: [ClientAppType]
    /// nil: any location.
    public var locations: Locations?
    public var signInRiskLevels: [RiskLevel]
    public var userRiskLevels: [RiskLevel]
    /// The risk Identity Protection gives a service principal, and an agent identity (scripted per application).
    public var servicePrincipalRiskLevels: [RiskLevel]
    public var agentIdRiskLevels: [RiskLevel]
    public var grantOperator: GrantOperator
    public var builtInControls: [GrantControl]
    /// Session control `signInFrequency`, in seconds, when enabled.
    public var signInFrequency: Double?

    public init(id: String, displayName: String, state: State, users: Users, applications: Applications,
                clientAppTypes: [ClientAppType] = [], locations: Locations? = nil, signInRiskLevels: [RiskLevel] = [],
                userRiskLevels: [RiskLevel] = [], grantOperator: GrantOperator = .or, builtInControls: [GrantControl],
                signInFrequency: Double? = nil, clientApplications: ClientApplications? = nil,
                servicePrincipalRiskLevels: [RiskLevel] = [], agentIdRiskLevels: [RiskLevel] = []) {
        self.id = id
        self.displayName = displayName
        self.state = state
        self.users = users
        self.applications = applications
        self.clientAppTypes = clientAppTypes
        self.locations = locations
        self.signInRiskLevels = signInRiskLevels
        self.userRiskLevels = userRiskLevels
        self.grantOperator = grantOperator
        self.builtInControls = builtInControls
        self.signInFrequency = signInFrequency
        self.clientApplications = clientApplications
        self.servicePrincipalRiskLevels = servicePrincipalRiskLevels
        self.agentIdRiskLevels = agentIdRiskLevels
    }
}

/// Graph's `riskLevel` values a scenario may script for a user.
public enum RiskLevel: String, Sendable, CaseIterable {
    case none, low, medium, high
}

/// An `ipNamedLocation`: IP ranges matched against the client address of a token request.
public struct NamedLocation: Sendable, Equatable {
    public let id: String
    public let displayName: String
    public let ipRanges: [IPRange]
    public let isTrusted: Bool

    public init(id: String, displayName: String, ipRanges: [IPRange], isTrusted: Bool) {
        self.id = id
        self.displayName = displayName
        self.ipRanges = ipRanges
        self.isTrusted = isTrusted
    }

    public func contains(_ address: IPAddress) -> Bool { ipRanges.contains { $0.contains(address) } }
}
