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
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(
            name: "PerigateCore",
            dependencies: ["CLibXML2"]
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
        .executableTarget(
            name: "Perigate",
            dependencies: [
                "PerigateCore",
                "PerigateDrivers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "PerigateCoreTests",
            dependencies: ["PerigateCore", "PerigateDrivers"]
        ),
        .testTarget(
            name: "PerigateCLITests",
            dependencies: ["PerigateCore"]
        ),
    ]
)
