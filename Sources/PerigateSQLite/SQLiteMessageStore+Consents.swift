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

    public func confirmCare(_ confirmation: CareConfirmation, audit: [AuditEntry]) async throws {
        try await transaction {
            _ = try await self.connection.query(
                "INSERT INTO care_confirmations (bsn, ura, confirmed_at, confirmed_by) VALUES (?, ?, ?, ?)",
                [.text(confirmation.bsn), .text(confirmation.ura), .text(confirmation.confirmedAt), .text(confirmation.confirmedBy)])
            try await self.insertAudit(audit)
        }
    }

    public func careConfirmations(bsn: String) async throws -> [CareConfirmation] {
        try await reader.query("SELECT ura, confirmed_at, confirmed_by FROM care_confirmations WHERE bsn = ? ORDER BY seq", [.text(bsn)]).map {
            CareConfirmation(bsn: bsn, ura: $0.column("ura")?.string ?? "", confirmedAt: $0.column("confirmed_at")?.string ?? "",
                             confirmedBy: $0.column("confirmed_by")?.string ?? "")
        }
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
