/// An in-memory ``MessageStore`` for tests and demos: same contract, nothing durable.
public actor MemoryMessageStore: MessageStore {
    private var messages: [String: StoredMessage] = [:]
    private var order: [String] = []
    private var audit: [AuditEntry] = []
    private var consentLedger: [ExchangeConsent] = []
    private var confirmations: [CareConfirmation] = []
    private var outbox: [Delivery] = []
    private var clientRows: [String: ClientRow] = [:]
    private var sources: [String: [RecordSourceRow]] = [:]

    /// The outbox rows written with accepted messages.
    public func deliveries() -> [Delivery] { outbox }

    public init() {}

    /// Always writable.
    public func probeWritable() {}

    public func accept(_ message: StoredMessage, audit entries: [AuditEntry], deliveries: [Delivery]) throws -> AcceptOutcome {
        if let existing = messages[message.id] {
            let duplicate = existing.raw == message.raw
            appendAudit(AcceptOutcome.repeatedAuditLines(entries, duplicate: duplicate))
            return duplicate ? .duplicate(existing) : .conflict(existing)
        }
        if let bsn = message.bsn {
            let (row, source) = try ClientRow.adding(message.facts, bsn: bsn, to: clientRows[bsn])
            clientRows[bsn] = row
            if let source { sources[bsn, default: []].append(source) }
        }
        messages[message.id] = message
        order.append(message.id)
        outbox += deliveries
        if let consent = message.exchangeConsent { consentLedger.append(consent) }
        appendAudit(entries)
        return .stored
    }

    public func message(id: String) -> StoredMessage? {
        messages[id]
    }

    public func messages(bsn: String) -> [StoredMessage] {
        order.compactMap { messages[$0] }.filter { $0.bsn == bsn }
    }

    public func clientRow(bsn: String) -> ClientRow? {
        clientRows[bsn]
    }

    public func clientIndex(bsn: String) -> (version: Int, index: ClientIndex?)? {
        clientRows[bsn].map { ($0.version, $0.index) }
    }

    public func recordSources(bsn: String, from position: Int, facts: Bool) -> RecordSourcesRead? {
        guard let row = clientRows[bsn] else { return nil }
        let rows = Array((sources[bsn] ?? []).dropFirst(position))
        return RecordSourcesRead(version: row.version, rebuiltVersion: row.rebuiltVersion, current: row.index != nil && row.state != nil,
                                 rows: rows, facts: facts ? rows.map { messages[$0.source.provenance.messageId]?.facts } : [])
    }

    public func replaceClientRow(bsn: String, index: ClientIndex, state: RecordState, sources rows: [RecordSourceRow],
                                 expectedVersion: Int?) -> Bool {
        guard clientRows[bsn]?.version == expectedVersion else { return false }
        let version = (expectedVersion ?? 0) + 1
        clientRows[bsn] = ClientRow(version: version, index: index, state: state, rebuiltVersion: version)
        sources[bsn] = rows
        return true
    }

    public func clientsWithMessages() -> [(bsn: String, current: Bool)] {
        var seen = Set<String>()
        return order.compactMap { messages[$0]?.bsn }.filter { seen.insert($0).inserted }.map { bsn in
            (bsn, clientRows[bsn].map { $0.index != nil && $0.state != nil } ?? false)
        }
    }

    public func registerConsent(_ consent: ExchangeConsent, audit entries: [AuditEntry]) {
        consentLedger.append(consent)
        appendAudit(entries)
    }

    public func consents(bsn: String) -> [ExchangeConsent] {
        consentLedger.filter { $0.bsn == bsn }
    }

    public func confirmCare(_ confirmation: CareConfirmation, audit entries: [AuditEntry]) {
        confirmations.append(confirmation)
        appendAudit(entries)
    }

    public func careConfirmations(bsn: String) -> [CareConfirmation] {
        confirmations.filter { $0.bsn == bsn }
    }

    public func appendAudit(_ entries: [AuditEntry]) {
        for var entry in entries {
            entry.sequence = audit.count + 1
            audit.append(entry)
        }
    }

    public func close() {}

    public func auditEntries(client: String, from: String?, to: String?) -> [AuditEntry] {
        audit.filter { $0.client == client && $0.time >= (from ?? "") && $0.time <= (to ?? "~") }
    }

    public func auditEntries(organisation ura: String, from: String?, to: String?, limit: Int) -> [AuditEntry] {
        Array(audit.filter { entry in
            (entry.organisation?.ura == ura || (entry.custodians ?? []).contains { $0.ura == ura })
                && entry.time >= (from ?? "") && entry.time <= (to ?? "~")
        }.prefix(limit))
    }

    public func auditEntries(after: Int, limit: Int) -> [AuditEntry] {
        Array(audit.filter { $0.sequence > after }.prefix(limit))
    }
}

/// In-memory partners, for tests and demos.
public actor MemoryPartnerRegistry: PartnerRegistry {
    private var entries: [(partner: Partner, tokenHash: String)] = []
    private var certificates: [String: String] = [:]
    private let audit: MemoryMessageStore

    public init(audit: MemoryMessageStore) {
        self.audit = audit
    }

    public func addPartner(_ partner: Partner, tokenHash: String, audit entry: AuditEntry) async {
        entries.append((partner, tokenHash))
        await audit.appendAudit([entry])
    }

    public func partner(tokenHash: String) -> Partner? {
        entries.first { $0.tokenHash == tokenHash && !$0.partner.revoked }?.partner
    }

    public func partners() -> [Partner] {
        entries.map(\.partner)
    }

    public func setPartnerRevoked(id: String, revoked: Bool, audit entry: AuditEntry) async -> Bool {
        guard let index = entries.firstIndex(where: { $0.partner.id == id }) else { return false }
        entries[index].partner.revoked = revoked
        await audit.appendAudit([entry])
        return true
    }

    public func bindCertificate(partnerId: String, fingerprint: String, audit entry: AuditEntry) async -> Bool {
        guard entries.contains(where: { $0.partner.id == partnerId }) else { return false }
        certificates[fingerprint] = partnerId
        await audit.appendAudit([entry])
        return true
    }

    public func partner(certificateFingerprint: String) -> Partner? {
        guard let id = certificates[certificateFingerprint] else { return nil }
        return entries.first { $0.partner.id == id && !$0.partner.revoked }?.partner
    }
}
