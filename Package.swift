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
        .target(
            name: "PerigateDrivers",
            dependencies: ["PerigateCore"]
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
