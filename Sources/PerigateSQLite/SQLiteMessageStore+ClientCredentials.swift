import PerigateCore
import SQLiteNIO

extension SQLiteMessageStore: ClientCredentialRegistry {
    public func addClientCredential(_ credential: ClientCredential, tokenHash: String, audit: AuditEntry) async throws {
        try await transaction {
            _ = try await self.connection.query(
                "INSERT INTO client_credentials (id, bsn, token_hash, created_at, revoked) VALUES (?, ?, ?, ?, 0)",
                [.text(credential.id), .text(credential.bsn), .text(tokenHash), .text(credential.createdAt)])
            try await self.insertAudit([audit])
        }
    }

    public func clientCredential(tokenHash: String) async throws -> ClientCredential? {
        try await reader.query("SELECT id, bsn, created_at FROM client_credentials WHERE token_hash = ? AND revoked = 0", [.text(tokenHash)])
            .first.map { row in
                ClientCredential(id: row.column("id")?.string ?? "", bsn: row.column("bsn")?.string ?? "",
                                 createdAt: row.column("created_at")?.string ?? "")
            }
    }
}
