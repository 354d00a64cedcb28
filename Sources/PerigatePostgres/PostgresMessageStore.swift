import Foundation
import Logging
import PerigateCore
import PostgresNIO
import Synchronization

/// The multi-node store: one PostgreSQL database shared by every `perigate serve` process
/// (postgres-nio's connection pool), numbered migrations of its own, raw messages
/// zlib-compressed, append-only tables enforced by triggers.
///
/// Concurrency: every method is one transaction on a pooled connection; accepts are
/// group-committed, one group of a node at a time (``GroupCommitQueue``). Audit lines from all
/// nodes form one hash chain. A transaction commits its lines to `audit_pending` without a lock;
/// after the commit they are sealed into the chain, many lines of all nodes per round, under the
/// chain lock (the one row of `audit_chain_lock`, ``sealRound()``): the only serialized part.
public final class PostgresMessageStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// Stamped on every audit line this store writes (gateway instance and site).
    public let auditSource: AuditSource
    /// How long this node's transactions held the chain lock (taken to commit) and waited for
    /// it: the serialized part of every node's writes (`/metrics`, `perigate bench`).
    public let chainLockMeter = SerializedSectionMeter()
    /// This node's accepts, group-committed (``accept(_:audit:deliveries:)``).
    let commitQueue = GroupCommitQueue<AcceptItem, Result<AcceptOutcome, any Error>>()
    /// This node's requests to seal pending audit lines into the chain (``sealAudit()``).
    let sealQueue = GroupCommitQueue<Void, Void>()
    /// Set when a round did not get the chain lock in time: transactions then leave their lines
    /// to the checkpointer's rounds for a while instead of each waiting for the lock.
    let sealBackoff = Backoff()
    /// The pool's runner when the store runs its own pool (``open(url:auditSource:maximumConnections:logger:)``);
    /// `nil` when the pool is a service of the caller's service group (``connect(url:auditSource:maximumConnections:logger:)``).
    private let runner: Task<Void, Never>?

    /// Advisory lock keys: migrations, and (migrations 11 and 12 only) appending to the audit chain.
    static let migrationLock: Int64 = 7_513_001
    static let auditLock: Int64 = 7_513_002
    /// How long a sealing round waits for the chain lock before it fails (migration 13).
    static let sealLockTimeout: Duration = .seconds(2)
    /// The largest audit line `audit_pending` takes (migration 13); a gateway's lines are ~1 KB.
    static let maximumAuditLineBytes = 65_536

    private init(client: PostgresClient, auditSource: AuditSource, logger: Logger, runsOwnPool: Bool) {
        self.client = client
        self.auditSource = auditSource
        self.logger = logger
        // The pool's lifetime is the store's: cancelled and awaited in `close()`.
        runner = runsOwnPool ? Task { await client.run() } : nil
    }

    /// The connection pool: a `Service` (postgres-nio). A store made by
    /// ``connect(url:auditSource:maximumConnections:logger:)`` is usable while the caller's
    /// service group (or task group) runs it.
    public var service: PostgresClient { client }

    /// Connections one node keeps in its pool unless configured (`postgres.maxConnections`):
    /// nodes × pool must stay below the server's `max_connections` (docs/operations.md).
    public static let defaultMaximumConnections = 16

    /// This machine as the audit source: its host name at site `perigate`.
    public static var defaultAuditSource: AuditSource {
        AuditSource(instance: ProcessInfo.processInfo.hostName, site: "perigate")
    }

    /// A store over `url` (`postgres://user:password@host:port/database`) whose pool does not run
    /// yet: run ``service`` in the service group, then call ``prepare()`` (`perigate serve`, the CLI).
    public static func connect(url: String, auditSource: AuditSource = defaultAuditSource, maximumConnections: Int = defaultMaximumConnections,
                               logger: Logger = Logger(label: "perigate.postgres")) throws -> PostgresMessageStore {
        var configuration = try PostgresURL.configuration(url)
        configuration.options.maximumConnections = maximumConnections
        return PostgresMessageStore(client: PostgresClient(configuration: configuration), auditSource: auditSource, logger: logger,
                                    runsOwnPool: false)
    }

    /// Applies pending migrations (one node at a time); the pool must be running.
    public func prepare() async throws {
        try await migrate()
    }

    /// A store that runs its own pool until ``close()``, migrated — for tests and tools that hold
    /// a store outside a service group.
    public static func open(url: String, auditSource: AuditSource = defaultAuditSource, maximumConnections: Int = defaultMaximumConnections,
                            logger: Logger = Logger(label: "perigate.postgres")) async throws -> PostgresMessageStore {
        var configuration = try PostgresURL.configuration(url)
        configuration.options.maximumConnections = maximumConnections
        let store = PostgresMessageStore(client: PostgresClient(configuration: configuration), auditSource: auditSource, logger: logger,
                                         runsOwnPool: true)
        do {
            try await store.migrate()
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    /// Stops the pool this store runs itself (a no-op when the service group runs it). No use afterwards.
    public func close() async throws {
        runner?.cancel()
        await runner?.value
    }

    /// One transaction on a pooled connection; rolled back when `body` throws. It runs in a task
    /// of its own, so a cancelled or timed-out request cannot stop it half-way: once begun, a
    /// transaction always reaches COMMIT or ROLLBACK and its connection goes back to the pool clean
    /// (the caller still gets its answer or error when the transaction ends).
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = client, logger = logger, meter = chainLockMeter
        return try await Task {
            let notes = TransactionNotes()
            let result: T
            do {
                defer { notes.end(meter) }
                result = try await Self.$transactionNotes.withValue(notes) {
                    try await client.withTransaction(logger: logger) { connection in try await body(connection) }
                }
            }
            if notes.auditWritten, !self.sealBackoff.active {
                // Committed: the lines are durable in audit_pending whatever happens now. A round
                // that fails leaves them for the next one (any node's, or the checkpointer's).
                // After a round that waited for the chain lock in vain, transactions do not wait
                // for it for a second: the checkpointer's rounds seal their lines meanwhile.
                do {
                    try await self.sealAudit()
                } catch {
                    if Self.isLockTimeout(error) { self.sealBackoff.start(for: .seconds(1)) }
                    logger.warning("audit lines committed but not sealed into the chain yet", metadata: ["error": "\(Self.explain(error))"])
                }
            }
            return result
        }.value
    }

    /// The running transaction's notes: the chain lock's times, and whether it wrote audit lines.
    @TaskLocal static var transactionNotes: TransactionNotes?

    /// Takes the chain lock (held to the end of the transaction) and notes the times for
    /// ``chainLockMeter``: for the owner's commands that rewrite the chain (purge, import); the
    /// gateway's role cannot lock the row.
    func takeChainLock(on connection: PostgresConnection) async throws {
        let asked = ContinuousClock.now
        try await connection.query("SELECT 1 FROM audit_chain_lock FOR UPDATE", logger: logger)
        Self.transactionNotes?.taken(asked: asked)
    }

    /// One statement outside a transaction.
    func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await client.query(query, logger: logger)
    }

    /// Migration numbers applied, in order.
    public func appliedMigrations() async throws -> [(Int, String)] {
        var result: [(Int, String)] = []
        for try await (version, name) in try await query("SELECT version, name FROM schema_migrations ORDER BY version").decode((Int, String).self) {
            result.append((version, name))
        }
        return result
    }

    /// Applies pending migrations. A database that is up to date is left alone without any DDL,
    /// so the gateway's role needs no CREATE privilege (operations.md, "PostgreSQL roles").
    private func migrate() async throws {
        if try await pendingMigrations().isEmpty { return }
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: self.logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: self.logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: self.logger).decode(Int.self) {
                applied.insert(version)
            }
            for migration in PostgresMigrations.all where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
                try await connection.query("INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                                           logger: self.logger)
            }
        }
    }

    /// The migrations not yet applied (all of them for a new database).
    private func pendingMigrations() async throws -> [Int] {
        var exists = false
        for try await name in try await query("SELECT to_regclass('schema_migrations')::text").decode(String?.self) { exists = name != nil }
        let applied = exists ? Set(try await appliedMigrations().map(\.0)) : []
        return PostgresMigrations.all.map(\.version).filter { !applied.contains($0) }
    }

    /// Runs raw SQL, for tests that prove the database itself refuses tampering.
    public func execute(_ sql: String) async throws {
        _ = try await query(PostgresQuery(unsafeSQL: sql))
    }
}

/// `postgres://user:password@host:port/database` → a client configuration (plain TCP: the
/// database is expected on a private network or loopback; put TLS in front otherwise).
enum PostgresURL {
    static func configuration(_ url: String) throws -> PostgresClient.Configuration {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
              let host = parts.host, let user = parts.user, !host.isEmpty else {
            throw StoreError(.badConfiguration, message: "not a PostgreSQL URL (postgres://user:password@host:port/database)")
        }
        let database = String(parts.path.drop { $0 == "/" })
        return PostgresClient.Configuration(host: host, port: parts.port ?? 5432, username: user, password: parts.password,
                                            database: database.isEmpty ? nil : database, tls: .disable)
    }
}


extension PostgresMessageStore {
    /// Creates an empty database `name` (letters, digits, `_`) on the server of `serverURL` and
    /// returns its URL — for setting up a deployment and for tests.
    public static func createDatabase(serverURL: String, name: String) async throws -> String {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw StoreError(.badConfiguration, message: "database name '\(name)' may only hold letters, digits and _")
        }
        try await execute(url: serverURL, ["CREATE DATABASE \(name)"])
        guard var parts = URLComponents(string: serverURL) else { throw StoreError(.badConfiguration, message: "not a PostgreSQL URL") }
        parts.path = "/" + name
        return parts.string ?? serverURL
    }

    /// Runs administrative statements (roles, grants, databases) on the database of `url`, one
    /// at a time, outside a transaction — for setting up a deployment and for tests.
    public static func execute(url: String, _ statements: [String]) async throws {
        let client = PostgresClient(configuration: try PostgresURL.configuration(url))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            for statement in statements { try await client.query(PostgresQuery(unsafeSQL: statement)) }
        }
    }
}

extension PostgresMessageStore {
    /// A short, safe description of a database error: the server's message and SQLSTATE, or the
    /// connection problem — never the query, its values or the password.
    public static func explain(_ error: any Error) -> String {
        let error = innermost(error)
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] {
                return message + (psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            }
            return "\(psql.code)"
        }
        return isPoolError(error) ? "no connection to the database server (check host, port, user, password and database)"
            : String(describing: type(of: error))
    }

    /// The server's SQLSTATE for a failed statement (`nil`: no answer from the server).
    static func sqlState(_ error: any Error) -> String? {
        (innermost(error) as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// An error of the connection pool (no connection could be had), not of a statement.
    static func isPoolError(_ error: any Error) -> Bool {
        String(describing: type(of: innermost(error))).contains("ConnectionPool")
    }

    /// The statement's own error inside a failed transaction.
    static func innermost(_ error: any Error) -> any Error {
        if let transaction = error as? PostgresTransactionError, let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
            return innermost(inner)
        }
        return error
    }
}

/// What one transaction did that matters after it: its hold of the chain lock (taken at most
/// once, a transaction-scoped advisory lock released at commit or rollback), and whether it wrote
/// audit lines to seal.
final class TransactionNotes: Sendable {
    private let times = Mutex<(asked: ContinuousClock.Instant, taken: ContinuousClock.Instant)?>(nil)
    private let audit = Mutex(false)

    func taken(asked: ContinuousClock.Instant) {
        let now = ContinuousClock.now
        times.withLock { if $0 == nil { $0 = (asked, now) } }
    }

    func wroteAudit() {
        audit.withLock { $0 = true }
    }

    var auditWritten: Bool { audit.withLock { $0 } }

    /// The transaction ended: the hold (taken to now) and the wait go to `meter`.
    func end(_ meter: SerializedSectionMeter) {
        guard let (asked, taken) = times.withLock({ $0 }) else { return }
        meter.record(held: ContinuousClock.now - taken, waited: taken - asked, lines: 0)
    }
}

/// A short pause, started by one caller and seen by all (``PostgresMessageStore/sealBackoff``).
final class Backoff: Sendable {
    private let until = Mutex<ContinuousClock.Instant?>(nil)

    func start(for duration: Duration) {
        until.withLock { $0 = ContinuousClock.now + duration }
    }

    var active: Bool {
        until.withLock { $0.map { ContinuousClock.now < $0 } ?? false }
    }
}
