// swift-tools-version:6.0
// MockEntra: a local identity provider that real clients cannot tell from Microsoft Entra ID.
// No package dependencies by design: Foundation, Dispatch, Glibc and the system OpenSSL 3 only.
import PackageDescription

let package = Package(
    name: "MockEntra",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "MockEntra", targets: ["MockEntra"]),
        .executable(name: "mockentra", targets: ["mockentra"]),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        // epoll and eventfd, which Swift's Glibc module does not export (the server is Linux-only).
        .systemLibrary(name: "CLinuxEvents"),
        // Layer 2: no knowledge of Entra.
        .target(name: "JOSE", dependencies: ["COpenSSL"]),
        .target(name: "HTTPServer", dependencies: ["COpenSSL", "CLinuxEvents"]),
        // Layer 3: the scenario model.
        .target(name: "EntraDirectory", dependencies: ["JOSE"]),
        // Layer 4: the security token service, values in and values out.
        .target(name: "TokenService", dependencies: ["EntraDirectory", "JOSE"]),
        // Layer 5: Entra's URL paths, documents and the test-control API.
        .target(name: "MockEntra", dependencies: ["TokenService", "EntraDirectory", "JOSE", "HTTPServer", "COpenSSL"]),
        // Layer 6: the command line.
        .executableTarget(name: "mockentra", dependencies: ["MockEntra", "COpenSSL"]),

        // libFuzzer targets: built normally they replay corpus files given as arguments;
        // scripts/fuzz.sh builds them with -DFUZZING and the fuzzer + address sanitizers.
        .target(name: "FuzzSupport", path: "Fuzz/Support"),
        .executableTarget(name: "FuzzHTTPRequest", dependencies: ["HTTPServer", "FuzzSupport"], path: "Fuzz/HTTPRequest"),
        .executableTarget(name: "FuzzFormData", dependencies: ["HTTPServer", "FuzzSupport"], path: "Fuzz/FormData"),
        .executableTarget(name: "FuzzJWT", dependencies: ["JOSE", "FuzzSupport"], path: "Fuzz/JWT"),
        .executableTarget(name: "FuzzScenario", dependencies: ["EntraDirectory", "FuzzSupport"], path: "Fuzz/Scenario"),
        .executableTarget(name: "FuzzRouter", dependencies: ["MockEntra", "TokenService", "EntraDirectory", "HTTPServer", "FuzzSupport"],
                          path: "Fuzz/Router"),

        .testTarget(name: "JOSETests", dependencies: ["JOSE"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
        .testTarget(name: "EntraDirectoryTests", dependencies: ["EntraDirectory"]),
        .testTarget(name: "TokenServiceTests", dependencies: ["TokenService"]),
        .testTarget(name: "MockEntraTests", dependencies: ["MockEntra", "TokenService", "HTTPServer", "COpenSSL"]),
    ],
    swiftLanguageModes: [.v6]
)
