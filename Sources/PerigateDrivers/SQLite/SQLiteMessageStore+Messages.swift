import Foundation
import PerigateCore
import SQLiteNIO

extension SQLiteMessageStore {
    /// Durable when it returns. Concurrent calls are group-committed: written together in one
    /// transaction, each with its own outcome.
    public func accept(_ message: StoredMessage, audit: [AuditEntry]) async throws -> AcceptOutcome {
        let item = GroupCommitQueue.Item(message: message, compressed: try Compression.compress(message.raw),
                                         audit: audit, promise: Promise())
        if await commitQueue.enqueue(item) {
            while let batch = await commitQueue.nextBatch() {
                do {
                    let outcomes = try await transaction {
                        var outcomes: [AcceptOutcome] = []
                        for entry in batch { outcomes.append(try await self.acceptInTransaction(entry)) }
                        return outcomes
                    }
                    for (entry, outcome) in zip(batch, outcomes) { entry.promise.fulfil(.success(outcome)) }
                } catch {
                    for entry in batch { entry.promise.fulfil(.failure(error)) }
                }
            }
        }
        return try await item.promise.value()
    }

    /// Inside a transaction: one message with its audit lines.
    private func acceptInTransaction(_ item: GroupCommitQueue.Item) async throws -> AcceptOutcome {
        let message = item.message
        if let existing = try await load(id: message.id) {
            let duplicate = existing.raw == message.raw
            try await insertAudit(duplicate ? item.audit : item.audit.map(\.refused))
            return duplicate ? .duplicate(existing) : .conflict(existing)
        }
        let report = String(decoding: try CanonicalJSON.compact(message.report), as: UTF8.self)
        let facts = try message.facts.map { String(decoding: try CanonicalJSON.compact($0), as: UTF8.self) }
        _ = try await connection.query("""
            INSERT INTO messages (id, received_at, kind, version, outcome, sender_ura, bsn, raw, raw_size, report, facts)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [
                .text(message.id), .text(message.receivedAt), Self.text(message.report.kind), Self.text(message.report.version),
                .text(message.report.outcome.rawValue), Self.text(message.senderURA), Self.text(message.bsn),
                .blob(ByteBuffer(bytes: item.compressed)), .integer(message.raw.count), .text(report), Self.text(facts),
            ])
        try await insertAudit(item.audit)
        return .stored
    }

    public func message(id: String) async throws -> StoredMessage? {
        try await load(id: id)
    }

    public func facts(bsn: String) async throws -> [MessageFacts] {
        let rows = try await connection.query(
            "SELECT facts FROM messages WHERE bsn = ? AND facts IS NOT NULL ORDER BY rowid", [.text(bsn)])
        return try rows.compactMap { row in
            try row.column("facts")?.string.map { try JSONDecoder().decode(MessageFacts.self, from: Data($0.utf8)) }
        }
    }

    func load(id: String) async throws -> StoredMessage? {
        guard let row = try await connection.query(
            "SELECT received_at, sender_ura, bsn, raw, raw_size, report, facts FROM messages WHERE id = ?", [.text(id)]).first
        else { return nil }
        guard let blob = row.column("raw")?.blob, let size = row.column("raw_size")?.integer,
              let report = row.column("report")?.string else {
            throw StoreError(message: "message row \(id) is incomplete")
        }
        let raw = try Compression.decompress(Data(blob.readableBytesView), size: Int(size))
        return StoredMessage(
            id: id, receivedAt: row.column("received_at")?.string ?? "",
            report: try JSONDecoder().decode(ValidationReport.self, from: Data(report.utf8)),
            senderURA: row.column("sender_ura")?.string, bsn: row.column("bsn")?.string, raw: raw,
            facts: try row.column("facts")?.string.map { try JSONDecoder().decode(MessageFacts.self, from: Data($0.utf8)) })
    }

    static func text(_ value: String?) -> SQLiteData {
        value.map { .text($0) } ?? .null
    }
}

/// A store failure that is not SQLite's own (e.g. a damaged row).
public struct StoreError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
