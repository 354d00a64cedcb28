import ArgumentParser
import PerigateCore
import PerigateDrivers
import PerigatePostgres

/// Opens the store a command or `perigate serve` is configured for.
enum StorageChoice {
    static func open(storage: String?, sqlitePath: String, postgresURL: String?, auditSource: AuditSource,
                     postgresConnections: Int = 8) async throws -> any GatewayStore {
        switch storage ?? "sqlite" {
        case "sqlite":
            return try await SQLiteMessageStore.open(path: sqlitePath, auditSource: auditSource)
        case "postgres":
            guard let postgresURL else { throw ValidationError("--storage postgres needs --postgres-url (or PERIGATE_POSTGRES_URL)") }
            do {
                return try await PostgresMessageStore.open(url: postgresURL, auditSource: auditSource, maximumConnections: postgresConnections)
            } catch let error as StoreError {
                throw ValidationError("postgres-url: \(error.message)")
            } catch {
                // The server's own words, without the query text or the URL (which holds the password).
                throw ValidationError("cannot open the PostgreSQL store: \(PostgresMessageStore.explain(error))")
            }
        case let other:
            throw ValidationError("storage must be sqlite or postgres, not '\(other)'")
        }
    }
}
