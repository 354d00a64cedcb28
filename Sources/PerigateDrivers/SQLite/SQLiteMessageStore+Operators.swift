import PerigateCore
import SQLiteNIO

extension SQLiteMessageStore: OperatorRegistry {
    public func addOperator(_ operator: Operator, tokenHash: String, audit: AuditEntry) async throws {
        try await transaction {
            _ = try await self.connection.query("INSERT INTO operators (id, name, token_hash, created_at, revoked) VALUES (?, ?, ?, ?, 0)",
                                                [.text(`operator`.id), .text(`operator`.name), .text(tokenHash), .text(`operator`.createdAt)])
            try await self.insertAudit([audit])
        }
    }

    public func activeOperator(tokenHash: String) async throws -> Operator? {
        try await reader.query("SELECT id, name, created_at FROM operators WHERE token_hash = ? AND revoked = 0", [.text(tokenHash)]).first.map {
            Operator(id: $0.column("id")?.string ?? "", name: $0.column("name")?.string ?? "", createdAt: $0.column("created_at")?.string ?? "")
        }
    }
}
