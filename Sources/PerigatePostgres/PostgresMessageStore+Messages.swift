import Foundation
import NIOCore
import PerigateCore
import PostgresNIO

extension PostgresMessageStore: MessageStore {
    /// A round trip through the pool (which reconnects by itself after the database comes back).
    public func probeWritable() async throws {
        _ = try await query("SELECT 1").collect()
    }

    /// Durable when it returns. Concurrent accepts on this node are group-committed: written
    /// together in one transaction with set-based statements (``write(_:)``); their audit lines
    /// are sealed into the chain after the commit (``sealAudit()``).
    public func accept(_ message: StoredMessage, audit: [AuditEntry], deliveries: [Delivery]) async throws -> AcceptOutcome {
        let item = try acceptItem(message, audit: audit, deliveries: deliveries)
        return try await commitQueue.submit(item) { group in await self.write(group) }.get()
    }

    /// `message` encoded for its group, by the caller's task (not inside the transaction).
    func acceptItem(_ message: StoredMessage, audit: [AuditEntry], deliveries: [Delivery]) throws -> AcceptItem {
        AcceptItem(message: message, compressed: try Compression.compress(message.raw), report: try StorageJSON.text(message.report),
                   facts: try message.facts.map(StorageJSON.text), audit: audit, templates: try auditTemplates(audit), deliveries: deliveries)
    }

    /// One transaction for the group. When it fails with the database still answering (a value
    /// or constraint the server refused, a statement cancelled or too large, a deadlock or
    /// serialization failure with another node, a conflicting row that cannot be read), each
    /// item is written again in a transaction of its own, so that one bad message fails alone;
    /// when the database is gone (``failsWholeGroup(_:)``), the whole group fails at once (no
    /// round of retries against a server that is not there).
    func write(_ group: [AcceptItem]) async -> [Result<AcceptOutcome, any Error>] {
        do {
            return try await transaction { connection in try await self.accept(group, on: connection) }.map { .success($0) }
        } catch where group.count > 1 && !Self.failsWholeGroup(error) {
            var outcomes: [Result<AcceptOutcome, any Error>] = []
            for item in group { outcomes += await write([item]) }
            return outcomes
        } catch {
            return group.map { _ in .failure(error) }
        }
    }

    /// Whether a failed group transaction failed for all of its items: no answer from the server
    /// (a connection or pool error), or a state of the database rather than of a message — a
    /// connection exception (SQLSTATE class 08), a read-only server after a failover (25006),
    /// missing privileges or tables (42501, 42P01), insufficient resources (53), the server
    /// shutting down (57P), a system or internal error (58, XX) — or the task cancelled. Anything
    /// else (a value, a constraint, a size limit, a deadlock, an error of Perigate's own) may be
    /// one message's doing.
    static func failsWholeGroup(_ error: any Error) -> Bool {
        if innermost(error) is CancellationError || isPoolError(error) { return true }
        // A statement error without a SQLSTATE: the server did not answer.
        guard let state = sqlState(error) else { return innermost(error) is PSQLError }
        return ["08", "53", "57", "58", "XX"].contains(String(state.prefix(2))) || ["25006", "42501", "42P01"].contains(state)
    }

    /// One accept waiting for its group, encoded by the caller's task before the transaction.
    struct AcceptItem: Sendable {
        var message: StoredMessage
        var compressed: Data
        var report: String
        var facts: String?
        var audit: [AuditEntry]
        /// `audit` encoded (``AuditChain/template(_:)``).
        var templates: [String]
        /// Outbox rows, written only when the message is newly stored.
        var deliveries: [Delivery]
    }

    /// Inside a transaction: a group of messages in queue order. A message whose id is stored
    /// already (by this or another node, or earlier in the group) is a duplicate when its bytes
    /// are the same, else a conflict; its audit lines are written either way. Her rows are locked
    /// in BSN order, so two nodes' groups cannot deadlock.
    private func accept(_ group: [AcceptItem], on connection: PostgresConnection) async throws -> [AcceptOutcome] {
        // Inserted in id order: two nodes' groups holding the same ids wait for each other in one
        // order, never in a cycle.
        // Ids are compared as the database does, by their bytes (Swift's String equality would
        // take two differently encoded but canonically equal ids for one).
        var firsts = Set<[UInt8]>()
        let candidates = group.filter { firsts.insert(Array($0.message.id.utf8)).inserted }
            .sorted { $0.message.id.utf8.lexicographicallyPrecedes($1.message.id.utf8) }
        let inserted = try await insertMessages(candidates, on: connection)
        var outcomes: [AcceptOutcome] = [], templates: [String] = [], deliveries: [Delivery] = [], stored: [StoredMessage] = []
        var claimed = Set<[UInt8]>()
        for item in group {
            let id = Array(item.message.id.utf8)
            if inserted.contains(id), claimed.insert(id).inserted {
                outcomes.append(.stored)
                stored.append(item.message)
                templates += item.templates
                deliveries += item.deliveries
                continue
            }
            guard let original = try await load(id: item.message.id, on: connection) else {
                throw StoreError(.damaged, message: "message \(item.message.id) conflicted but cannot be read")
            }
            let duplicate = original.raw == item.message.raw
            outcomes.append(duplicate ? .duplicate(original) : .conflict(original))
            templates += try auditTemplates(AcceptOutcome.repeatedAuditLines(item.audit, duplicate: duplicate))
        }
        for consent in stored.compactMap(\.exchangeConsent) { try await insertConsent(consent, on: connection) }
        try await updateClientRows(after: stored, on: connection)
        try await insertDeliveries(deliveries, on: connection)
        // Sealed into the chain after the commit, with other transactions' lines.
        try await insertAudit(templates: templates, on: connection)
        return outcomes
    }

    /// One INSERT for the group's new messages (ids unique within it); the ids actually inserted,
    /// as bytes.
    private func insertMessages(_ items: [AcceptItem], on connection: PostgresConnection) async throws -> Set<[UInt8]> {
        guard !items.isEmpty else { return [] }
        var bindings = PostgresBindings(capacity: items.count * 12)
        for item in items {
            let message = item.message
            bindings.append(message.id)
            bindings.append(message.receivedAt)
            bindings.append(message.report.kind)
            bindings.append(message.report.version)
            bindings.append(message.report.outcome.rawValue)
            bindings.append(message.senderURA)
            bindings.append(message.bsn)
            bindings.append(ByteBuffer(bytes: item.compressed))
            bindings.append(message.raw.count)
            bindings.append(item.report)
            bindings.append(message.senderPartnerId)
            bindings.append(item.facts)
        }
        var ids = Set<[UInt8]>()
        for try await id in try await connection.query(PostgresQuery(unsafeSQL: """
            INSERT INTO messages (id, received_at, kind, version, outcome, sender_ura, bsn, raw, raw_size, report, sender_partner, facts)
            VALUES \(Self.placeholders(rows: items.count, columns: 12))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """, binds: bindings), logger: logger).decode(String.self) {
            ids.insert(Array(id.utf8))
        }
        return ids
    }

    /// `($1, …, $columns), ($columns+1, …)`: the VALUES of a multi-row INSERT.
    static func placeholders(rows: Int, columns: Int) -> String {
        (0..<rows).map { row in "(" + (1...columns).map { "$\(row * columns + $0)" }.joined(separator: ", ") + ")" }
            .joined(separator: ", ")
    }

    public func message(id: String) async throws -> StoredMessage? {
        try await client.withConnection { connection in try await load(id: id, on: connection) }
    }

    public func messages(ids: [String]) async throws -> [String: StoredMessage] {
        let rows = try await Self.messages(try await query(
            "SELECT \(unescaped: Self.messageColumns), NULL::text FROM messages WHERE id = ANY(\(ids)::text[])"))
        return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func messages(bsn: String) async throws -> [StoredMessage] {
        try await Self.messages(try await query(
            "SELECT \(unescaped: Self.messageColumns), facts FROM messages WHERE bsn = \(bsn) ORDER BY seq"))
    }

    func load(id: String, on connection: PostgresConnection) async throws -> StoredMessage? {
        try await Self.messages(try await connection.query(
            "SELECT \(unescaped: Self.messageColumns), NULL::text FROM messages WHERE id = \(id)", logger: logger)).first
    }

    /// A message row's columns before its facts (``MessageRow``).
    static let messageColumns = "id, received_at, sender_ura, sender_partner, bsn, raw, raw_size, report"
    /// ``messageColumns`` and the facts (or NULL), as decoded.
    typealias MessageRow = (String, String, String?, String?, String?, ByteBuffer, Int, String, String?)

    static func messages(_ rows: PostgresRowSequence) async throws -> [StoredMessage] {
        var result: [StoredMessage] = []
        for try await (id, receivedAt, senderURA, senderPartner, bsn, raw, size, report, facts) in rows.decode(MessageRow.self) {
            result.append(StoredMessage(id: id, receivedAt: receivedAt,
                                        report: try JSONDecoder().decode(ValidationReport.self, from: Data(report.utf8)),
                                        senderURA: senderURA, bsn: bsn,
                                        raw: try Compression.decompress(Data(raw.readableBytesView), size: size),
                                        facts: try facts.map { try JSONDecoder().decode(MessageFacts.self, from: Data($0.utf8)) },
                                        senderPartnerId: senderPartner))
        }
        return result
    }

    public func registerConsent(_ consent: ExchangeConsent, audit: [AuditEntry]) async throws {
        let templates = try auditTemplates(audit)
        try await transaction { connection in
            try await self.insertConsent(consent, on: connection)
            try await self.insertAudit(templates: templates, on: connection)
        }
    }

    func insertConsent(_ consent: ExchangeConsent, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO consents (bsn, status, date, recorded_at, recorded_by, message_id)
            VALUES (\(consent.bsn), \(consent.status.rawValue), \(consent.date), \(consent.recordedAt), \(consent.recordedBy), \(consent.messageId))
            """, logger: logger)
    }

    public func confirmCare(_ confirmation: CareConfirmation, audit: [AuditEntry]) async throws {
        let templates = try auditTemplates(audit)
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO care_confirmations (bsn, ura, confirmed_at, confirmed_by)
                VALUES (\(confirmation.bsn), \(confirmation.ura), \(confirmation.confirmedAt), \(confirmation.confirmedBy))
                """, logger: self.logger)
            try await self.insertAudit(templates: templates, on: connection)
        }
    }

    public func careConfirmations(bsn: String) async throws -> [CareConfirmation] {
        var result: [CareConfirmation] = []
        for try await (ura, confirmedAt, confirmedBy) in try await client.execute(PreparedRead.CareConfirmations(bsn: bsn), logger: logger) {
            result.append(CareConfirmation(bsn: bsn, ura: ura, confirmedAt: confirmedAt, confirmedBy: confirmedBy))
        }
        return result
    }

    public func consents(bsn: String) async throws -> [ExchangeConsent] {
        var result: [ExchangeConsent] = []
        for try await (status, date, recordedAt, recordedBy, messageId) in try await client.execute(PreparedRead.Consents(bsn: bsn), logger: logger) {
            result.append(ExchangeConsent(bsn: bsn, status: ExchangeConsent.Status(rawValue: status) ?? .withdrawn, date: date,
                                          recordedAt: recordedAt, recordedBy: recordedBy, messageId: messageId))
        }
        return result
    }
}
