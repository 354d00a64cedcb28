import Crypto
import Foundation

/// What `perigate audit verify` found.
public struct AuditVerification: Sendable {
    /// Lines checked.
    public var lines: Int
    /// The last good line.
    public var head: (sequence: Int, hash: String)
    /// The newest checkpoint that matched.
    public var checkpoint: Int?
    /// The first problem, or `nil` when everything checks out.
    public var problem: AuditChain.Break?
}

/// A store that keeps the audit hash chain (SQLite, PostgreSQL): what verification, purge checks
/// and checkpoints need from it.
public protocol AuditChainStore: Sendable {
    /// The committed chain head (sequence, hash).
    func auditHead() async throws -> (sequence: Int, hash: String)
    /// Lines from `sequence` on (inclusive), oldest first.
    func auditRows(from sequence: Int, limit: Int) async throws -> [AuditChain.Row]
    /// Where the kept chain starts: (0, genesis), or the last purge's boundary and its hash.
    func purgeBoundary() async throws -> (sequence: Int, hash: String)
    /// Every purge, oldest first: its boundary, the time of the last removed line, and when it ran.
    func purges() async throws -> [(upTo: Int, anchorTime: String, time: String)]
    /// Stored lines (as hashed) for an export: one client's, or all, in a time window (UTC ISO 8601).
    func auditRows(client: String?, from: String?, to: String?) async throws -> [AuditChain.Row]
    /// Removes the lines written before `cutoff` (a prefix of the chain), records the boundary so
    /// the rest stays verifiable and appends `purgeLine` with the count; returns how many went.
    func purgeAudit(before cutoff: String, purgeLine: AuditEntry) async throws -> Int
}

extension AuditChainStore {
    /// Verifies the chain from line `from` (default: the first line kept) to the end, and every
    /// checkpoint signed by `publicKey` against it: a checkpoint beyond the last line means the
    /// tail was cut off; one with another hash means the log was rewritten.
    public func verifyAudit(from: Int? = nil, checkpoints: [AuditCheckpoint] = [], publicKey: Curve25519.Signing.PublicKey? = nil)
        async throws -> AuditVerification {
        let boundary = try await purgeBoundary()
        if let suspicious = try await suspiciousPurges().first {
            return AuditVerification(lines: 0, head: boundary, checkpoint: nil, problem: AuditChain.Break(
                sequence: suspicious.sequence,
                reason: "a purge at \(suspicious.time) removed lines younger than \(AuditRetention.minimumYears) years"))
        }
        let start = max(from ?? boundary.sequence + 1, boundary.sequence + 1)
        var verifier: AuditChain.Verifier
        if start == boundary.sequence + 1 {
            verifier = AuditChain.Verifier(after: boundary)
        } else {
            // Starting mid-chain: trust the line before `start` as stored.
            let previous = try await auditRows(from: start - 1, limit: 1).first
            verifier = AuditChain.Verifier(after: (start - 1, previous?.hash ?? AuditChain.genesis))
        }
        let trusted = checkpoints.filter { checkpoint in publicKey.map { checkpoint.isValid(for: $0) } ?? false }
        var expected = Dictionary(trusted.map { ($0.sequence, $0.hash) }, uniquingKeysWith: { first, _ in first })
        var result = AuditVerification(lines: 0, head: verifier.head, checkpoint: nil, problem: nil)
        // Lines up to a purge boundary are gone; a checkpoint exactly there must match its anchor.
        if let signed = expected[boundary.sequence], boundary.sequence > 0, signed != boundary.hash {
            result.problem = AuditChain.Break(sequence: boundary.sequence, reason: "the purge boundary differs from the signed checkpoint")
            return result
        }
        expected = expected.filter { $0.key > boundary.sequence }
        if let publicKey, let forged = checkpoints.first(where: { !$0.isValid(for: publicKey) }) {
            result.problem = AuditChain.Break(sequence: forged.sequence, reason: "a checkpoint for this line has no valid signature")
            return result
        }
        var next = start
        while true {
            let rows = try await auditRows(from: next, limit: 1000)
            for row in rows {
                do {
                    try verifier.check(row)
                } catch let problem as AuditChain.Break {
                    result.head = verifier.head
                    result.problem = problem
                    return result
                }
                result.lines += 1
                if let signed = expected.removeValue(forKey: row.sequence) {
                    guard signed == row.hash else {
                        result.head = verifier.head
                        result.problem = AuditChain.Break(sequence: row.sequence, reason: "differs from the signed checkpoint")
                        return result
                    }
                    result.checkpoint = row.sequence
                }
            }
            guard let last = rows.last, rows.count == 1000 else { break }
            next = last.sequence + 1
        }
        result.head = verifier.head
        if let beyond = expected.keys.filter({ $0 > verifier.head.sequence }).min() {
            result.problem = AuditChain.Break(sequence: verifier.head.sequence + 1,
                                              reason: "missing: the log ends at line \(verifier.head.sequence) but line \(beyond) was signed in a checkpoint")
        }
        return result
    }

    /// Purges that removed lines younger than the legal minimum retention when they were made
    /// (a boundary line written less than five years before the purge): a sign that someone used
    /// the purge path to delete recent lines. Oldest first: (boundary sequence, purge time).
    public func suspiciousPurges() async throws -> [(sequence: Int, time: String)] {
        try await purges().compactMap { purge in
            guard let purged = try? Date(purge.time, strategy: .iso8601) else { return nil }
            return purge.anchorTime >= AuditRetention.cutoff(now: purged, years: AuditRetention.minimumYears) ? (purge.upTo, purge.time) : nil
        }
    }

    /// Signs the committed chain head and appends the checkpoint to `file`; `nil` when the head
    /// has not moved since the last checkpoint in the file.
    @discardableResult
    public func writeAuditCheckpoint(to file: AuditCheckpointFile, key: Curve25519.Signing.PrivateKey, time: Date = Date()) async throws
        -> AuditCheckpoint? {
        let head = try await auditHead()
        guard head.sequence > 0, try file.read().last?.sequence != head.sequence else { return nil }
        let checkpoint = try AuditCheckpoint.sign(sequence: head.sequence, hash: head.hash, time: time.formatted(.iso8601), key: key)
        try file.append(checkpoint)
        return checkpoint
    }
}
