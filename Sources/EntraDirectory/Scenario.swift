// The result of loading a scenario file: an immutable directory of tenants.

/// A loaded, validated scenario. `sourceFile` is the path it was read from (nil when loaded from bytes).
public struct Scenario: Sendable {
    public let directory: Directory
    public let sourceFile: String?
    /// Scripted token requests, test-control calls and clock steps with their expected outcomes,
    /// for `mockentra check`.
    public let steps: [ScenarioStep]
    /// Outages the emulator starts with (emulator-only), in force from the first request.
    public let faults: [FaultRule]

    public init(directory: Directory, sourceFile: String?, steps: [ScenarioStep] = [], faults: [FaultRule] = []) {
        self.directory = directory
        self.sourceFile = sourceFile
        self.steps = steps
        self.faults = faults
    }
}

/// All tenants of a scenario. Tenant ids and domains are unique across the directory (the loader checks).
public struct Directory: Sendable {
    public let tenants: [Tenant]
    private let tenantIndexByKey: [String: Int]

    public init(tenants: [Tenant]) {
        self.tenants = tenants
        var index: [String: Int] = [:]
        for (position, tenant) in tenants.enumerated() {
            index[tenant.id.lowercased()] = index[tenant.id.lowercased()] ?? position
            for domain in tenant.domains { index[domain.lowercased()] = index[domain.lowercased()] ?? position }
        }
        tenantIndexByKey = index
    }

    /// The tenant segments that name no tenant of their own (`/common/oauth2/…`).
    public static let tenantlessSegments: Set<String> = ["common", "organizations", "consumers"]

    /// The tenant whose GUID or one of whose domains is `segment` (any case). `common`,
    /// `organizations` and `consumers` are the caller's business and give nil here.
    public func tenant(matching segment: String) -> Tenant? {
        guard let position = tenantIndexByKey[Tenant.lookupKey(segment)] else { return nil }
        return tenants[position]
    }
}
