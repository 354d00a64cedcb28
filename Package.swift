// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Perigate",
    platforms: [.macOS(.v14)],
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
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(
            name: "PerigateCore",
            dependencies: [
                "CLibXML2",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "PerigateDrivers",
            dependencies: [
                "PerigateCore",
                "CZlib",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ]
        ),
        .target(
            name: "PerigateServer",
            dependencies: [
                "PerigateCore",
                "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .executableTarget(
            name: "Perigate",
            dependencies: [
                "PerigateCore",
                "PerigateDrivers",
                "PerigateServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "PerigateCoreTests",
            dependencies: ["PerigateCore", "PerigateDrivers", "PerigateServer"]
        ),
        .testTarget(
            name: "PerigateCLITests",
            dependencies: ["PerigateCore", "PerigateDrivers"]
        ),
    ]
)
