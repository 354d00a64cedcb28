import PerigateCore
import SQLiteNIO

extension SQLiteMessageStore {
    public func appendAudit(_ entries: [AuditEntry]) async throws {
        try await transaction { try await self.insertAudit(entries) }
    }

    public func auditEntries(after: Int, limit: Int) async throws -> [AuditEntry] {
        try await reader.query(
            "SELECT seq, time, actor, event, action, object, outcome, detail FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
            [.integer(after), .integer(limit)]
        ).map { row in
            AuditEntry(sequence: Int(row.column("seq")?.integer ?? 0), time: row.column("time")?.string ?? "",
                       actor: row.column("actor")?.string ?? "", event: row.column("event")?.string ?? "",
                       action: row.column("action")?.string ?? "", object: row.column("object")?.string ?? "",
                       outcome: row.column("outcome")?.string ?? "", detail: row.column("detail")?.string)
        }
    }

    /// Inside a transaction: appends the lines (one statement per 100 lines).
    func insertAudit(_ entries: [AuditEntry]) async throws {
        for chunk in entries.chunked(into: 100) {
            let placeholders = Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            _ = try await connection.query(
                "INSERT INTO audit (time, actor, event, action, object, outcome, detail) VALUES \(placeholders)",
                chunk.flatMap { entry -> [SQLiteData] in
                    [.text(entry.time), .text(entry.actor), .text(entry.event), .text(entry.action), .text(entry.object),
                     .text(entry.outcome), Self.text(entry.detail)]
                })
        }
    }

    /// Runs raw SQL, for tests that prove the database itself refuses tampering.
    public func execute(_ sql: String) async throws {
        _ = try await connection.query(sql, [])
    }
}
