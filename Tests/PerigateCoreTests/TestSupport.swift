import Foundation
import PerigateCore
import PerigatePostgres
import PerigateDrivers
import PerigateXML

/// Paths and shared fixtures for the tests. Everything is real: real files, real libxml2.
enum TestSupport {
    /// The repository root (two levels above this file's folder).
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var schemas: String { root.appendingPathComponent("Schemas").path }
    static var samples: URL { root.appendingPathComponent("Samples") }
    static var packFile: String { root.appendingPathComponent("Schemas/packs/nictiz-perinatal.json").path }

    /// The third-party conformance corpus beside the repo (CI always has it).
    static var corpus: URL { root.deletingLastPathComponent().appendingPathComponent("shared/corpus") }
    static var corpusPresent: Bool {
        FileManager.default.fileExists(atPath: corpus.appendingPathComponent("MANIFEST.tsv").path)
    }

    /// A fixed "today" (2026-11-25 12:00 UTC) so date checks never depend on the real clock.
    static let today = Date(timeIntervalSince1970: 1_795_608_000)

    /// Perigate's own catalog.
    static let ownRegistry: SchemaRegistry = try! SchemaRegistry.load([.directory(schemas)])

    /// Perigate's catalog plus the Nictiz pack over the corpus (only when the corpus is present).
    static let fullRegistry: SchemaRegistry = try! SchemaRegistry.load(
        [.directory(schemas), .pack(packFile, schemaDirectory: corpus.path)])

    static func validator(_ registry: SchemaRegistry = ownRegistry, maximumBytes: Int = SafeXMLParser.defaultMaximumBytes) -> MessageValidator {
        MessageValidator(registry: registry, parser: SafeXMLParser(maximumBytes: maximumBytes), now: { today })
    }

    static func files(in folder: URL, extension ext: String) -> [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == ext }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// A fresh temporary directory for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Peak resident set size of this process in KiB.
    static func peakRSSKiB() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss
    }
}

/// Fresh databases on the throwaway PostgreSQL server of the test run (scripts/test.sh starts it
/// on 127.0.0.1 and sets `PERIGATE_TEST_POSTGRES_URL`; the server and its data go at the end).
enum PostgresTestDatabase {
    static var serverURL: String? { ProcessInfo.processInfo.environment["PERIGATE_TEST_POSTGRES_URL"] }

    /// A new empty database; its URL.
    static func create() async throws -> String {
        guard let serverURL else { throw StoreError(message: "PERIGATE_TEST_POSTGRES_URL is not set") }
        return try await PostgresMessageStore.createDatabase(serverURL: serverURL, name: "perigate_test_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))
    }
}
