import Foundation
import PerigateCore
import SQLiteNIO

extension SQLiteMessageStore {
    public func appendAudit(_ entries: [AuditEntry]) async throws {
        try await transaction { try await self.insertAudit(entries) }
    }

    public func auditEntries(after: Int, limit: Int) async throws -> [AuditEntry] {
        try await reader.query("SELECT line FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", [.integer(after), .integer(limit)])
            .map { row in try JSONDecoder().decode(AuditEntry.self, from: Data((row.column("line")?.string ?? "").utf8)) }
    }

    public func auditEntries(client: String, from: String?, to: String?) async throws -> [AuditEntry] {
        try await reader.query("SELECT line FROM audit_log WHERE client = ? AND time >= ? AND time <= ? ORDER BY seq",
                               [.text(client), .text(from ?? ""), .text(to ?? "~")])
            .map { row in try JSONDecoder().decode(AuditEntry.self, from: Data((row.column("line")?.string ?? "").utf8)) }
    }

    public func auditEntries(organisation ura: String, from: String?, to: String?, limit: Int) async throws -> [AuditEntry] {
        try await reader.query("""
            SELECT line FROM audit_log
            WHERE (actor_ura = ?1 OR EXISTS (SELECT 1 FROM json_each(audit_log.line, '$.custodians') AS c
                                             WHERE json_extract(c.value, '$.ura') = ?1))
              AND time >= ?2 AND time <= ?3
            ORDER BY seq LIMIT ?4
            """, [.text(ura), .text(from ?? ""), .text(to ?? "~"), .integer(limit)])
            .map { row in try JSONDecoder().decode(AuditEntry.self, from: Data((row.column("line")?.string ?? "").utf8)) }
    }

    /// Stored lines (as hashed) for an export: one client's, or all in a time window.
    public func auditRows(client: String?, from: String?, to: String?) async throws -> [AuditChain.Row] {
        try await reader.query("""
            SELECT seq, line, prev_hash, hash FROM audit_log
            WHERE (?1 IS NULL OR client = ?1) AND time >= ?2 AND time <= ?3 ORDER BY seq
            """, [client.map { .text($0) } ?? .null, .text(from ?? ""), .text(to ?? "~")]).map { row in
            AuditChain.Row(sequence: Int(row.column("seq")?.integer ?? 0), line: row.column("line")?.string ?? "",
                           previousHash: row.column("prev_hash")?.string ?? "", hash: row.column("hash")?.string ?? "")
        }
    }

    /// Inside a transaction: chains the lines after the current head and appends them
    /// (one statement per 100 lines).
    func insertAudit(_ entries: [AuditEntry]) async throws {
        try await insertAudit(templates: try auditTemplates(entries))
    }

    /// The lines stamped with this gateway's source and encoded, ready to be chained: done by the
    /// caller's task, outside the (serialized) transaction where possible.
    func auditTemplates(_ entries: [AuditEntry]) throws -> [String] {
        try entries.map { entry in
            var entry = entry
            if entry.source == nil { entry.source = auditSource }
            return try AuditChain.template(entry)
        }
    }

    /// Inside a transaction: chains pre-encoded lines after the current head and appends them.
    func insertAudit(templates: [String]) async throws {
        guard !templates.isEmpty else { return }
        let rows = try AuditChain.rows(forTemplates: templates, after: try await auditHead(on: connection))
        for chunk in rows.chunked(into: 100) {
            let placeholders = Array(repeating: "(?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            _ = try await connection.query(
                "INSERT INTO audit_log (seq, line, prev_hash, hash) VALUES \(placeholders)",
                chunk.flatMap { row -> [SQLiteData] in [.integer(row.sequence), .text(row.line), .text(row.previousHash), .text(row.hash)] })
        }
    }

    /// The last line (sequence, hash); after a purge of everything, the purge boundary.
    func auditHead(on database: SQLiteConnection) async throws -> (sequence: Int, hash: String) {
        if let row = try await database.query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", []).first {
            return (Int(row.column("seq")?.integer ?? 0), row.column("hash")?.string ?? "")
        }
        // Everything purged: the chain continues after the purge boundary.
        return try await purgeBoundary(on: database)
    }

    /// The committed chain head: what a checkpoint signs.
    public func auditHead() async throws -> (sequence: Int, hash: String) {
        try await auditHead(on: reader)
    }

    /// Lines from `sequence` on (inclusive), oldest first, for verification.
    public func auditRows(from sequence: Int, limit: Int) async throws -> [AuditChain.Row] {
        try await reader.query("SELECT seq, line, prev_hash, hash FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?",
                               [.integer(sequence), .integer(limit)]).map { row in
            AuditChain.Row(sequence: Int(row.column("seq")?.integer ?? 0), line: row.column("line")?.string ?? "",
                           previousHash: row.column("prev_hash")?.string ?? "", hash: row.column("hash")?.string ?? "")
        }
    }

    /// Migration 5: the lines of the old unchained `audit` table become the first lines of the
    /// chain, in their order; the old table is dropped in the same transaction.
    func moveLegacyAuditIntoChain() async throws {
        let legacy = try await connection.query(
            "SELECT seq, time, actor, event, action, object, outcome, detail FROM audit ORDER BY seq", []
        ).map { row in
            AuditEntry(time: row.column("time")?.string ?? "", actor: row.column("actor")?.string ?? "",
                       event: row.column("event")?.string ?? "", action: row.column("action")?.string ?? "",
                       object: row.column("object")?.string ?? "", outcome: row.column("outcome")?.string ?? "",
                       detail: row.column("detail")?.string)
        }
        try await insertAudit(legacy)
        _ = try await connection.query("DROP TABLE audit", [])
    }

    /// Runs raw SQL, for tests that prove the database itself refuses tampering (and that the
    /// chain catches what a superuser does anyway).
    public func execute(_ sql: String) async throws {
        _ = try await connection.query(sql, [])
    }
}
