import Foundation
import PerigateCore
import PerigateXML

/// Paths and shared fixtures for the tests of every layer (a library target of its own, so the
/// test targets share it without depending on each other). Everything is real: real files, real libxml2.
public enum TestSupport {
    /// The repository root (two levels above this file's folder).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var schemas: String { root.appendingPathComponent("Schemas").path }
    public static var samples: URL { root.appendingPathComponent("Samples") }
    public static var packFile: String { root.appendingPathComponent("Schemas/packs/nictiz-perinatal.json").path }

    /// The third-party conformance corpus beside the repo (CI always has it).
    public static var corpus: URL { root.deletingLastPathComponent().appendingPathComponent("shared/corpus") }
    public static var corpusPresent: Bool {
        FileManager.default.fileExists(atPath: corpus.appendingPathComponent("MANIFEST.tsv").path)
    }

    /// A fixed "today" (2026-11-25 12:00 UTC) so date checks never depend on the real clock.
    public static let today = Date(timeIntervalSince1970: 1_795_608_000)

    /// Perigate's own catalog.
    public static let ownRegistry: SchemaRegistry = try! SchemaRegistry.load([.directory(schemas)])

    /// Perigate's catalog plus the Nictiz pack over the corpus (only when the corpus is present).
    public static let fullRegistry: SchemaRegistry = try! SchemaRegistry.load(
        [.directory(schemas), .pack(packFile, schemaDirectory: corpus.path)])

    public static func validator(_ registry: SchemaRegistry = ownRegistry, maximumBytes: Int = SafeXMLParser.defaultMaximumBytes) -> MessageValidator {
        MessageValidator(registry: registry, parser: SafeXMLParser(maximumBytes: maximumBytes), now: { today })
    }

    /// The canonical facts of a valid sample file (parsed, validated and mapped with Perigate's catalog).
    public static func facts(_ url: URL) throws -> MessageFacts {
        let validator = validator()
        guard case .document(let document) = validator.parser.parse(try Data(contentsOf: url)) else {
            throw MappingError(code: "test", message: "sample does not parse")
        }
        return try CanonicalMapper(registry: ownRegistry).map(document, report: validator.validate(document))
    }

    public static func files(in folder: URL, extension ext: String) -> [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == ext }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// A fresh temporary directory for one test.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Peak resident set size of this process in KiB.
    public static func peakRSSKiB() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss
    }
}

extension TestSupport {
    /// Runs `process` to its end and gives its exit status, without holding one of the threads of
    /// Swift's cooperative pool (two on this machine) while it runs: the servers of tests running
    /// beside it keep answering.
    public static func run(_ process: Process) async throws -> Int32 {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }
}
