import ArgumentParser
import PerigateCore
import PerigatePostgres
import PerigateSQLite
import ServiceLifecycle

/// An opened store and what must run while it is in use.
struct StoreHandle: Sendable {
    let store: any GatewayStore
    /// Services that keep the store usable (PostgreSQL's connection pool; none for SQLite), early
    /// in the service group so they stop after everything that uses the store.
    let services: [any Service]
    /// Brings the store up to date once its services run (PostgreSQL's migrations; SQLite
    /// migrated when it opened).
    let prepare: @Sendable () async throws -> Void
    /// The lock that serializes every node's writes, when the store has one (PostgreSQL's chain lock).
    var serializedSection: SerializedSectionMeter?

    /// Runs the services in child tasks for the length of `body` (one-shot commands), prepares
    /// the store, and closes it whatever happens.
    func use<T>(_ body: (any GatewayStore) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { try await service.run() } }
            defer { group.cancelAll() }
            do {
                try await prepare()
                let result = try await body(store)
                try await store.close()
                return result
            } catch {
                try? await store.close()
                throw error
            }
        }
    }
}

/// Closes a store when the service group shuts down (or is cancelled): listed first, so it runs
/// after every other service has stopped.
struct StoreClosingService: Service {
    let store: any GatewayStore

    func run() async throws {
        try? await gracefulShutdown()
        try await store.close()
    }
}

/// Opens the store a command or `perigate serve` is configured for.
enum StorageChoice {
    static func open(storage: String?, sqlitePath: String, postgresURL: String?, auditSource: AuditSource,
                     postgresConnections: Int = PostgresMessageStore.defaultMaximumConnections) async throws -> StoreHandle {
        switch storage ?? "sqlite" {
        case "sqlite":
            let store = try await SQLiteMessageStore.open(path: sqlitePath, auditSource: auditSource)
            return StoreHandle(store: store, services: [], prepare: {})
        case "postgres":
            guard let postgresURL else { throw ValidationError("--storage postgres needs --postgres-url (or PERIGATE_POSTGRES_URL)") }
            let store: PostgresMessageStore
            do {
                store = try PostgresMessageStore.connect(url: postgresURL, auditSource: auditSource, maximumConnections: postgresConnections)
            } catch let error as StoreError where error.code == .badConfiguration {
                throw ValidationError("postgres-url: \(error.message)")
            }
            var handle = StoreHandle(store: store, services: [store.service]) {
                do {
                    try await store.prepare()
                } catch {
                    // The server's own words, without the query text or the URL (which holds the password).
                    throw ValidationError("cannot open the PostgreSQL store: \(PostgresMessageStore.explain(error))")
                }
            }
            handle.serializedSection = store.chainLockMeter
            return handle
        case let other:
            throw ValidationError("storage must be sqlite or postgres, not '\(other)'")
        }
    }
}
