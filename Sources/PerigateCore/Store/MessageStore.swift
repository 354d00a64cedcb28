/// Where accepted (and rejected) messages, their facts and their audit lines live.
///
/// Transaction contract: each method is one transaction. ``accept(_:audit:)`` writes the message,
/// its facts, her client row (``ClientRow/adding(_:bsn:to:)``) and the audit lines together or
/// not at all, and returns only when they are durable.
/// Implementations are safe to call from many tasks at once.
public protocol MessageStore: Sendable {
    /// Stores `message` with `audit` lines in one durable transaction; idempotent on the id.
    /// The audit lines are written in every case; on a conflict their outcome becomes `refused`.
    func accept(_ message: StoredMessage, audit: [AuditEntry]) async throws -> AcceptOutcome
    /// The same, with the message's outbox rows (deliveries), written only when it is newly stored.
    func accept(_ message: StoredMessage, audit: [AuditEntry], deliveries: [Delivery]) async throws -> AcceptOutcome
    /// Throws unless a write could start now: the write lock can be taken (SQLite: an empty
    /// `BEGIN IMMEDIATE`/`COMMIT` through the one writer) or the database answers (PostgreSQL). What
    /// `/ready` asks, so a store that reads but cannot write is not ready.
    func probeWritable() async throws
    /// The stored message with this id, if any.
    func message(id: String) async throws -> StoredMessage?
    /// Those of the messages with these ids that are stored, by id (one look-up where the store
    /// can: a message's own id and its scoped key, ``MessageKey``).
    func messages(ids: [String]) async throws -> [String: StoredMessage]
    /// Every accepted message about this client, in storage order, with the facts stored with
    /// it (`nil` for a message stored without: they follow from the raw bytes,
    /// ``CanonicalMapper/facts(of:parser:)``).
    func messages(bsn: String) async throws -> [StoredMessage]
    /// Her client row (index, record state, version), `nil` when no accepted message of hers is stored.
    func clientRow(bsn: String) async throws -> ClientRow?
    /// Her row's version and index only (what access decisions read, without decoding her
    /// record), `nil` when no accepted message of hers is stored; `index` `nil`: stale.
    func clientIndex(bsn: String) async throws -> (version: Int, index: ClientIndex?)?
    /// The source rows of her stored record from `position` on (0: all), in record order, read in
    /// one snapshot with her row's version, ``ClientRow/rebuiltVersion`` and whether it is current
    /// (rows of one rebuilt version only grow: a reader that holds the first rows of that version
    /// reads only the rest); with `facts`, the facts stored with each row's message. `nil` when
    /// she has no row.
    func recordSources(bsn: String, from position: Int, facts: Bool) async throws -> RecordSourcesRead?
    /// Writes her rebuilt index, record and source rows (replacing the old ones) when her row's
    /// version is still `expectedVersion` (`nil`: no row yet); `false` (nothing written) when
    /// another write came first. The new row's version is the old one plus one, and its
    /// ``ClientRow/rebuiltVersion`` that version.
    func replaceClientRow(bsn: String, index: ClientIndex, state: RecordState, sources: [RecordSourceRow],
                          expectedVersion: Int?) async throws -> Bool
    /// Every BSN with at least one accepted message, with whether her client row exists and is
    /// current (index and record); for `perigate record rebuild` and filling after the migration.
    func clientsWithMessages() async throws -> [(bsn: String, current: Bool)]
    /// Registers the client's consent for exchange (given or withdrawn) with its audit lines, in
    /// one transaction.
    func registerConsent(_ consent: ExchangeConsent, audit: [AuditEntry]) async throws
    /// The consent registrations for this client, oldest first.
    func consents(bsn: String) async throws -> [ExchangeConsent]
    /// Registers her own confirmation of an organisation in her care team with its audit lines,
    /// in one transaction (append-only ledger).
    func confirmCare(_ confirmation: CareConfirmation, audit: [AuditEntry]) async throws
    /// Her care confirmations, oldest first.
    func careConfirmations(bsn: String) async throws -> [CareConfirmation]
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

extension ForwardingStore {
    /// For a store used by one node: the due heads of ``pendingWebhookDeliveries()``, no lease
    /// needed (one worker, and a restart starts over).
    public func claimDueHeads(now: String, leaseUntil: String, node: String, limit: Int) async throws -> [Delivery] {
        var heads: [String: Delivery] = [:]
        var order: [String] = []
        for delivery in try await pendingWebhookDeliveries() {
            let stream = "\(delivery.subscriptionId ?? "")|\(delivery.bsn)"
            if heads[stream] == nil {
                heads[stream] = delivery
                order.append(stream)
            }
        }
        return Array(order.compactMap { heads[$0] }.filter { $0.nextAttemptAt <= now }.prefix(limit))
    }
}

extension MessageStore {
    public func accept(_ message: StoredMessage, audit: [AuditEntry]) async throws -> AcceptOutcome {
        try await accept(message, audit: audit, deliveries: [])
    }

    /// Every source row of her stored record, in record order.
    public func recordSources(bsn: String) async throws -> [RecordSourceRow] {
        try await recordSources(bsn: bsn, from: 0, facts: false)?.rows ?? []
    }
}

/// Subscriptions and the outbox (deliveries). Each method is one transaction.
public protocol ForwardingStore: Sendable {
    func addSubscription(_ subscription: Subscription, audit: AuditEntry) async throws
    /// Every subscription (active or not), oldest first.
    func subscriptions() async throws -> [Subscription]
    func updateSubscription(_ subscription: Subscription, audit: AuditEntry) async throws
    /// Removes a subscription; `false` when there is none with this id for this partner.
    func deleteSubscription(id: String, partnerId: String, audit: AuditEntry) async throws -> Bool
    /// Pending inbox deliveries of a partner after `cursor`, oldest first.
    func inbox(partnerId: String, after cursor: Int, limit: Int) async throws -> [(cursor: Int, delivery: Delivery)]
    /// Sets a delivery's status (only the partner's own); `false` when there is no such delivery.
    func setDeliveryStatus(id: String, partnerId: String, status: String, audit: [AuditEntry]) async throws -> Bool
    /// Deliveries, optionally of one status, oldest first.
    func deliveries(status: String?) async throws -> [Delivery]
    /// The deliveries of one message, in the order they were planned.
    func deliveries(messageId: String) async throws -> [Delivery]
    /// Pending webhook deliveries, oldest first (the worker picks the due head of each stream).
    func pendingWebhookDeliveries() async throws -> [Delivery]
    /// The due head of each stream (one subscription, one client), oldest first, at most `limit`,
    /// claimed for `node` until `leaseUntil` (UTC ISO 8601): a store shared by several nodes hands
    /// each head to one node; a lease that runs out (its node died) makes it claimable again.
    /// ``recordAttempt(_:delivery:subscription:audit:events:)`` ends the lease.
    func claimDueHeads(now: String, leaseUntil: String, node: String, limit: Int) async throws -> [Delivery]
    /// Records one attempt: the delivery's new state, the attempt, the subscription's new state
    /// (failing, disabled) and the audit lines, in one transaction.
    func recordAttempt(_ attempt: DeliveryAttempt, delivery: Delivery, subscription: Subscription?, audit: [AuditEntry],
                       events: [Delivery]) async throws
    /// Every attempt of a delivery, oldest first.
    func attempts(deliveryId: String) async throws -> [DeliveryAttempt]
    /// Writes event deliveries (notices in partners' inboxes, e.g. an emergency read of a client
    /// of theirs) with their audit lines, in one transaction.
    func notify(_ events: [Delivery], audit: [AuditEntry]) async throws
    /// Puts deliveries back in the queue (retry, replay), due at `time`; the same ids, so
    /// receivers deduplicate. Returns how many.
    func requeue(ids: [String], at time: String, audit: [AuditEntry]) async throws -> Int
}

extension MessageStore {
    public func messages(ids: [String]) async throws -> [String: StoredMessage] {
        var found: [String: StoredMessage] = [:]
        for id in Set(ids) { found[id] = try await message(id: id) }
        return found
    }
}
