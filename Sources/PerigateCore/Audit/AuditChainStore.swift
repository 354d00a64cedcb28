import Crypto
import Foundation

/// What `perigate audit verify` found.
public struct AuditVerification: Sendable {
    /// Lines checked.
    public var lines: Int
    /// The last good line.
    public var head: (sequence: Int, hash: String)
    /// The newest witnessed checkpoint that matched.
    public var checkpoint: Int?
    /// The first problem, or `nil` when everything checks out.
    public var problem: AuditChain.Break?
    /// Lines after the last witnessed checkpoint (the "unprotected tail").
    public var unprotectedTail = 0
    /// When the first of them was written.
    public var tailSince: String?
    /// The sources the witnessed checkpoints came from.
    public var witnessedBy: [String] = []
    /// Lines committed but not sealed into the chain yet (PostgreSQL; a moment's worth normally).
    public var unsealed = 0

    public init(lines: Int, head: (sequence: Int, hash: String), checkpoint: Int?, problem: AuditChain.Break?) {
        self.lines = lines
        self.head = head
        self.checkpoint = checkpoint
        self.problem = problem
    }
}

/// What a verification trusts besides the database: the public keys checkpoints and purges must
/// be signed with, the gateway's own checkpoint file and the witnesses outside the gateway's
/// data. When witnesses are given, only their checkpoints count as witnessed (the checkpoint file
/// beside the gateway is checked too, but proves nothing on its own); without them the
/// checkpoint file is the only witness.
public struct AuditEvidence: Sendable {
    public struct Source: Sendable {
        public var name: String
        public var checkpoints: [AuditCheckpoint]

        public init(name: String, checkpoints: [AuditCheckpoint]) {
            self.name = name
            self.checkpoints = checkpoints
        }
    }

    /// Trusted public keys (raw 32 bytes, base64): pinned by the auditor, or the key file's.
    public var trustedKeys: Set<String>
    public var local: Source?
    public var witnesses: [Source]
    /// How often the gateway makes checkpoints: lines after the last witnessed one may be this old
    /// (plus ``tailSlack``) and no older.
    public var checkpointInterval: Duration
    public var now: Date
    /// Whether the gateway's own checkpoint file counts as a witness: only when no witness is
    /// configured at all (a configured witness that cannot be read back, such as syslog, makes it
    /// count for nothing — give the file its server writes with `--witness`).
    public var localIsWitness: Bool

    /// Rounding of line times to the second and the time a checkpoint takes to sign and send.
    public static let tailSlack: Duration = .seconds(2)
    /// How far in the future a line may be dated (clocks of nodes differ a little).
    public static let clockSkew: TimeInterval = 300

    public init(trustedKeys: Set<String>, local: Source?, witnesses: [Source] = [], checkpointInterval: Duration, now: Date,
                localIsWitness: Bool? = nil) {
        self.trustedKeys = trustedKeys
        self.local = local
        self.witnesses = witnesses
        self.checkpointInterval = checkpointInterval
        self.now = now
        self.localIsWitness = localIsWitness ?? witnesses.isEmpty
    }

    /// Every source with whether it counts as a witness.
    var sources: [(source: Source, witnessed: Bool)] {
        (local.map { [($0, localIsWitness)] } ?? []) + witnesses.map { ($0, true) }
    }

    /// An ISO 8601 time as a moment (`nil` when it is not one: such a time proves nothing).
    static func moment(_ text: String?) -> Date? {
        text.flatMap { try? Date($0, strategy: .iso8601) }
    }
}

/// What one checkpoint says about one line: its hash, from which source, and whether that
/// source counts as a witness.
struct AuditClaim {
    var hash: String
    var source: String
    var witnessed: Bool
    var what: String
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
    /// Every purge record, oldest first.
    func purges() async throws -> [AuditPurge]
    /// Stored lines (as hashed) for an export: one client's, or all, in a time window (UTC ISO 8601).
    func auditRows(client: String?, from: String?, to: String?) async throws -> [AuditChain.Row]
    /// Removes the lines written before `cutoff` (a prefix of the chain), records the boundary —
    /// signed by `signer` — so the rest stays verifiable and appends `purgeLine` with the count;
    /// returns how many went.
    func purgeAudit(before cutoff: String, purgeLine: AuditEntry, signer: AuditSigner) async throws -> Int
    /// Lines committed but not yet in the chain: PostgreSQL seals lines into the chain after
    /// their commit; a store that chains inside the writing transaction has none.
    func unsealedAudit() async throws -> UnsealedAudit
    /// Seals every committed line into the chain now (PostgreSQL: a sealing round); throws when
    /// that fails. A no-op where lines are chained in the transaction that writes them.
    func sealAuditNow() async throws
    /// The chain head's sequence as stored, at the cost of one read: for a frequent look (the
    /// checkpoint service's); what a checkpoint signs is ``auditHead()``.
    func auditHeadSequence() async throws -> Int
}

extension AuditChainStore {
    public func unsealedAudit() async throws -> UnsealedAudit { UnsealedAudit() }
    public func sealAuditNow() async throws {}
    public func auditHeadSequence() async throws -> Int { try await auditHead().sequence }

    /// What `/ready` says of the audit chain: `nil` when committed lines reach it — a sealing
    /// round runs now and nothing pending is stuck (``UnsealedAudit/problem(now:checkpointInterval:)``).
    public func auditSealingProblem(now: Date, checkpointInterval: Duration) async -> String? {
        do {
            try await sealAuditNow()
        } catch {
            let reason = (error as? StoreError)?.message ?? String(describing: type(of: error))
            return "audit lines are committed but cannot be sealed into the chain: \(reason)"
        }
        guard let unsealed = try? await unsealedAudit() else { return "the lines waiting to be sealed into the audit chain cannot be read" }
        return unsealed.problem(now: now, checkpointInterval: checkpointInterval)
    }
}

/// Lines committed but not yet in the chain (PostgreSQL's `audit_pending`), as `audit verify`,
/// `/ready` and `/metrics` report them.
public struct UnsealedAudit: Sendable, Equatable {
    /// Rows waiting, counted up to ``countLimit`` (a store reads no more to know).
    public var count = 0
    /// Where counting stops: `count` is "this many or more".
    public static let countLimit = 10_000
    /// Of them, rows no sealing round will take: no audit line template, or no readable time —
    /// never written by a gateway (put there by hand).
    public var notLines = 0
    /// The earliest time written in the first rows (by position) that are lines; `nil`: none.
    public var oldest: Date?

    public init() {}

    /// From the pending rows as read: all of them counted (`count`, `notLines`), the first of
    /// them with their time and whether a round takes them (`rows`). Times are parsed here, as
    /// moments, so an offset cannot make a line look newer than it is.
    public init(count: Int, notLines: Int, rows: [(time: String?, line: Bool)]) {
        self.count = count
        self.notLines = notLines
        for row in rows where row.line {
            guard let moment = AuditEvidence.moment(row.time) else {
                self.notLines += 1
                continue
            }
            oldest = min(oldest ?? moment, moment)
        }
    }

    /// The one rule for stuck sealing (`audit verify`'s `audit.unsealed`, `/ready`): a row no
    /// round will take is reported at once; lines are, once the oldest is older than the
    /// checkpoint interval plus ``AuditEvidence/tailSlack`` (every checkpoint seals first, so no
    /// healthy gateway leaves one that long). No patient data: counts and a time.
    public func problem(now: Date, checkpointInterval: Duration) -> String? {
        if notLines > 0 {
            return """
                \(notLines) rows waiting in audit_pending are no audit line a sealing round takes (no line template or no readable \
                time): not written by a gateway but put there by hand (docs/audit.md, "Sealing on PostgreSQL")
                """
        }
        guard count > 0, let oldest else { return nil }
        let allowed = now.addingTimeInterval(-Double((checkpointInterval + AuditEvidence.tailSlack).components.seconds))
        guard oldest < allowed else { return nil }
        return """
            \(count)\(count >= Self.countLimit ? " or more" : "") lines were committed but are not in the chain; the oldest was written \(oldest.formatted(.iso8601)), longer ago \
            than the checkpoint interval (\(checkpointInterval.components.seconds) s): no node has sealed them (audit_pending)
            """
    }
}

extension AuditChainStore {
    /// The hash chain alone, from the first line kept: for checks inside the gateway (after an
    /// import) and tests. It proves nothing about a cut tail or a rewritten chain — that is
    /// ``verifyAudit(from:evidence:)``.
    public func verifyAuditChain() async throws -> AuditVerification {
        let boundary = try await purgeBoundary()
        var verifier = AuditChain.Verifier(after: boundary)
        var result = AuditVerification(lines: 0, head: boundary, checkpoint: nil, problem: nil)
        do {
            try await walk(from: boundary.sequence + 1, verifier: &verifier) { _, _ in result.lines += 1 }
            result.problem = verifier.notedProblem
        } catch let problem as AuditChain.Break {
            result.problem = problem
        }
        result.head = verifier.head
        return result
    }

    /// Verifies the chain from line `from` (default: the first line kept) to the end against the
    /// evidence: every checkpoint and purge must be signed by a trusted key; a witnessed
    /// checkpoint beyond the last line means the tail was cut, one with another hash that the log
    /// was rewritten; a non-empty log needs a witnessed checkpoint, lines after the last one may
    /// be no older than the checkpoint interval, and a purge needs a witnessed checkpoint proving
    /// that what it removed was old enough.
    public func verifyAudit(from: Int? = nil, evidence: AuditEvidence) async throws -> AuditVerification {
        let boundary = try await purgeBoundary()
        var result = AuditVerification(lines: 0, head: boundary, checkpoint: nil, problem: nil)
        result.witnessedBy = evidence.sources.filter(\.witnessed).map(\.source.name)
        func failed(_ cause: AuditChain.Cause, _ sequence: Int, _ reason: String) -> AuditVerification {
            var failed = result
            failed.problem = AuditChain.Break(sequence: sequence, reason: reason, cause: cause)
            return failed
        }
        guard !evidence.trustedKeys.isEmpty else {
            return failed(.noTrustedKey, 0, "no key to check the checkpoints with: give the public key the auditors pinned (--public-key) or the key file (--key)")
        }
        let trusted = evidence.trustedKeys.map(AuditSigner.fingerprint).sorted().joined(separator: ", ")
        // Every checkpoint, from every source, is signed by a trusted key.
        for (source, _) in evidence.sources {
            for checkpoint in source.checkpoints {
                guard checkpoint.isSignatureValid else {
                    return failed(.checkpointBadSignature, checkpoint.sequence, "\(source.name): the checkpoint for this line has no valid signature")
                }
                guard evidence.trustedKeys.contains(checkpoint.publicKey) else {
                    return failed(.checkpointOtherKey, checkpoint.sequence, """
                        \(source.name): the checkpoint for this line is signed by key \(AuditSigner.fingerprint(checkpoint.publicKey)), \
                        not by the trusted key (\(trusted)): the key was replaced and checkpoints re-signed, or the wrong key is pinned
                        """)
                }
            }
        }
        let witnessed = evidence.sources.filter(\.witnessed).flatMap { entry in entry.source.checkpoints.map { (entry.source.name, $0) } }
        // Every purge is signed, and a witnessed checkpoint old enough proves what it removed was old enough.
        for purge in try await purges() {
            guard purge.isSignatureValid, let key = purge.publicKey, evidence.trustedKeys.contains(key) else {
                return failed(.purgeUnsigned, purge.upTo, "the purge record dated \(purge.time) (lines up to \(purge.upTo)) is not signed by the trusted key")
            }
            guard let purged = AuditEvidence.moment(purge.time), purged.timeIntervalSince(evidence.now) <= AuditEvidence.clockSkew else {
                return failed(.purgeUnproven, purge.upTo, "the purge record is dated \(purge.time), after now")
            }
            let cutoff = AuditRetention.cutoff(now: purged, years: AuditRetention.minimumYears)
            let cutoffMoment = AuditEvidence.moment(cutoff) ?? purged
            guard let anchored = AuditEvidence.moment(purge.anchorTime), anchored < cutoffMoment else {
                return failed(.purgeTooYoung, purge.upTo, "a purge at \(purge.time) removed lines younger than \(AuditRetention.minimumYears) years")
            }
            // Only a witness server's own stamp proves when it saw a line: the checkpoint's time is the
            // gateway's (whoever has the key can sign any time), and a file the gateway writes has no stamp.
            guard witnessed.contains(where: { $0.1.sequence >= purge.upTo && (AuditEvidence.moment($0.1.witnessedAt).map { $0 <= cutoffMoment } ?? false) }) else {
                return failed(.purgeUnproven, purge.upTo, """
                    the purge at \(purge.time) of lines up to \(purge.upTo) is not covered by a checkpoint a witness server stamped before \
                    \(cutoff): nothing outside the database proves those lines were \(AuditRetention.minimumYears) years old
                    """)
            }
        }
        // What the checkpoints say about lines: their own line, and the line of the checkpoint each extends.
        var claims: [Int: [AuditClaim]] = [:]
        for (source, isWitness) in evidence.sources {
            for checkpoint in source.checkpoints {
                claims[checkpoint.sequence, default: []].append(AuditClaim(hash: checkpoint.hash, source: source.name, witnessed: isWitness,
                                                                      what: "the checkpoint signed \(checkpoint.time)"))
                if let previous = checkpoint.previous {
                    claims[previous.sequence, default: []].append(AuditClaim(
                        hash: previous.hash, source: source.name, witnessed: false,
                        what: "the checkpoint for line \(checkpoint.sequence) (which extends this line)"))
                }
            }
        }
        if boundary.sequence > 0, let claim = claims[boundary.sequence]?.first(where: { $0.hash != boundary.hash }) {
            return failed(.checkpointMismatch, boundary.sequence, "\(claim.source): the purge boundary differs from \(claim.what)")
        }
        let start = max(from ?? boundary.sequence + 1, boundary.sequence + 1)
        var verifier: AuditChain.Verifier
        if start == boundary.sequence + 1 {
            verifier = AuditChain.Verifier(after: boundary)
        } else {
            // Starting mid-chain: trust the line before `start` as stored — it must be there.
            guard let previous = try await auditRows(from: start - 1, limit: 1).first, previous.sequence == start - 1 else {
                return failed(.chainBroken, start - 1, "missing: verification was to start after this line, which the log does not hold")
            }
            verifier = AuditChain.Verifier(after: (start - 1, previous.hash))
        }
        // Witnessed checkpoints before the start (or at or before the purge boundary) cover what they cover, unchecked.
        var lastWitnessed = witnessed.map(\.1.sequence).filter { $0 < start }.max().map { min($0, start - 1) }
        let latest = evidence.now.addingTimeInterval(AuditEvidence.clockSkew)
        var mismatch: AuditVerification?
        do {
            try await walk(from: start, verifier: &verifier) { row, time in
                result.lines += 1
                if let time, let moment = AuditEvidence.moment(time), moment > latest {
                    throw AuditChain.Break(sequence: row.sequence, reason: "dated \(time), after now (a line added afterwards?)")
                }
                for claim in claims[row.sequence] ?? [] {
                    guard claim.hash == row.hash else {
                        result.head = (row.sequence - 1, row.previousHash)
                        mismatch = failed(.checkpointMismatch, row.sequence, "\(claim.source): differs from \(claim.what) — the line was changed or the chain rewritten")
                        throw CancellationError()
                    }
                    if claim.witnessed { lastWitnessed = max(lastWitnessed ?? 0, row.sequence) }
                }
            }
        } catch let problem as AuditChain.Break {
            result.head = verifier.head
            result.problem = problem
            return result
        } catch is CancellationError where mismatch != nil {
            return mismatch!
        }
        result.head = verifier.head
        let head = verifier.head.sequence
        if let beyond = claims.keys.filter({ $0 > head }).min(), let claim = claims[beyond]?.first {
            return failed(.shorterThanWitnessed, head + 1,
                          "missing: the log ends at line \(head) but \(claim.source) holds \(claim.what) for line \(beyond)")
        }
        result.checkpoint = lastWitnessed
        let unsealed = try await unsealedAudit()
        result.unsealed = unsealed.count
        if let stuck = unsealed.problem(now: evidence.now, checkpointInterval: evidence.checkpointInterval) {
            return failed(.unsealed, head + 1, stuck)
        }
        guard head > boundary.sequence else {
            result.problem = verifier.notedProblem
            return result
        }
        guard let covered = lastWitnessed ?? (witnessed.isEmpty ? nil : boundary.sequence) else {
            return failed(.noCheckpoint, start, """
                no witnessed checkpoint covers this log (\(head - boundary.sequence) lines): the checkpoint file or witness was \
                removed or cut, or checkpoints were never made (\(result.witnessedBy.isEmpty ? "no checkpoint file" : result.witnessedBy.joined(separator: ", ")))
                """)
        }
        result.unprotectedTail = head - covered
        if result.unprotectedTail > 0 {
            let first = try await auditRows(from: covered + 1, limit: 1).first
            let time = first.flatMap { try? JSONDecoder().decode(AuditEntry.self, from: Data($0.line.utf8)).time }
            result.tailSince = time
            let allowed = evidence.now.addingTimeInterval(-Double((evidence.checkpointInterval + AuditEvidence.tailSlack).components.seconds))
            // A first unwitnessed line whose time cannot be read is as suspect as an old one.
            if AuditEvidence.moment(time).map({ $0 < allowed }) ?? true {
                return failed(.unprotectedTail, covered + 1, """
                    \(result.unprotectedTail) lines after the last witnessed checkpoint (line \(covered)) are not witnessed; the first was \
                    written \(time ?? "at an unreadable time"), longer ago than the checkpoint interval (\(evidence.checkpointInterval.components.seconds) s): lines \
                    may have been cut or added after it, or the gateway stopped without a last checkpoint
                    """)
            }
        }
        result.problem = verifier.notedProblem
        return result
    }

    /// Checks rows from `start` to the end (or through line `last`), a page at a time; `each`
    /// sees every good row and the time written in it. Verification and the checkpointer's check
    /// before signing both walk the chain through here.
    func walk(from start: Int, through last: Int = .max, verifier: inout AuditChain.Verifier,
              _ each: (AuditChain.Row, String?) async throws -> Void) async throws {
        var next = start
        while next <= last {
            let rows = try await auditRows(from: next, limit: 1000)
            for row in rows where row.sequence <= last {
                try verifier.check(row)
                try await each(row, verifier.headTime)
            }
            guard let final = rows.last, rows.count == 1000 else { return }
            next = final.sequence + 1
        }
    }
}
