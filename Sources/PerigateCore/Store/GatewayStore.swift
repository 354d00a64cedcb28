/// A store with numbered migrations, applied when it opens.
public protocol MigratedStore: Sendable {
    /// The migrations applied, in order: (number, name).
    func appliedMigrations() async throws -> [(Int, String)]
}

/// Everything `perigate serve` and the CLI need from a store: SQLite or PostgreSQL.
public typealias GatewayStore = MessageStore & ForwardingStore & PartnerRegistry & ClientCredentialRegistry & OperatorRegistry & AuditChainStore
    & MessageBrowsing & SessionStore
    & MigratedStore
