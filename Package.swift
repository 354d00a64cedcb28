// swift-tools-version: 6.0
import Foundation
import PackageDescription

let package = Package(
    name: "Perigate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "perigate", targets: ["Perigate"]),
        .library(name: "PerigateCore", targets: ["PerigateCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(name: "PerigateXML", dependencies: ["CLibXML2"]),
        // The FHIR STU3 model and its two formats; Resources.generated.swift is made from model.stu3.
        .target(name: "PerigateFHIR", dependencies: ["PerigateXML"], exclude: ["model.stu3"]),
        .target(
            name: "PerigateCore",
            dependencies: [
                "PerigateXML",
                "PerigateFHIR",
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // glibc's auxiliary vector and version (AllocatorTuning); headers only, nothing to link.
        .systemLibrary(name: "CGlibc"),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "PerigateSQLite",
            dependencies: [
                "PerigateCore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ]
        ),
        .target(
            name: "PerigatePostgres",
            dependencies: [
                "PerigateCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PerigateServer",
            dependencies: [
                "PerigateCore",
                "PerigateXML",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "PerigateConsole",
            dependencies: [
                "PerigateCore",
                "PerigateServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .target(
            name: "PerigateDelivery",
            dependencies: [
                "PerigateCore",
                "PerigateXML",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "Perigate",
            dependencies: [
                .target(name: "CGlibc", condition: .when(platforms: [.linux])),
                "PerigateCore",
                "PerigateSQLite",
                "PerigateXML",
                "PerigatePostgres",
                "PerigateServer",
                "PerigateConsole",
                "PerigateDelivery",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "PerigateTestSupport",
            dependencies: ["PerigateCore", "PerigateXML", "PerigateFHIR"],
            path: "Tests/PerigateTestSupport"
        ),
        // One test target per layer, each depending only on what it tests (docs/architecture.md).
        .testTarget(
            name: "PerigateCoreTests",
            dependencies: ["PerigateCore", "PerigateXML", "PerigateFHIR", "PerigateTestSupport"]
        ),
        .testTarget(
            name: "PerigateStoreTests",
            dependencies: [
                "PerigateCore", "PerigateXML", "PerigateSQLite", "PerigatePostgres", "PerigateTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "PerigateServerTests",
            dependencies: [
                "PerigateCore", "PerigateXML", "PerigateFHIR", "PerigateSQLite", "PerigateServer", "PerigateConsole", "PerigateDelivery", "PerigateTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "PerigateCLITests",
            dependencies: [
                "Perigate", "PerigateCore", "PerigateSQLite", "PerigatePostgres", "PerigateTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)

// The libFuzzer target exists only for scripts/fuzz.sh (it has no main of its own: it needs
// `-sanitize=fuzzer`), so ordinary builds and CI never see it.
if ProcessInfo.processInfo.environment["PERIGATE_FUZZ"] == "1" {
    package.targets.append(.executableTarget(name: "PerigateFuzz", dependencies: ["PerigateCore", "PerigateXML"]))
}
