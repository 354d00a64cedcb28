/// A ``MessageStore`` that reports how long each operation took (for metrics: store latency,
/// audit write latency), then passes it on unchanged. Operation names: `accept`,
/// `append_audit`, `register_consent`, `message`, `messages`, `consents`, `audit_query`,
/// `client_index`, `client_row`, `record_sources`, `replace_client_row`.
public struct ObservedMessageStore: MessageStore {
    public let base: any MessageStore
    public let observe: @Sendable (_ operation: String, _ duration: Duration) -> Void

    public init(_ base: any MessageStore, observe: @escaping @Sendable (_ operation: String, _ duration: Duration) -> Void) {
        self.base = base
        self.observe = observe
    }

    private func timed<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        defer { observe(operation, ContinuousClock.now - start) }
        return try await body()
    }

    public func accept(_ message: StoredMessage, audit: [AuditEntry], deliveries: [Delivery]) async throws -> AcceptOutcome {
        try await timed("accept") { try await base.accept(message, audit: audit, deliveries: deliveries) }
    }

    public func probeWritable() async throws {
        try await base.probeWritable()
    }

    public func message(id: String) async throws -> StoredMessage? {
        try await timed("message") { try await base.message(id: id) }
    }

    public func messages(ids: [String]) async throws -> [String: StoredMessage] {
        try await timed("message") { try await base.messages(ids: ids) }
    }

    public func messages(bsn: String) async throws -> [StoredMessage] {
        try await timed("messages") { try await base.messages(bsn: bsn) }
    }

    public func clientRow(bsn: String) async throws -> ClientRow? {
        try await timed("client_row") { try await base.clientRow(bsn: bsn) }
    }

    public func clientIndex(bsn: String) async throws -> (version: Int, index: ClientIndex?)? {
        try await timed("client_index") { try await base.clientIndex(bsn: bsn) }
    }

    public func recordSources(bsn: String, from position: Int, facts: Bool) async throws -> RecordSourcesRead? {
        try await timed("record_sources") { try await base.recordSources(bsn: bsn, from: position, facts: facts) }
    }

    public func replaceClientRow(bsn: String, index: ClientIndex, state: RecordState, sources: [RecordSourceRow],
                                 expectedVersion: Int?) async throws -> Bool {
        try await timed("replace_client_row") {
            try await base.replaceClientRow(bsn: bsn, index: index, state: state, sources: sources, expectedVersion: expectedVersion)
        }
    }

    public func clientsWithMessages() async throws -> [(bsn: String, current: Bool)] {
        try await base.clientsWithMessages()
    }

    public func registerConsent(_ consent: ExchangeConsent, audit: [AuditEntry]) async throws {
        try await timed("register_consent") { try await base.registerConsent(consent, audit: audit) }
    }

    public func consents(bsn: String) async throws -> [ExchangeConsent] {
        try await timed("consents") { try await base.consents(bsn: bsn) }
    }

    public func confirmCare(_ confirmation: CareConfirmation, audit: [AuditEntry]) async throws {
        try await timed("confirm_care") { try await base.confirmCare(confirmation, audit: audit) }
    }

    public func careConfirmations(bsn: String) async throws -> [CareConfirmation] {
        try await timed("care_confirmations") { try await base.careConfirmations(bsn: bsn) }
    }

    public func appendAudit(_ entries: [AuditEntry]) async throws {
        try await timed("append_audit") { try await base.appendAudit(entries) }
    }

    public func auditEntries(client: String, from: String?, to: String?) async throws -> [AuditEntry] {
        try await timed("audit_query") { try await base.auditEntries(client: client, from: from, to: to) }
    }

    public func auditEntries(organisation ura: String, from: String?, to: String?, limit: Int) async throws -> [AuditEntry] {
        try await timed("audit_query") { try await base.auditEntries(organisation: ura, from: from, to: to, limit: limit) }
    }

    public func auditEntries(after: Int, limit: Int) async throws -> [AuditEntry] {
        try await timed("audit_query") { try await base.auditEntries(after: after, limit: limit) }
    }

    public func close() async throws {
        try await base.close()
    }
}

/// Told how long each step of an ingest took (validation: parse, detect, XSD, checks).
public protocol IngestObserver: Sendable {
    func validated(kind: String?, outcome: String, duration: Duration)
}
