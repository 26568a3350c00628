import Foundation

/// Where the committed development keys and scenarios live. Found from this source file's path
/// at build time, so `swift run mockentra` works from any directory on the machine that built it;
/// `MOCKENTRA_HOME` overrides it for a binary that was copied elsewhere.
public enum BundledFiles {
    public static var root: String {
        if let home = ProcessInfo.processInfo.environment["MOCKENTRA_HOME"], !home.isEmpty { return home }
        // …/Sources/MockEntra/BundledFiles.swift → the package root.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    public static var keysDirectory: String { root + "/Keys" }
    public static var defaultScenario: String { root + "/Scenarios/default.json" }
}
