import PerigateCore
import SQLiteNIO

extension SQLiteMessageStore: PartnerRegistry {
    public func addPartner(_ partner: Partner, tokenHash: String, audit: AuditEntry) async throws {
        try await transaction {
            _ = try await self.connection.query(
                "INSERT INTO partners (id, name, type, ura, agb, lvr, token_hash, created_at, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
                [.text(partner.id), .text(partner.name), .text(partner.type), .text(partner.ura), Self.text(partner.agb),
                 Self.text(partner.lvr), .text(tokenHash), .text(partner.createdAt)])
            try await self.insertAudit([audit])
        }
    }

    public func partner(tokenHash: String) async throws -> Partner? {
        try await reader.query(
            "SELECT id, name, type, ura, agb, lvr, created_at, revoked FROM partners WHERE token_hash = ? AND revoked = 0",
            [.text(tokenHash)]).first.map(Self.partner)
    }

    public func partners() async throws -> [Partner] {
        try await reader.query("SELECT id, name, type, ura, agb, lvr, created_at, revoked FROM partners ORDER BY created_at, id", [])
            .map(Self.partner)
    }

    public func setPartnerRevoked(id: String, revoked: Bool, audit: AuditEntry) async throws -> Bool {
        try await transaction {
            let found = try await self.connection.query("SELECT id FROM partners WHERE id = ?", [.text(id)]).isEmpty == false
            guard found else { return false }
            _ = try await self.connection.query("UPDATE partners SET revoked = ? WHERE id = ?", [.integer(revoked ? 1 : 0), .text(id)])
            try await self.insertAudit([audit])
            return true
        }
    }

    public func bindCertificate(partnerId: String, fingerprint: String, audit: AuditEntry) async throws -> Bool {
        try await transaction {
            let found = try await self.connection.query("SELECT id FROM partners WHERE id = ?", [.text(partnerId)]).isEmpty == false
            guard found else { return false }
            _ = try await self.connection.query("UPDATE partners SET cert_sha256 = ? WHERE id = ?", [.text(fingerprint), .text(partnerId)])
            try await self.insertAudit([audit])
            return true
        }
    }

    public func partner(certificateFingerprint: String) async throws -> Partner? {
        try await reader.query(
            "SELECT id, name, type, ura, agb, lvr, created_at, revoked FROM partners WHERE cert_sha256 = ? AND revoked = 0",
            [.text(certificateFingerprint)]).first.map(Self.partner)
    }

    static func partner(_ row: SQLiteRow) -> Partner {
        Partner(id: row.column("id")?.string ?? "", name: row.column("name")?.string ?? "", type: row.column("type")?.string ?? "",
                ura: row.column("ura")?.string ?? "", agb: row.column("agb")?.string, lvr: row.column("lvr")?.string,
                createdAt: row.column("created_at")?.string ?? "", revoked: row.column("revoked")?.integer == 1)
    }
}
