import ArgumentParser
import Foundation
import PerigateCore
import PerigateDrivers
import SQLiteNIO

struct BenchPartsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parts")
    @OptionGroup var schemaOptions: SchemaOptions
    @Argument var file: String

    func run() async throws {
        let registry = try schemaOptions.loadRegistry()
        let validator = MessageValidator(registry: registry)
        let mapper = CanonicalMapper(registry: registry)
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        guard case .mapped(let facts) = try mapper.read(data, validator: validator) else { return }
        let report = validator.validate(data)
        func time(_ name: String, _ n: Int = 2000, _ body: () throws -> Void) rethrows {
            let start = Date()
            for _ in 0..<n { try body() }
            print(name, String(format: "%.1f µs", Date().timeIntervalSince(start) / Double(n) * 1e6))
        }
        try time("validate+map") { _ = try mapper.read(data, validator: validator) }
        try time("json facts compact") { _ = try CanonicalJSON.compact(facts) }
        try time("json report compact") { _ = try CanonicalJSON.compact(report) }
        try time("json facts decode") { _ = try JSONDecoder().decode(MessageFacts.self, from: try CanonicalJSON.compact(facts)) }
        try time("zlib") { _ = try Compression.compress(data) }
        try time("iso8601") { _ = Date().formatted(.iso8601) }
        try time("uuid") { _ = UUID().uuidString.lowercased() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let connection = try await SQLiteConnection.open(storage: .file(path: dir.appendingPathComponent("x.sqlite").path))
        let start = Date()
        for _ in 0..<2000 { _ = try await connection.query("SELECT 1", []) }
        print("sqlite SELECT 1", String(format: "%.1f µs", Date().timeIntervalSince(start) / 2000 * 1e6))
        _ = try await connection.query("CREATE TABLE t (id TEXT PRIMARY KEY, v BLOB)", [])
        _ = try await connection.query("PRAGMA journal_mode=WAL", [])
        _ = try await connection.query("BEGIN", [])
        let s2 = Date()
        for i in 0..<2000 { _ = try await connection.query("INSERT INTO t VALUES (?, ?)", [.text("id\(i)"), .blob(ByteBuffer(bytes: data))]) }
        print("sqlite INSERT in tx", String(format: "%.1f µs", Date().timeIntervalSince(s2) / 2000 * 1e6))
        _ = try await connection.query("COMMIT", [])
        try await connection.close()
        let memory = MemoryMessageStore()
        let service = IngestService(validator: validator, store: memory)
        let template = String(decoding: data, as: UTF8.self)
        var t = Date()
        for _ in 0..<2000 { _ = try await service.ingest(BenchIngestCommand.withFreshId(template), from: .init(partnerURA: "01234567", user: "uzi:900012345")) }
        print("ingest memory store", String(format: "%.1f µs", Date().timeIntervalSince(t) / 2000 * 1e6))
        let sqlite = try await SQLiteMessageStore.open(path: dir.appendingPathComponent("y.sqlite").path)
        let service2 = IngestService(validator: validator, store: sqlite)
        t = Date()
        for _ in 0..<2000 { _ = try await service2.ingest(BenchIngestCommand.withFreshId(template), from: .init(partnerURA: "01234567", user: "uzi:900012345")) }
        print("ingest sqlite sequential", String(format: "%.1f µs", Date().timeIntervalSince(t) / 2000 * 1e6))
        let stored = StoredMessage(id: "x", receivedAt: "2026", report: report, senderURA: "1", bsn: "999990007", raw: data, facts: facts)
        t = Date()
        for i in 0..<2000 { var m = stored; m.id = "m\(i)"; _ = try await sqlite.accept(m, audit: [AuditEntry(time: "t", actor: "a", event: "e", action: "C", object: "o", outcome: "success")]) }
        print("sqlite accept sequential", String(format: "%.1f µs", Date().timeIntervalSince(t) / 2000 * 1e6))
        t = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<32 { group.addTask { for i in 0..<200 { var m = stored; m.id = "c\(c)-\(i)"; _ = try await sqlite.accept(m, audit: [AuditEntry(time: "t", actor: "a", event: "e", action: "C", object: "o", outcome: "success")]) } } }
            try await group.waitForAll()
        }
        print("sqlite accept 32 concurrent", String(format: "%.1f µs per message", Date().timeIntervalSince(t) / 6400 * 1e6))
        try await sqlite.close()
    }
}
