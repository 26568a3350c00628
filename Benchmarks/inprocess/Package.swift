// swift-tools-version:6.0
// MockEntra's own work per token request, without sockets or TLS: a request's bytes are parsed,
// routed, handled by the token service and serialized in this process, in a loop. It reaches the
// package's internal router with `@testable import`, so build it with `-enable-testing`
// (Benchmarks/inprocess/run.sh does). Not part of the product or of the test command.
import PackageDescription

let package = Package(
    name: "inprocess",
    dependencies: [.package(path: "../..")],
    targets: [.executableTarget(name: "inprocess", dependencies: [.product(name: "MockEntra", package: "main")])],
    swiftLanguageModes: [.v6]
)
