import Foundation
import NIOCore
import PerigateCore
import PostgresNIO

extension PostgresMessageStore: MessageStore {
    /// A round trip through the pool (which reconnects by itself after the database comes back).
    public func probeWritable() async throws {
        _ = try await query("SELECT 1").collect()
    }

    public func accept(_ message: StoredMessage, audit: [AuditEntry], deliveries: [Delivery]) async throws -> AcceptOutcome {
        let compressed = try Compression.compress(message.raw)
        let report = try StorageJSON.text(message.report)
        let templates = try auditTemplates(audit)
        let facts = try message.facts.map(StorageJSON.text)
        return try await transaction { connection in
            let inserted = try await connection.query("""
                INSERT INTO messages (id, received_at, kind, version, outcome, sender_ura, bsn, raw, raw_size, report, sender_partner, facts)
                VALUES (\(message.id), \(message.receivedAt), \(message.report.kind), \(message.report.version),
                        \(message.report.outcome.rawValue), \(message.senderURA), \(message.bsn), \(ByteBuffer(bytes: compressed)),
                        \(message.raw.count), \(report), \(message.senderPartnerId), \(facts))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger: self.logger).collect().isEmpty == false
            guard inserted else {
                // Stored before (by this or another node): a duplicate when the bytes are the same.
                guard let original = try await self.load(id: message.id, on: connection) else {
                    throw StoreError(.damaged, message: "message \(message.id) conflicted but cannot be read")
                }
                let duplicate = original.raw == message.raw
                try await self.insertAudit(templates: try self.auditTemplates(AcceptOutcome.repeatedAuditLines(audit, duplicate: duplicate)), on: connection)
                return duplicate ? .duplicate(original) : .conflict(original)
            }
            if let consent = message.exchangeConsent { try await self.insertConsent(consent, on: connection) }
            try await self.updateClientRow(after: message, on: connection)
            try await self.insertDeliveries(deliveries, on: connection)
            // Last: the chain lock is held from here to the commit.
            try await self.insertAudit(templates: templates, on: connection)
            return .stored
        }
    }

    public func message(id: String) async throws -> StoredMessage? {
        try await client.withConnection { connection in try await load(id: id, on: connection) }
    }

    public func messages(bsn: String) async throws -> [StoredMessage] {
        try await Self.messages(try await query(
            "SELECT id, received_at, sender_ura, sender_partner, bsn, raw, raw_size, report, facts FROM messages WHERE bsn = \(bsn) ORDER BY seq"))
    }

    func load(id: String, on connection: PostgresConnection) async throws -> StoredMessage? {
        try await Self.messages(try await connection.query(
            "SELECT id, received_at, sender_ura, sender_partner, bsn, raw, raw_size, report, NULL::text FROM messages WHERE id = \(id)",
            logger: logger)).first
    }

    static func messages(_ rows: PostgresRowSequence) async throws -> [StoredMessage] {
        var result: [StoredMessage] = []
        for try await (id, receivedAt, senderURA, senderPartner, bsn, raw, size, report, facts)
            in rows.decode((String, String, String?, String?, String?, ByteBuffer, Int, String, String?).self) {
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
        let rows = try await query("SELECT ura, confirmed_at, confirmed_by FROM care_confirmations WHERE bsn = \(bsn) ORDER BY seq")
        for try await (ura, confirmedAt, confirmedBy) in rows.decode((String, String, String).self) {
            result.append(CareConfirmation(bsn: bsn, ura: ura, confirmedAt: confirmedAt, confirmedBy: confirmedBy))
        }
        return result
    }

    public func consents(bsn: String) async throws -> [ExchangeConsent] {
        var result: [ExchangeConsent] = []
        let rows = try await query("SELECT status, date, recorded_at, recorded_by, message_id FROM consents WHERE bsn = \(bsn) ORDER BY seq")
        for try await (status, date, recordedAt, recordedBy, messageId) in rows.decode((String, String, String, String, String?).self) {
            result.append(ExchangeConsent(bsn: bsn, status: ExchangeConsent.Status(rawValue: status) ?? .withdrawn, date: date,
                                          recordedAt: recordedAt, recordedBy: recordedBy, messageId: messageId))
        }
        return result
    }
}
