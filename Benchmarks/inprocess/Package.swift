// swift-tools-version:6.0
// MockEntra's own work per token request, without sockets or TLS: a request's bytes are parsed,
// routed, handled by the token service and serialized in this process, in a loop. It reaches the
// package's internal router with `@testable import`, so build it with `-enable-testing`
// (Benchmarks/inprocess/run.sh does). Not part of the product or of the test command.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder: whatever the checkout is called.
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "inprocess",
    dependencies: [.package(path: "../..")],
    targets: [.executableTarget(name: "inprocess", dependencies: [.product(name: "MockEntra", package: repository)])],
    swiftLanguageModes: [.v6]
)
