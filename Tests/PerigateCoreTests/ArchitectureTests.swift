import Foundation
import PerigateTestSupport
import Testing

/// The arrows allowed between targets (docs/architecture.md), checked on the sources: each
/// target's files may import only the modules listed for it.
@Suite("Architecture: imports per target")
struct ArchitectureTests {
    /// Modules every target may use.
    static let everywhere: Set<String> = ["Foundation", "FoundationNetworking", "Glibc", "Synchronization", "Dispatch"]

    /// target → the modules its files may import (besides ``everywhere``).
    static let allowed: [String: Set<String>] = [
        "PerigateXML": ["CLibXML2"],
        "PerigateFHIR": ["PerigateXML"],
        "PerigateCore": ["PerigateXML", "PerigateFHIR", "CZlib", "Crypto", "Logging"],
        "PerigateSQLite": ["PerigateCore", "SQLiteNIO", "NIOCore", "Logging", "Crypto"],
        "PerigatePostgres": ["PerigateCore", "PostgresNIO", "NIOCore", "Logging", "Crypto"],
        "PerigateServer": ["PerigateCore", "PerigateXML", "PerigateFHIR", "Hummingbird", "HummingbirdCore", "HummingbirdTLS", "HTTPTypes", "Logging", "NIOCore", "NIOHTTPTypes", "NIOSSL",
                           "Prometheus", "Crypto", "Metrics"],
        "PerigateConsole": ["PerigateCore", "PerigateXML", "PerigateServer", "Hummingbird", "HummingbirdAuth", "HummingbirdBcrypt", "Mustache", "NIOPosix",
                            "HTTPTypes", "Logging"],
        "PerigateDelivery": ["PerigateCore", "PerigateXML", "AsyncHTTPClient", "ServiceLifecycle", "Logging", "NIOCore", "NIOHTTP1", "NIOPosix", "Crypto"],
    ]

    static func imports(ofTarget target: String) -> [(file: String, module: String)] {
        let folder = TestSupport.root.appendingPathComponent("Sources/\(target)")
        guard let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        var found: [(String, String)] = []
        for case let url as URL in files where url.pathExtension == "swift" {
            let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ").filter { !$0.hasPrefix("@") && !["public", "internal", "package", "private"].contains($0) }
                guard words.count >= 2, words[0] == "import" else { continue }
                // `import struct Foo.Bar` and `import Foo.Bar` both name module Foo.
                let name = words.count >= 3 && ["struct", "class", "enum", "protocol", "func", "typealias"].contains(String(words[1]))
                    ? words[2] : words[1]
                found.append((url.lastPathComponent, String(name.split(separator: ".").first ?? name)))
            }
        }
        return found
    }

    @Test("every target imports only what its layer allows", arguments: allowed.keys.sorted())
    func importsAllowed(_ target: String) {
        let imports = Self.imports(ofTarget: target)
        #expect(!imports.isEmpty, "no sources found for \(target)")
        let permitted = Self.allowed[target, default: []].union(Self.everywhere)
        let violations = imports.filter { !permitted.contains($0.module) }.map { "\($0.file) imports \($0.module)" }
        #expect(violations.isEmpty, "\(target): \(violations.joined(separator: "; "))")
    }

    @Test("only PerigateXML imports libxml2; no store imports another; Server and Console import no store")
    func headlineRules() {
        let targets = ["PerigateCore", "PerigateSQLite", "PerigatePostgres", "PerigateServer", "PerigateConsole", "PerigateDelivery", "Perigate"]
        for target in targets {
            #expect(!Self.imports(ofTarget: target).contains { $0.module == "CLibXML2" }, "\(target) imports CLibXML2")
        }
        let stores = ["PerigateSQLite", "PerigatePostgres", "SQLiteNIO", "PostgresNIO"]
        #expect(!Self.imports(ofTarget: "PerigateSQLite").contains { ["PerigatePostgres", "PostgresNIO"].contains($0.module) })
        #expect(!Self.imports(ofTarget: "PerigatePostgres").contains { ["PerigateSQLite", "SQLiteNIO"].contains($0.module) })
        for target in ["PerigateServer", "PerigateConsole", "PerigateDelivery"] {
            let used = Self.imports(ofTarget: target).filter { stores.contains($0.module) }
            #expect(used.isEmpty, "\(target) imports a store: \(used.map(\.module))")
        }
    }
}
