import PerigateCore
import SQLiteNIO

extension SQLiteMessageStore {
    public func registerConsent(_ consent: ExchangeConsent, audit: [AuditEntry]) async throws {
        try await transaction {
            try await self.insertConsent(consent)
            try await self.insertAudit(audit)
        }
    }

    /// Inside a transaction: one row of the consent ledger.
    func insertConsent(_ consent: ExchangeConsent) async throws {
        _ = try await connection.query(
            "INSERT INTO consents (bsn, status, date, recorded_at, recorded_by, message_id) VALUES (?, ?, ?, ?, ?, ?)",
            [.text(consent.bsn), .text(consent.status.rawValue), .text(consent.date), .text(consent.recordedAt),
             .text(consent.recordedBy), consent.messageId.map { .text($0) } ?? .null])
    }

    public func consents(bsn: String) async throws -> [ExchangeConsent] {
        try await reader.query(
            "SELECT status, date, recorded_at, recorded_by, message_id FROM consents WHERE bsn = ? ORDER BY seq", [.text(bsn)]
        ).map { row in
            ExchangeConsent(bsn: bsn, status: ExchangeConsent.Status(rawValue: row.column("status")?.string ?? "") ?? .withdrawn,
                            date: row.column("date")?.string ?? "", recordedAt: row.column("recorded_at")?.string ?? "",
                            recordedBy: row.column("recorded_by")?.string ?? "", messageId: row.column("message_id")?.string)
        }
    }
}
