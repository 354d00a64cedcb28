import ArgumentParser
import Foundation
import PerigateCore
import PerigateSQLite

/// `perigate migrate`: open the configured store, apply pending migrations, list them.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply pending database migrations (SQLite or PostgreSQL) and list the applied ones.",
        discussion: "serve migrates on start too; run this first to upgrade a database before the new version's nodes start.")
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let applied = try await database.withStore { try await $0.appliedMigrations() }
        for (number, name) in applied { print("\(number) \(name)") }
    }
}

/// `perigate export --to FILE`: the whole store as JSON Lines (``StoreDump``).
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the whole store (SQLite) to a dump file, for `perigate import` into PostgreSQL.",
        discussion: "The dump holds patient data: keep it as protected as the database, and delete it after the move.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Dump file to write (JSON Lines; refused when it exists).")
    var to: String

    func run() async throws {
        guard !FileManager.default.fileExists(atPath: to) else { throw ValidationError("\(to) exists: choose a new file") }
        guard FileManager.default.createFile(atPath: to, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: to) else { throw ValidationError("cannot create \(to)") }
        defer { try? handle.close() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var counts: [String: Int] = [:]
        try await database.withStore { store in
            guard let source = store as? any StoreDumping else { throw ValidationError("export works from a SQLite store") }
            // Logged first, so the dump ends with its own line: the moved chain is the chain the
            // checkpoints signed, not a fork of it.
            try await store.appendAudit([AuditEntry(
                time: Date().formatted(.iso8601), actor: "operator:cli", event: "store.export", action: "R", eventType: "log-access",
                object: "store", outcome: "success", checks: AuditChecks.authorized, detail: "the whole store, to a dump file")])
            try await source.dump { record in
                try handle.write(contentsOf: try encoder.encode(record) + Data("\n".utf8))
                counts[record.table, default: 0] += 1
            }
        }
        print("exported: \(StoreDump.summary(counts))")
    }
}

/// `perigate import --from FILE`: load a dump into an empty (PostgreSQL) store and verify the audit chain.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Load a `perigate export` dump into a new, empty PostgreSQL database; then verify the audit chain.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Dump file written by `perigate export`.")
    var from: String

    func run() async throws {
        guard let text = FileManager.default.contents(atPath: from) else { throw ValidationError("cannot read \(from)") }
        let decoder = JSONDecoder()
        var records: [StoreDump.Record] = []
        for (number, line) in text.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
            do { records.append(try decoder.decode(StoreDump.Record.self, from: Data(line))) } catch {
                throw ValidationError("\(from) line \(number + 1) is not a dump record")
            }
        }
        let (counts, verification) = try await database.withStore { store in
            guard let target = store as? any StoreLoading else { throw ValidationError("import works into a PostgreSQL store (--storage postgres)") }
            let counts = try await target.load(records)
            return (counts, try await store.verifyAuditChain())
        }
        print("imported: \(StoreDump.summary(counts))")
        if let problem = verification.problem {
            print("audit log BROKEN after import at line \(problem.sequence): \(problem.reason)")
            throw ExitCode(1)
        }
        print("audit log OK: \(verification.lines) lines, head line \(verification.head.sequence) sha256 \(verification.head.hash)")
    }
}
