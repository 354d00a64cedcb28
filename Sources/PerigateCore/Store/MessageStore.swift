/// Where accepted (and rejected) messages, their facts and their audit lines live.
///
/// Transaction contract: each method is one transaction. ``accept(_:audit:)`` writes the message,
/// its facts and the audit lines together or not at all, and returns only when they are durable.
/// Implementations are safe to call from many tasks at once.
public protocol MessageStore: Sendable {
    /// Stores `message` with `audit` lines in one durable transaction; idempotent on the id.
    /// The audit lines are written in every case; on a conflict their outcome becomes `refused`.
    func accept(_ message: StoredMessage, audit: [AuditEntry]) async throws -> AcceptOutcome
    /// The stored message with this id, if any.
    func message(id: String) async throws -> StoredMessage?
    /// Every accepted message about this client, in storage order. Stores may leave `facts`
    /// out: they follow from the raw bytes (``CanonicalMapper/facts(of:parser:)``).
    func messages(bsn: String) async throws -> [StoredMessage]
    /// Registers the client's consent for exchange (given or withdrawn) with its audit lines, in
    /// one transaction.
    func registerConsent(_ consent: ExchangeConsent, audit: [AuditEntry]) async throws
    /// The consent registrations for this client, oldest first.
    func consents(bsn: String) async throws -> [ExchangeConsent]
    /// Appends audit lines on their own (e.g. a refused read), in one transaction.
    func appendAudit(_ entries: [AuditEntry]) async throws
    /// The audit lines about one client (normalised BSN) with `from <= time <= to` (UTC ISO 8601
    /// strings; `nil`: unbounded), oldest first.
    func auditEntries(client: String, from: String?, to: String?) async throws -> [AuditEntry]
    /// The audit lines in which organisation `ura` acted or was a custodian, in a time window
    /// (UTC ISO 8601; `nil`: unbounded), oldest first, at most `limit`.
    func auditEntries(organisation ura: String, from: String?, to: String?, limit: Int) async throws -> [AuditEntry]
    /// Audit lines with a sequence number above `after`, oldest first.
    func auditEntries(after: Int, limit: Int) async throws -> [AuditEntry]
    /// Releases the store (must be called before the last reference goes); no use afterwards.
    func close() async throws
}
