import Foundation
import PerigateCore
import PostgresNIO

extension PostgresMessageStore {
    public func appendAudit(_ entries: [AuditEntry]) async throws {
        let templates = try auditTemplates(entries)
        try await transaction { connection in try await self.insertAudit(templates: templates, on: connection) }
    }

    public func auditEntries(after: Int, limit: Int) async throws -> [AuditEntry] {
        try await Self.entries(try await query("SELECT line FROM audit_log WHERE seq > \(after) ORDER BY seq LIMIT \(limit)"))
    }

    public func auditEntries(client: String, from: String?, to: String?) async throws -> [AuditEntry] {
        try await Self.entries(try await query("""
            SELECT line FROM audit_log WHERE client = \(client) AND time >= \(from ?? "") AND time <= \(to ?? "~") ORDER BY seq
            """))
    }

    public func auditEntries(organisation ura: String, from: String?, to: String?, limit: Int) async throws -> [AuditEntry] {
        try await Self.entries(try await query("""
            SELECT line FROM audit_log
            WHERE (actor_ura = \(ura) OR (line::jsonb) -> 'custodians' @> jsonb_build_array(jsonb_build_object('ura', \(ura)::text)))
              AND time >= \(from ?? "") AND time <= \(to ?? "~")
            ORDER BY seq LIMIT \(limit)
            """))
    }

    /// The lines that are audit entries: a foreign line (`audit.foreign-line`, a row put into
    /// `audit_pending` by hand and sealed) is no access fact and is not shown as one.
    static func entries(_ rows: PostgresRowSequence) async throws -> [AuditEntry] {
        var result: [AuditEntry] = []
        for try await line in rows.decode(String.self) {
            if let entry = try? JSONDecoder().decode(AuditEntry.self, from: Data(line.utf8)) { result.append(entry) }
        }
        return result
    }

    /// The lines stamped with this gateway's source and encoded, ready to be chained (done
    /// before the transaction, which holds the chain lock).
    func auditTemplates(_ entries: [AuditEntry]) throws -> [String] {
        try entries.map { entry in
            var entry = entry
            if entry.source == nil { entry.source = auditSource }
            return try AuditChain.template(entry)
        }
    }

    /// Inside a transaction: the lines go to `audit_pending`, in order and without a lock. When
    /// the transaction has committed, ``transaction(_:)`` seals them into the chain
    /// (``sealAudit()``) before it returns, so the caller's lines are in the chain when it gets
    /// its answer.
    func insertAudit(templates: [String], on connection: PostgresConnection) async throws {
        guard !templates.isEmpty else { return }
        try await connection.query("""
            INSERT INTO audit_pending (template) SELECT t FROM unnest(\(templates)::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n
            """, logger: logger)
        Self.transactionNotes?.wroteAudit()
    }

    /// Seals every committed pending line into the chain, a round at a time; concurrent callers on
    /// this node share rounds (one round started after a caller's request covers its lines).
    func sealAudit() async throws {
        try await sealQueue.submit(()) { group in
            while try await self.sealRound() == Self.sealRoundSize {}  // a full round: there may be more
            return group.map { _ in () }
        }
    }

    /// Lines one sealing round moves at most.
    static let sealRoundSize = 5_000

    /// One round, one statement (`perigate_seal`, migrations 11 to 13): under the chain lock, the
    /// oldest pending lines (in position order, from every node) are numbered and hashed after the
    /// head, written to the chain and removed from `audit_pending`. The lock is taken inside the
    /// statement and released at its commit, so it is held for the server's work only, and the round commits without
    /// waiting for the flush: its lines are durable in `audit_pending` already, and a round lost
    /// in a crash is undone whole (its lines are back there and sealed again). What a checkpoint
    /// signs is flushed first (``auditHead()``). A pending row that is no audit line template (put
    /// in by hand) stays where it is and `audit verify` reports it (`audit.unsealed`). Returns how
    /// many lines it sealed.
    func sealRound() async throws -> Int {
        for try await (sealed, held, waited) in try await query(
            "SELECT sealed, held_us, waited_us FROM perigate_seal(\(Self.sealRoundSize))"
        ).decode((Int, Double?, Double?).self) {
            // No times: nothing was pending (another node's round sealed it) and no lock was taken.
            if let held, let waited { chainLockMeter.record(held: .microseconds(held), waited: .microseconds(waited), lines: sealed) }
            return sealed
        }
        return 0
    }

    /// How a line's client, time and acting organisation are read from its JSON, as `audit_log`'s
    /// generated columns did until migration 14: `audit_pending`'s generated columns since then
    /// (copied into `audit_log` by the round) and an import's rows of `audit_log`.
    static func indexedColumns(of column: String) -> [(name: String, expression: String)] {
        [("client", "(\(column)::jsonb) ->> 'client'"), ("time", "(\(column)::jsonb) ->> 'time'"),
         ("actor_ura", "(\(column)::jsonb) -> 'organisation' ->> 'ura'")]
    }

    /// A pending row a sealing round takes: the condition `perigate_seal` (migration 11) selects
    /// by, and every new row must meet (migration 13).
    static let sealable = #"strpos(template, '"sequence":0') > 0 AND substr(template, strpos(template, '"sequence":0') + 12, 1) IN (',', '}')"#

    /// Pending rows not sealed (for `audit verify`, `/ready`, `/metrics`): counted up to
    /// ``UnsealedAudit/countLimit`` (rows that are no line through their partial index,
    /// migration 13), the first 1,000 by position read for the oldest time (parsed in Swift,
    /// ``UnsealedAudit``). What it reads is bounded however many lines wait.
    public func unsealedAudit() async throws -> UnsealedAudit {
        var count = 0, notLines = 0, rows: [(time: String?, line: Bool)] = []
        let limit = UnsealedAudit.countLimit
        for try await (all, stuck, time, line) in try await query(PostgresQuery(unsafeSQL: """
            SELECT (SELECT count(*) FROM (SELECT 1 FROM audit_pending LIMIT \(limit)) c),
                   (SELECT count(*) FROM (SELECT 1 FROM audit_pending WHERE NOT (\(Self.sealable)) LIMIT \(limit)) s),
                   f.time, f.line
            FROM (SELECT time, \(Self.sealable) AS line FROM audit_pending ORDER BY position LIMIT 1000) f
            """)).decode((Int, Int, String?, Bool).self) {
            (count, notLines) = (all, stuck)
            rows.append((time, line))
        }
        return UnsealedAudit(count: count, notLines: notLines, rows: rows)
    }

    /// A sealing round now; its failure as the server's own words (no query, no values). A round
    /// that waited its 2 s for the chain lock in vain (55P03: another transaction holds it, e.g.
    /// a purge) is no failure here: its lines wait, and ``UnsealedAudit/problem(now:checkpointInterval:)``
    /// reports them once they are older than the checkpoint interval.
    public func sealAuditNow() async throws {
        do {
            try await sealAudit()
        } catch where Self.isLockTimeout(error) {
            return
        } catch {
            throw StoreError(.unsealed, message: Self.explain(error))
        }
    }

    /// A round that did not get the chain lock in time (SQLSTATE 55P03).
    static func isLockTimeout(_ error: any Error) -> Bool {
        sqlState(error) == "55P03"
    }

    /// The head as stored (after a purge of everything, the purge boundary), without sealing or
    /// flushing: the same read as the one a checkpoint signs, outside a transaction.
    public func auditHeadSequence() async throws -> Int {
        try await client.withConnection { connection in try await self.auditHead(on: connection).sequence }
    }

    /// The last line (sequence, hash); after a purge of everything, the purge boundary.
    func auditHead(on connection: PostgresConnection) async throws -> (sequence: Int, hash: String) {
        for try await (sequence, hash) in try await connection.query(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", logger: logger).decode((Int, String).self) {
            return (sequence, hash)
        }
        return try await purgeBoundary(on: connection)
    }

    /// Where the kept chain starts: (0, genesis), or the last purge's boundary and its hash.
    func purgeBoundary(on connection: PostgresConnection) async throws -> (sequence: Int, hash: String) {
        for try await (upTo, anchor) in try await connection.query(
            "SELECT up_to, anchor_hash FROM audit_purges ORDER BY seq DESC LIMIT 1", logger: logger).decode((Int, String).self) {
            return (upTo, anchor)
        }
        return (0, AuditChain.genesis)
    }

    /// The committed chain head: what a checkpoint signs. Lines committed before the call are
    /// sealed first, so the checkpoint covers them, and the head is on disk before it is returned:
    /// sealing rounds commit without waiting for the flush, so the head is read in a transaction
    /// that records it (`audit_head_reads`) and commits synchronously — which flushes the log past
    /// every commit it saw.
    public func auditHead() async throws -> (sequence: Int, hash: String) {
        try await sealAudit()
        let instance = auditSource.instance
        return try await transaction { connection in
            // Whatever the server's default: this commit waits for the flush.
            try await connection.query("SET LOCAL synchronous_commit = on", logger: self.logger)
            let head = try await self.auditHead(on: connection)
            try await connection.query("""
                INSERT INTO audit_head_reads (instance, sequence, hash) VALUES (\(instance), \(head.sequence), \(head.hash))
                ON CONFLICT (instance) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash
                """, logger: self.logger)
            return head
        }
    }

    /// Lines from `sequence` on (inclusive), oldest first, for verification.
    public func auditRows(from sequence: Int, limit: Int) async throws -> [AuditChain.Row] {
        var result: [AuditChain.Row] = []
        for try await (seq, line, previous, hash, client, time, organisation) in try await query(
            "SELECT seq, line, prev_hash, hash, client, time, actor_ura FROM audit_log WHERE seq >= \(sequence) ORDER BY seq LIMIT \(limit)"
        ).decode((Int, String, String, String, String?, String?, String?).self) {
            result.append(AuditChain.Row(sequence: seq, line: line, previousHash: previous, hash: hash,
                                         indexed: .init(client: client, time: time, organisation: organisation)))
        }
        return result
    }
}

extension PostgresMessageStore: AuditChainStore {
    public func purges() async throws -> [AuditPurge] {
        var result: [AuditPurge] = []
        for try await (upTo, anchorHash, anchorTime, time, publicKey, signature) in try await query(
            "SELECT up_to, anchor_hash, anchor_time, time, public_key, signature FROM audit_purges ORDER BY seq"
        ).decode((Int, String, String, String, String?, String?).self) {
            result.append(AuditPurge(upTo: upTo, anchorHash: anchorHash, anchorTime: anchorTime, time: time, publicKey: publicKey, signature: signature))
        }
        return result
    }

    public func purgeBoundary() async throws -> (sequence: Int, hash: String) {
        try await client.withConnection { connection in try await purgeBoundary(on: connection) }
    }
}

extension PostgresMessageStore {
    public func auditRows(client: String?, from: String?, to: String?) async throws -> [AuditChain.Row] {
        var result: [AuditChain.Row] = []
        for try await (seq, line, previous, hash) in try await query("""
            SELECT seq, line, prev_hash, hash FROM audit_log
            WHERE (\(client)::text IS NULL OR client = \(client)) AND time >= \(from ?? "") AND time <= \(to ?? "~") ORDER BY seq
            """).decode((Int, String, String, String).self) {
            result.append(AuditChain.Row(sequence: seq, line: line, previousHash: previous, hash: hash))
        }
        return result
    }

    /// As the SQLite store: the boundary is recorded and the lines removed in one transaction that
    /// holds the chain lock; the append-only trigger lets the DELETE through only for this
    /// transaction (`perigate.purge`).
    public func purgeAudit(before cutoff: String, purgeLine: AuditEntry, signer: AuditSigner) async throws -> Int {
        let template = { @Sendable (detail: String) in
            var line = purgeLine
            line.detail = detail
            return try self.auditTemplates([line])
        }
        return try await transaction { connection in
            try await self.takeChainLock(on: connection)
            var first: Int?
            for try await value in try await connection.query("SELECT MIN(seq) FROM audit_log WHERE time >= \(cutoff)", logger: self.logger)
                .decode(Int?.self) { first = value }
            let head = try await self.auditHead(on: connection)
            let upTo = first.map { $0 - 1 } ?? head.sequence
            let boundary = try await self.purgeBoundary(on: connection)
            guard upTo > boundary.sequence else {
                try await self.insertAudit(templates: try template("nothing to purge before \(cutoff)"), on: connection)
                return 0
            }
            // The time signed into the purge record is the line's own, not its look-up copy (which
            // someone with the owner's rights could date back, and which leaves with the line).
            var anchor: (hash: String, time: String?)?
            for try await (hash, line) in try await connection.query("SELECT hash, line FROM audit_log WHERE seq = \(upTo)", logger: self.logger)
                .decode((String, String).self) {
                struct Dated: Decodable { var time: String }
                anchor = (hash, try? JSONDecoder().decode(Dated.self, from: Data(line.utf8)).time)
            }
            guard let anchor else { throw StoreError(.auditGap, message: "audit line \(upTo) is missing: verify the log before purging") }
            guard let anchorTime = anchor.time else {
                throw StoreError(.auditGap, message: "audit line \(upTo) has no readable time: verify the log before purging")
            }
            let record = try AuditPurge(upTo: upTo, anchorHash: anchor.hash, anchorTime: anchorTime, time: purgeLine.time).signed(by: signer)
            try await connection.query("""
                INSERT INTO audit_purges (up_to, anchor_hash, anchor_time, time, public_key, signature)
                VALUES (\(upTo), \(anchor.hash), \(anchorTime), \(purgeLine.time), \(record.publicKey), \(record.signature))
                """, logger: self.logger)
            try await connection.query("SET LOCAL perigate.purge = 'on'", logger: self.logger)
            try await connection.query("DELETE FROM audit_log WHERE seq <= \(upTo)", logger: self.logger)
            try await connection.query("SET LOCAL perigate.purge = 'off'", logger: self.logger)
            try await self.insertAudit(templates: try template("purged lines \(boundary.sequence + 1)…\(upTo) written before \(cutoff)"), on: connection)
            return upTo - boundary.sequence
        }
    }
}
