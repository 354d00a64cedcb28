import PerigateCore
import SQLiteNIO

extension SQLiteMessageStore: OperatorRegistry {
    public func addOperator(_ operator: Operator, tokenHash: String, audit: AuditEntry) async throws {
        try await transaction {
            _ = try await self.connection.query(
                "INSERT INTO operators (id, name, token_hash, created_at, revoked, role) VALUES (?, ?, ?, ?, 0, ?)",
                [.text(`operator`.id), .text(`operator`.name), .text(tokenHash), .text(`operator`.createdAt), .text(`operator`.role.rawValue)])
            try await self.insertAudit([audit])
        }
    }

    public func activeOperator(tokenHash: String) async throws -> Operator? {
        try await reader.query("SELECT id, name, created_at, revoked, role FROM operators WHERE token_hash = ? AND revoked = 0",
                               [.text(tokenHash)]).first.map { Self.operatorRow($0).account }
    }

    public func operatorAccount(id: String) async throws -> OperatorAccount? {
        try await reader.query("SELECT id, name, created_at, revoked, role, password_hash FROM operators WHERE id = ?", [.text(id)])
            .first.map(Self.operatorRow)
    }

    public func setOperatorPassword(id: String, passwordHash: String, audit: AuditEntry) async throws -> Bool {
        try await transaction {
            let found = try await self.connection.query("UPDATE operators SET password_hash = ? WHERE id = ? RETURNING id",
                                                        [.text(passwordHash), .text(id)])
            if !found.isEmpty { try await self.insertAudit([audit]) }
            return !found.isEmpty
        }
    }

    public func operatorAccounts() async throws -> [OperatorAccount] {
        try await reader.query("SELECT id, name, created_at, revoked, role, password_hash FROM operators ORDER BY id", []).map(Self.operatorRow)
    }

    public func revokeOperator(id: String, audit: AuditEntry) async throws -> Bool {
        try await transaction {
            let found = try await self.connection.query("UPDATE operators SET revoked = 1 WHERE id = ? AND revoked = 0 RETURNING id", [.text(id)])
            if !found.isEmpty { try await self.insertAudit([audit]) }
            return !found.isEmpty
        }
    }

    static func operatorRow(_ row: SQLiteRow) -> OperatorAccount {
        OperatorAccount(
            account: Operator(id: row.column("id")?.string ?? "", name: row.column("name")?.string ?? "",
                              createdAt: row.column("created_at")?.string ?? "", revoked: (row.column("revoked")?.integer ?? 0) != 0,
                              role: OperatorRole(rawValue: row.column("role")?.string ?? "") ?? .operator),
            passwordHash: row.column("password_hash")?.string)
    }
}
