/// A store failure that is not the database library's own: both stores throw it; the database
/// libraries' own errors pass through unchanged. Callers decide on ``code``, never on the text.
public struct StoreError: Error, CustomStringConvertible {
    public var code: Code
    /// What happened, for operators (never message content or a BSN).
    public var message: String
    public var description: String { message }

    public init(_ code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// Why the store failed.
    public enum Code: String, Sendable, Hashable {
        /// A stored row is incomplete or no longer readable.
        case damaged = "store.damaged"
        /// The store's location or name is not usable (a malformed URL, a bad database name).
        case badConfiguration = "store.bad-configuration"
        /// A load into a store that already holds data, or a dump that does not fit.
        case refusedLoad = "store.refused-load"
        /// An audit line needed for a purge is missing.
        case auditGap = "store.audit-gap"
        /// Committed audit lines cannot be sealed into the chain now (PostgreSQL): they wait, durable.
        case unsealed = "store.unsealed"
        /// Test and tool set-up failed outside the store itself.
        case setup = "store.setup"
    }
}
