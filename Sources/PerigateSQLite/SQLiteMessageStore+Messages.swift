import Foundation
import PerigateCore
import SQLiteNIO

extension SQLiteMessageStore {
    /// Durable when it returns. Concurrent calls are group-committed: written together in one
    /// transaction with set-based statements (one SELECT, one INSERT for the messages, one for the
    /// audit lines), each caller with its own outcome.
    /// An empty write transaction through the one writer: fails (after the 5 s busy timeout) while
    /// another process holds the database's write lock.
    public func probeWritable() async throws {
        try await transaction {}
    }

    public func accept(_ message: StoredMessage, audit: [AuditEntry], deliveries: [Delivery]) async throws -> AcceptOutcome {
        let compressed = try Compression.compress(message.raw)
        let item = AcceptItem(message: message, compressed: compressed, row: try Self.row(message, compressed: compressed),
                              audit: audit, auditTemplates: try auditTemplates(audit), deliveries: deliveries)
        return try await commitQueue.submit(item) { batch in
            try await self.transaction { try await self.acceptInTransaction(batch) }
        }
    }

    /// One accept waiting for its group: the message and what goes with it, prepared by the
    /// caller's task before the transaction.
    struct AcceptItem: Sendable {
        var message: StoredMessage
        var compressed: Data
        /// The message row's column values, in `INSERT INTO messages` order.
        var row: [SQLiteData]
        var audit: [AuditEntry]
        /// `audit` encoded (``AuditChain/template(_:)``) before the transaction.
        var auditTemplates: [String]
        /// Outbox rows, written only when the message is newly stored.
        var deliveries: [Delivery]
    }

    /// Inside a transaction: a group of messages with their audit lines. A message whose id is
    /// already stored (or earlier in the same group) is a duplicate when its bytes are the same,
    /// else a conflict; its audit lines are written either way.
    private func acceptInTransaction(_ batch: [AcceptItem]) async throws -> [AcceptOutcome] {
        var existing = try await storedDigests(ids: Set(batch.map(\.message.id)))
        var outcomes: [AcceptOutcome] = []
        var inserts: [AcceptItem] = []
        var audit: [String] = []
        var deliveries: [Delivery] = []
        for item in batch {
            guard let stored = existing[item.message.id] else {
                existing[item.message.id] = (item.compressed, item.message.raw.count)
                inserts.append(item)
                outcomes.append(.stored)
                audit += item.auditTemplates
                deliveries += item.deliveries
                continue
            }
            // Equal compressed bytes mean equal messages; unequal ones are compared uncompressed
            // (another zlib version may compress the same bytes differently).
            var duplicate = stored.size == item.message.raw.count && stored.compressed == item.compressed
            if !duplicate, stored.size == item.message.raw.count {
                duplicate = try await load(id: item.message.id)?.raw == item.message.raw
            }
            outcomes.append(duplicate ? .duplicate(item.message) : .conflict(item.message))
            audit += try auditTemplates(AcceptOutcome.repeatedAuditLines(item.audit, duplicate: duplicate))
        }
        for chunk in inserts.chunked(into: 64) {
            let placeholders = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            _ = try await connection.query("""
                INSERT INTO messages (id, received_at, kind, version, outcome, sender_ura, bsn, raw, raw_size, report, facts, sender_partner)
                VALUES \(placeholders)
                """, chunk.flatMap(\.row) as [SQLiteData])
        }
        try await updateClientRows(inserts.map(\.message))
        try await insertAudit(templates: audit)
        try await insertDeliveries(deliveries)
        for consent in inserts.compactMap(\.message.exchangeConsent) { try await insertConsent(consent) }
        // Duplicates and conflicts answer with the original as stored (its receipt, not the re-send's).
        for (index, outcome) in outcomes.enumerated() {
            switch outcome {
            case .duplicate(let message):
                if let original = try await load(id: message.id) { outcomes[index] = .duplicate(original) }
            case .conflict(let message):
                if let original = try await load(id: message.id) { outcomes[index] = .conflict(original) }
            case .stored:
                break
            }
        }
        return outcomes
    }

    /// The stored compressed bytes and original size of those of `ids` that exist.
    private func storedDigests(ids: Set<String>) async throws -> [String: (compressed: Data, size: Int)] {
        var found: [String: (compressed: Data, size: Int)] = [:]
        for chunk in Array(ids).chunked(into: 500) {
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            for row in try await connection.query("SELECT id, raw, raw_size FROM messages WHERE id IN (\(placeholders))",
                                                  chunk.map { .text($0) }) {
                guard let id = row.column("id")?.string, let blob = row.column("raw")?.blob, let size = row.column("raw_size")?.integer
                else { continue }
                found[id] = (Data(blob.readableBytesView), Int(size))
            }
        }
        return found
    }

    /// The column values of a new message row, prepared by the caller's task outside the transaction.
    static func row(_ message: StoredMessage, compressed: Data) throws -> [SQLiteData] {
        let report = try StorageJSON.text(message.report)
        let facts = try message.facts.map(StorageJSON.text)
        return [.text(message.id), .text(message.receivedAt), text(message.report.kind), text(message.report.version),
                .text(message.report.outcome.rawValue), text(message.senderURA), text(message.bsn)]
            + [.blob(ByteBuffer(bytes: compressed)), .integer(message.raw.count), .text(report), text(facts), text(message.senderPartnerId)]
    }

    public func message(id: String) async throws -> StoredMessage? {
        try await load(id: id, on: reader)
    }

    public func messages(bsn: String) async throws -> [StoredMessage] {
        try await reader.query(
            "SELECT id, received_at, sender_ura, sender_partner, bsn, raw, raw_size, report, facts FROM messages WHERE bsn = ? ORDER BY rowid",
            [.text(bsn)]
        ).map(Self.message)
    }

    /// Inside a transaction: the writer, which sees the transaction's own rows; else the reader.
    func load(id: String, on database: SQLiteConnection? = nil) async throws -> StoredMessage? {
        try await (database ?? connection).query(
            "SELECT id, received_at, sender_ura, sender_partner, bsn, raw, raw_size, report FROM messages WHERE id = ?", [.text(id)]
        ).first.map(Self.message)
    }

    /// A message row as stored, with its facts when the query selected them.
    static func message(_ row: SQLiteRow) throws -> StoredMessage {
        let id = row.column("id")?.string ?? ""
        guard let blob = row.column("raw")?.blob, let size = row.column("raw_size")?.integer,
              let report = row.column("report")?.string else {
            throw StoreError(.damaged, message: "message row \(id) is incomplete")
        }
        let raw = try Compression.decompress(Data(blob.readableBytesView), size: Int(size))
        return StoredMessage(
            id: id, receivedAt: row.column("received_at")?.string ?? "",
            report: try JSONDecoder().decode(ValidationReport.self, from: Data(report.utf8)),
            senderURA: row.column("sender_ura")?.string, bsn: row.column("bsn")?.string, raw: raw,
            facts: try row.column("facts")?.string.map { try JSONDecoder().decode(MessageFacts.self, from: Data($0.utf8)) },
            senderPartnerId: row.column("sender_partner")?.string)
    }

    static func text(_ value: String?) -> SQLiteData {
        value.map { .text($0) } ?? .null
    }
}
