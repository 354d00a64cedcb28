import Foundation
import PerigateCore
import PostgresNIO

/// What the operator console reads: message metadata and counts, rejection reports, sessions.
extension PostgresMessageStore: MessageBrowsing, SessionStore {
    public func messageSummaries(matching query: MessageQuery) async throws -> [MessageSummary] {
        var bindings = PostgresBindings()
        var conditions: [String] = []
        for (column, value) in [("id", query.id), ("kind", query.kind), ("sender_ura", query.senderURA),
                                (MessageStatusSQL.expression, query.outcome), ("bsn", query.bsn)] {
            guard let value else { continue }
            bindings.append(value)
            conditions.append("\(column) = $\(bindings.count)")
        }
        if let prefix = query.idPrefix {
            bindings.append(MessageQuery.likePrefix(prefix))
            conditions.append("id LIKE $\(bindings.count) ESCAPE '\\'")
        }
        for (comparison, value) in [(">=", query.from), ("<=", query.to)] {
            guard let value else { continue }
            bindings.append(value)
            conditions.append("received_at \(comparison) $\(bindings.count)")
        }
        bindings.append(query.limit)
        bindings.append(query.offset)
        let condition = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = PostgresQuery(unsafeSQL: """
            SELECT id, received_at, kind, version, \(MessageStatusSQL.expression), sender_ura, raw_size FROM messages
            \(condition) ORDER BY received_at DESC, seq DESC LIMIT $\(bindings.count - 1) OFFSET $\(bindings.count)
            """, binds: bindings)
        var result: [MessageSummary] = []
        for try await (id, receivedAt, kind, version, outcome, sender, size) in try await self.query(sql)
            .decode((String, String, String?, String?, String, String?, Int).self) {
            result.append(MessageSummary(id: id, receivedAt: receivedAt, kind: kind, version: version, outcome: outcome,
                                         senderURA: sender, size: size))
        }
        return result
    }

    public func messageCounts(since: String) async throws -> [MessageCount] {
        var result: [MessageCount] = []
        for try await (kind, version, outcome, count) in try await query("""
            SELECT coalesce(kind, '-'), coalesce(version, '-'), \(unescaped: MessageStatusSQL.expression), count(*)::bigint
            FROM messages WHERE received_at >= \(since) GROUP BY 1, 2, 3
            """).decode((String, String, String, Int).self) {
            result.append(MessageCount(kind: kind, version: version, outcome: outcome, count: count))
        }
        return result.sorted(by: MessageCount.displayOrder)
    }

    public func rejectionReports(since: String, limit: Int) async throws -> [ValidationReport] {
        var result: [ValidationReport] = []
        for try await report in try await query(
            "SELECT report FROM messages WHERE received_at >= \(since) AND bsn IS NULL ORDER BY received_at DESC LIMIT \(limit)"
        ).decode(String.self) {
            result.append(try JSONDecoder().decode(ValidationReport.self, from: Data(report.utf8)))
        }
        return result
    }

    public func messageFlow(since: String) async throws -> [FlowCount] {
        var result: [FlowCount] = []
        for try await (hour, kind, accepted, count) in try await query("""
            SELECT substr(received_at, 1, 13), coalesce(kind, '-'), (bsn IS NOT NULL), count(*)::bigint
            FROM messages WHERE received_at >= \(since) GROUP BY 1, 2, 3
            """).decode((String, String, Bool, Int).self) {
            result.append(FlowCount(hour: hour, kind: kind, accepted: accepted, count: count))
        }
        return result.sorted(by: FlowCount.displayOrder)
    }

    public func putSession(keyHash: String, value: String, expiresAt: String) async throws {
        let now = Date().formatted(.iso8601)
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO console_sessions (key_hash, value, expires_at) VALUES (\(keyHash), \(value), \(expiresAt))
                ON CONFLICT (key_hash) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
                """, logger: self.logger)
            // Expired sessions go whenever a new one is written.
            try await connection.query("DELETE FROM console_sessions WHERE expires_at <= \(now)", logger: self.logger)
        }
    }

    public func session(keyHash: String, now: String) async throws -> String? {
        for try await value in try await query(
            "SELECT value FROM console_sessions WHERE key_hash = \(keyHash) AND expires_at > \(now)").decode(String.self) {
            return value
        }
        return nil
    }

    public func removeSession(keyHash: String) async throws {
        _ = try await query("DELETE FROM console_sessions WHERE key_hash = \(keyHash)")
    }
}
