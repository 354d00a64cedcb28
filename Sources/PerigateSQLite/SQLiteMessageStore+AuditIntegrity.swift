import Foundation
import PerigateCore
import SQLiteNIO

extension SQLiteMessageStore: AuditChainStore {
    public func purges() async throws -> [AuditPurge] {
        try await reader.query("SELECT up_to, anchor_hash, anchor_time, time, public_key, signature FROM audit_purges ORDER BY seq", []).map { row in
            AuditPurge(upTo: Int(row.column("up_to")?.integer ?? 0), anchorHash: row.column("anchor_hash")?.string ?? "",
                       anchorTime: row.column("anchor_time")?.string ?? "", time: row.column("time")?.string ?? "",
                       publicKey: row.column("public_key")?.string, signature: row.column("signature")?.string)
        }
    }

    public func purgeBoundary() async throws -> (sequence: Int, hash: String) {
        try await purgeBoundary(on: reader)
    }

    /// Where the kept chain starts: (0, genesis), or the last purge's boundary and its hash. On
    /// the writer inside a transaction, on the reader otherwise.
    func purgeBoundary(on database: SQLiteConnection?) async throws -> (sequence: Int, hash: String) {
        guard let row = try await (database ?? reader).query("SELECT up_to, anchor_hash FROM audit_purges ORDER BY seq DESC LIMIT 1", []).first
        else { return (0, AuditChain.genesis) }
        return (Int(row.column("up_to")?.integer ?? 0), row.column("anchor_hash")?.string ?? AuditChain.genesis)
    }

    /// Removes the lines written before `cutoff` (UTC ISO 8601) — a prefix of the chain, since
    /// sequence and time agree — and records the boundary (its last sequence number and hash) so the
    /// rest stays verifiable; `purgeLine` (event `audit.purge`) is appended in the same transaction
    /// with the count in its detail; the record is signed by `signer`. Returns the number of lines removed.
    public func purgeAudit(before cutoff: String, purgeLine: AuditEntry, signer: AuditSigner) async throws -> Int {
        try await transaction {
            let first = try await self.connection.query("SELECT MIN(seq) AS s FROM audit_log WHERE time >= ?", [.text(cutoff)])
                .first?.column("s")?.integer
            let head = try await self.auditHead(on: self.connection)
            let upTo = first.map { Int($0) - 1 } ?? head.sequence
            let boundary = try await self.purgeBoundary(on: self.connection)
            guard upTo > boundary.sequence else {
                var line = purgeLine
                line.detail = "nothing to purge before \(cutoff)"
                try await self.insertAudit([line])
                return 0
            }
            let anchorRow = try await self.connection.query("SELECT hash, time FROM audit_log WHERE seq = ?", [.integer(upTo)]).first
            guard let anchor = anchorRow?.column("hash")?.string, let anchorTime = anchorRow?.column("time")?.string else {
                throw StoreError(.auditGap, message: "audit line \(upTo) is missing: verify the log before purging")
            }
            let record = try AuditPurge(upTo: upTo, anchorHash: anchor, anchorTime: anchorTime, time: purgeLine.time).signed(by: signer)
            _ = try await self.connection.query(
                "INSERT INTO audit_purges (up_to, anchor_hash, anchor_time, time, public_key, signature) VALUES (?, ?, ?, ?, ?, ?)",
                [.integer(upTo), .text(anchor), .text(anchorTime), .text(purgeLine.time), .text(record.publicKey ?? ""), .text(record.signature ?? "")])
            _ = try await self.connection.query("DELETE FROM audit_log WHERE seq <= ?", [.integer(upTo)])
            var line = purgeLine
            line.detail = "purged lines \(boundary.sequence + 1)…\(upTo) written before \(cutoff)"
            try await self.insertAudit([line])
            return upTo - boundary.sequence
        }
    }
}
