import Foundation
import PerigateCore
import SQLiteNIO

/// What the operator console reads: message metadata and counts, rejection reports, sessions.
extension SQLiteMessageStore: MessageBrowsing, SessionStore {
    public func messageSummaries(matching query: MessageQuery) async throws -> [MessageSummary] {
        let filters: [(String, String?)] = [("id = ?", query.id), ("id LIKE ? ESCAPE '\\'", query.idPrefix.map(MessageQuery.likePrefix)),
                                            ("kind = ?", query.kind), ("sender_ura = ?", query.senderURA),
                                            ("\(MessageStatusSQL.expression) = ?", query.outcome), ("received_at >= ?", query.from),
                                            ("received_at <= ?", query.to), ("bsn = ?", query.bsn)]
        let used = filters.compactMap { filter in filter.1.map { (filter.0, $0) } }
        let condition = used.isEmpty ? "" : "WHERE " + used.map(\.0).joined(separator: " AND ")
        return try await reader.query(
            "SELECT id, received_at, kind, version, \(MessageStatusSQL.expression) AS outcome, sender_ura, raw_size FROM messages \(condition) ORDER BY received_at DESC, rowid DESC LIMIT ? OFFSET ?",
            used.map { .text($0.1) } + [.integer(query.limit), .integer(query.offset)]
        ).map { row in
            MessageSummary(id: row.column("id")?.string ?? "", receivedAt: row.column("received_at")?.string ?? "",
                           kind: row.column("kind")?.string, version: row.column("version")?.string,
                           outcome: row.column("outcome")?.string ?? "", senderURA: row.column("sender_ura")?.string,
                           size: row.column("raw_size")?.integer ?? 0)
        }
    }

    public func messageCounts(since: String) async throws -> [MessageCount] {
        try await reader.query(
            """
            SELECT coalesce(kind, '-') AS kind, coalesce(version, '-') AS version, \(MessageStatusSQL.expression) AS outcome,
                   count(*) AS n FROM messages
            WHERE received_at >= ? GROUP BY 1, 2, 3
            """, [.text(since)]
        ).map { row in
            MessageCount(kind: row.column("kind")?.string ?? "-", version: row.column("version")?.string ?? "-",
                         outcome: row.column("outcome")?.string ?? "", count: row.column("n")?.integer ?? 0)
        }.sorted(by: MessageCount.displayOrder)
    }

    public func rejectionReports(since: String, limit: Int) async throws -> [ValidationReport] {
        try await reader.query(
            "SELECT report FROM messages WHERE received_at >= ? AND bsn IS NULL ORDER BY received_at DESC LIMIT ?",
            [.text(since), .integer(limit)]
        ).compactMap { row in
            try row.column("report")?.string.map { try JSONDecoder().decode(ValidationReport.self, from: Data($0.utf8)) }
        }
    }

    public func messageFlow(since: String) async throws -> [FlowCount] {
        try await reader.query(
            """
            SELECT substr(received_at, 1, 13) AS hour, coalesce(kind, '-') AS kind, (bsn IS NOT NULL) AS accepted, count(*) AS n
            FROM messages WHERE received_at >= ? GROUP BY 1, 2, 3
            """, [.text(since)]
        ).map { row in
            FlowCount(hour: row.column("hour")?.string ?? "", kind: row.column("kind")?.string ?? "-",
                      accepted: row.column("accepted")?.integer == 1, count: row.column("n")?.integer ?? 0)
        }.sorted(by: FlowCount.displayOrder)
    }

    public func putSession(keyHash: String, value: String, expiresAt: String) async throws {
        try await transaction {
            _ = try await self.connection.query("INSERT OR REPLACE INTO console_sessions (key_hash, value, expires_at) VALUES (?, ?, ?)",
                                                [.text(keyHash), .text(value), .text(expiresAt)])
            // Expired sessions go whenever a new one is written.
            _ = try await self.connection.query("DELETE FROM console_sessions WHERE expires_at <= ?", [.text(Date().formatted(.iso8601))])
        }
    }

    public func session(keyHash: String, now: String) async throws -> String? {
        try await reader.query("SELECT value FROM console_sessions WHERE key_hash = ? AND expires_at > ?", [.text(keyHash), .text(now)])
            .first?.column("value")?.string
    }

    public func removeSession(keyHash: String) async throws {
        try await transaction {
            _ = try await self.connection.query("DELETE FROM console_sessions WHERE key_hash = ?", [.text(keyHash)])
        }
    }
}
