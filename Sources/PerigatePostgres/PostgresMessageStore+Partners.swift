import PerigateCore
import PostgresNIO

extension PostgresMessageStore: PartnerRegistry, ClientCredentialRegistry, OperatorRegistry {
    public func addPartner(_ partner: Partner, tokenHash: String, audit: AuditEntry) async throws {
        let templates = try auditTemplates([audit])
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO partners (id, name, type, ura, agb, lvr, token_hash, created_at)
                VALUES (\(partner.id), \(partner.name), \(partner.type), \(partner.ura), \(partner.agb), \(partner.lvr), \(tokenHash), \(partner.createdAt))
                """, logger: self.logger)
            try await self.insertAudit(templates: templates, on: connection)
        }
    }

    private static let partnerColumns = "id, name, type, ura, agb, lvr, created_at, revoked"

    static func partners(_ rows: PostgresRowSequence) async throws -> [Partner] {
        var result: [Partner] = []
        for try await (id, name, type, ura, agb, lvr, createdAt, revoked) in rows.decode((String, String, String, String, String?, String?, String, Bool).self) {
            result.append(Partner(id: id, name: name, type: type, ura: ura, agb: agb, lvr: lvr, createdAt: createdAt, revoked: revoked))
        }
        return result
    }

    public func partner(tokenHash: String) async throws -> Partner? {
        try await Self.partners(try await query(
            "SELECT \(unescaped: Self.partnerColumns) FROM partners WHERE token_hash = \(tokenHash) AND NOT revoked")).first
    }

    public func partners() async throws -> [Partner] {
        try await Self.partners(try await query("SELECT \(unescaped: Self.partnerColumns) FROM partners ORDER BY created_at, id"))
    }

    public func setPartnerRevoked(id: String, revoked: Bool, audit: AuditEntry) async throws -> Bool {
        try await updatePartner(id: id, audit: audit) { connection in
            try await connection.query("UPDATE partners SET revoked = \(revoked) WHERE id = \(id) RETURNING id", logger: self.logger)
        }
    }

    public func bindCertificate(partnerId: String, fingerprint: String, audit: AuditEntry) async throws -> Bool {
        try await updatePartner(id: partnerId, audit: audit) { connection in
            try await connection.query("UPDATE partners SET cert_sha256 = \(fingerprint) WHERE id = \(partnerId) RETURNING id", logger: self.logger)
        }
    }

    /// One partner change with its audit line; `false` (nothing written) when there is no such partner.
    private func updatePartner(id: String, audit: AuditEntry, _ change: @escaping @Sendable (PostgresConnection) async throws -> PostgresRowSequence) async throws -> Bool {
        let templates = try auditTemplates([audit])
        return try await transaction { connection in
            guard try await change(connection).collect().isEmpty == false else { return false }
            try await self.insertAudit(templates: templates, on: connection)
            return true
        }
    }

    public func partner(certificateFingerprint: String) async throws -> Partner? {
        try await Self.partners(try await query(
            "SELECT \(unescaped: Self.partnerColumns) FROM partners WHERE cert_sha256 = \(certificateFingerprint) AND NOT revoked")).first
    }

    public func addClientCredential(_ credential: ClientCredential, tokenHash: String, audit: AuditEntry) async throws {
        let templates = try auditTemplates([audit])
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO client_credentials (id, bsn, token_hash, created_at)
                VALUES (\(credential.id), \(credential.bsn), \(tokenHash), \(credential.createdAt))
                """, logger: self.logger)
            try await self.insertAudit(templates: templates, on: connection)
        }
    }

    public func clientCredential(tokenHash: String) async throws -> ClientCredential? {
        for try await (id, bsn, createdAt) in try await query(
            "SELECT id, bsn, created_at FROM client_credentials WHERE token_hash = \(tokenHash) AND NOT revoked").decode((String, String, String).self) {
            return ClientCredential(id: id, bsn: bsn, createdAt: createdAt)
        }
        return nil
    }

    public func addOperator(_ operator: Operator, tokenHash: String, audit: AuditEntry) async throws {
        let templates = try auditTemplates([audit])
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO operators (id, name, token_hash, created_at, role)
                VALUES (\(`operator`.id), \(`operator`.name), \(tokenHash), \(`operator`.createdAt), \(`operator`.role.rawValue))
                """, logger: self.logger)
            try await self.insertAudit(templates: templates, on: connection)
        }
    }

    public func activeOperator(tokenHash: String) async throws -> Operator? {
        try await Self.operatorAccounts(try await query(
            "SELECT id, name, created_at, revoked, role, password_hash FROM operators WHERE token_hash = \(tokenHash) AND NOT revoked"
        )).first?.account
    }

    public func operatorAccount(id: String) async throws -> OperatorAccount? {
        try await Self.operatorAccounts(try await query(
            "SELECT id, name, created_at, revoked, role, password_hash FROM operators WHERE id = \(id)")).first
    }

    public func setOperatorPassword(id: String, passwordHash: String, audit: AuditEntry) async throws -> Bool {
        let templates = try auditTemplates([audit])
        return try await transaction { connection in
            let rows = try await connection.query("UPDATE operators SET password_hash = \(passwordHash) WHERE id = \(id) RETURNING id",
                                                  logger: self.logger).collect()
            guard !rows.isEmpty else { return false }
            try await self.insertAudit(templates: templates, on: connection)
            return true
        }
    }

    public func operatorAccounts() async throws -> [OperatorAccount] {
        try await Self.operatorAccounts(try await query("SELECT id, name, created_at, revoked, role, password_hash FROM operators ORDER BY id"))
    }

    public func revokeOperator(id: String, audit: AuditEntry) async throws -> Bool {
        let templates = try auditTemplates([audit])
        return try await transaction { connection in
            let rows = try await connection.query("UPDATE operators SET revoked = true WHERE id = \(id) AND NOT revoked RETURNING id",
                                                  logger: self.logger).collect()
            guard !rows.isEmpty else { return false }
            try await self.insertAudit(templates: templates, on: connection)
            return true
        }
    }

    static func operatorAccounts(_ rows: PostgresRowSequence) async throws -> [OperatorAccount] {
        var result: [OperatorAccount] = []
        for try await (id, name, createdAt, revoked, role, hash) in rows.decode((String, String, String, Bool, String, String?).self) {
            result.append(OperatorAccount(account: Operator(id: id, name: name, createdAt: createdAt, revoked: revoked,
                                                            role: OperatorRole(rawValue: role) ?? .operator),
                                          passwordHash: hash))
        }
        return result
    }
}
