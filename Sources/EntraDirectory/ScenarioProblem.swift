// Load errors: every problem found in a scenario, each pinned to a file and a JSON path.

/// One thing wrong with a scenario file. `path` is a JSON path such as
/// `applications[2].api.oauth2PermissionScopes[0].value` (`$` for the document itself).
public struct ScenarioProblem: Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let path: String
    public let reason: String

    public init(file: String, path: String, reason: String) {
        self.file = file
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(file): \(path): \(reason)" }
}

/// Thrown when a scenario cannot be loaded. It carries *all* problems found, not just the first,
/// so one run of `mockentra check` shows everything to fix.
public struct ScenarioLoadError: Error, CustomStringConvertible {
    public let problems: [ScenarioProblem]

    public init(problems: [ScenarioProblem]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
