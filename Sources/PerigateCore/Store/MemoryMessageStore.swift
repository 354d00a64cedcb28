/// An in-memory ``MessageStore`` for tests and demos: same contract, nothing durable.
public actor MemoryMessageStore: MessageStore {
    private var messages: [String: StoredMessage] = [:]
    private var order: [String] = []
    private var audit: [AuditEntry] = []

    public init() {}

    public func accept(_ message: StoredMessage, audit entries: [AuditEntry]) -> AcceptOutcome {
        if let existing = messages[message.id] {
            appendAudit(entries)
            return existing.raw == message.raw ? .duplicate(existing) : .conflict(existing)
        }
        messages[message.id] = message
        order.append(message.id)
        appendAudit(entries)
        return .stored
    }

    public func message(id: String) -> StoredMessage? {
        messages[id]
    }

    public func facts(bsn: String) -> [MessageFacts] {
        order.compactMap { messages[$0] }.filter { $0.bsn == bsn }.compactMap(\.facts)
    }

    public func appendAudit(_ entries: [AuditEntry]) {
        for var entry in entries {
            entry.sequence = audit.count + 1
            audit.append(entry)
        }
    }

    public func close() {}

    public func auditEntries(after: Int, limit: Int) -> [AuditEntry] {
        Array(audit.filter { $0.sequence > after }.prefix(limit))
    }
}
