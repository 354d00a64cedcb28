import PerigateCore
import SQLiteNIO

extension SQLiteMessageStore {
    public func registerConsent(_ consent: ExchangeConsent, audit: [AuditEntry]) async throws {
        try await transaction {
            _ = try await self.connection.query(
                "INSERT INTO consents (bsn, status, date, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?)",
                [.text(consent.bsn), .text(consent.status.rawValue), .text(consent.date), .text(consent.recordedAt),
                 .text(consent.recordedBy)])
            try await self.insertAudit(audit)
        }
    }

    public func consents(bsn: String) async throws -> [ExchangeConsent] {
        try await reader.query(
            "SELECT status, date, recorded_at, recorded_by FROM consents WHERE bsn = ? ORDER BY seq", [.text(bsn)]
        ).map { row in
            ExchangeConsent(bsn: bsn, status: ExchangeConsent.Status(rawValue: row.column("status")?.string ?? "") ?? .withdrawn,
                            date: row.column("date")?.string ?? "", recordedAt: row.column("recorded_at")?.string ?? "",
                            recordedBy: row.column("recorded_by")?.string ?? "")
        }
    }
}
