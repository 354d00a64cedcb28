import Foundation
import PerigateCore
import SQLiteNIO

/// The embedded default store: one SQLite file (bundled SQLite through SQLiteNIO, no system
/// package), WAL mode with `synchronous=FULL`, numbered migrations, raw messages zlib-compressed,
/// an append-only audit table (UPDATE and DELETE refused by triggers).
///
/// Concurrency: one writing connection, whose transactions run one at a time through a FIFO gate,
/// and one read-only connection for reads, which (WAL) sees only committed data and never waits
/// for a write. Callers may use the store from any number of tasks.
public final class SQLiteMessageStore: MessageStore {
    let connection: SQLiteConnection
    /// Reads outside transactions: never sees a transaction's uncommitted rows.
    let reader: SQLiteConnection
    private let gate = TransactionGate()
    let commitQueue = GroupCommitQueue<AcceptItem, AcceptOutcome>()
    /// The database file.
    public let path: String
    /// Stamped on every audit line this store writes (gateway instance and site).
    public let auditSource: AuditSource

    private init(connection: SQLiteConnection, reader: SQLiteConnection, path: String, auditSource: AuditSource) {
        self.connection = connection
        self.reader = reader
        self.path = path
        self.auditSource = auditSource
    }

    /// This machine as the audit source: its host name at site `perigate`.
    public static var defaultAuditSource: AuditSource {
        AuditSource(instance: ProcessInfo.processInfo.hostName, site: "perigate")
    }

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    public static func open(path: String, auditSource: AuditSource = defaultAuditSource) async throws -> SQLiteMessageStore {
        try await open(path: path, auditSource: auditSource, migratingUpTo: Int.max)
    }

    /// Opens with migrations applied only up to `lastMigration` (tests of a migration start from
    /// the database as it was before it).
    static func open(path: String, auditSource: AuditSource, migratingUpTo lastMigration: Int) async throws -> SQLiteMessageStore {
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA busy_timeout=5000"] {
            _ = try await connection.query(pragma, [])
        }
        let reader: SQLiteConnection
        do {
            reader = try await SQLiteConnection.open(storage: .file(path: path))
            for pragma in ["PRAGMA busy_timeout=5000", "PRAGMA query_only=1"] { _ = try await reader.query(pragma, []) }
        } catch {
            try? await connection.close()
            throw error
        }
        let store = SQLiteMessageStore(connection: connection, reader: reader, path: path, auditSource: auditSource)
        do {
            try await store.migrate(upTo: lastMigration)
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    /// Closes the connection; the store cannot be used afterwards.
    public func close() async throws {
        try? await reader.close()
        try await connection.close()
    }

    /// Applied migrations (version, name), oldest first.
    public func appliedMigrations() async throws -> [(Int, String)] {
        try await connection.query("SELECT version, name FROM schema_migrations ORDER BY version", []).map {
            (Int($0.column("version")?.integer ?? 0), $0.column("name")?.string ?? "")
        }
    }

    /// `PRAGMA integrity_check`: "ok" for a sound database file.
    public func integrityCheck() async throws -> String {
        try await connection.query("PRAGMA integrity_check", []).first?.column("integrity_check")?.string ?? "no answer"
    }

    private func migrate(upTo lastMigration: Int) async throws {
        _ = try await connection.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT
            """, [])
        let applied = Set(try await appliedMigrations().map(\.0))
        for migration in SQLiteMigrations.all where !applied.contains(migration.version) && migration.version <= lastMigration {
            try await transaction {
                for statement in migration.statements { _ = try await self.connection.query(statement, []) }
                try await migration.then?(self)
                _ = try await self.connection.query(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    [.integer(migration.version), .text(migration.name), .text(Self.now())])
            }
        }
    }

    /// Runs `body` as one IMMEDIATE transaction, exclusively; rolls back on any error.
    ///
    /// Once begun, a transaction always ends — commit or rollback — also when the caller's task is
    /// cancelled (a request timeout): it runs in a task of its own, which the caller's
    /// cancellation does not reach (a cancelled SQLiteNIO query would leave `BEGIN` open and wedge
    /// the single writing connection). The caller still waits for it, so nothing outlives the store.
    func transaction<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task { try await self.uncancellableTransaction(body) }.value
    }

    private func uncancellableTransaction<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await gate.run {
            _ = try await self.connection.query("BEGIN IMMEDIATE", [])
            do {
                let result = try await body()
                _ = try await self.connection.query("COMMIT", [])
                return result
            } catch {
                _ = try? await self.connection.query("ROLLBACK", [])
                throw error
            }
        }
    }

    static func now() -> String {
        Date().formatted(.iso8601)
    }
}
