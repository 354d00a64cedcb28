import Crypto
import Foundation
import Testing
import PerigateCore
import PerigateTestSupport
@testable import PerigateSQLite

/// The audit log's tamper evidence on a real SQLite file: even someone who drops the triggers
/// and edits the table directly, removes or re-signs the checkpoint file, or forges a purge, is
/// caught by `verifyAudit`, with the cause named. (The same attacks on a copy of a database served
/// by the real binary, with a witness server: `AuditAttackTests` in PerigateCLITests.)
@Suite("Audit log integrity")
struct AuditIntegrityTests {
    /// The moment the fixture's lines are verified at: line 12 was written a second before.
    static let now = try! Date("2026-11-25T10:00:13Z", strategy: .iso8601)

    struct Fixture {
        var store: SQLiteMessageStore
        var checkpoints: AuditCheckpointFile
        var key: Curve25519.Signing.PrivateKey
        var directory: URL

        var publicKey: String { AuditSigner(key).publicKey }

        func evidence(keys: [String]? = nil, witnesses: [AuditEvidence.Source] = [], now: Date = AuditIntegrityTests.now) throws -> AuditEvidence {
            AuditEvidence(trustedKeys: Set(keys ?? [publicKey]), local: .init(name: "checkpoint file", checkpoints: try checkpoints.read()),
                          witnesses: witnesses, checkpointInterval: .seconds(1), now: now)
        }

        func verify(from: Int? = nil, keys: [String]? = nil, witnesses: [AuditEvidence.Source] = [], now: Date = AuditIntegrityTests.now)
            async throws -> AuditVerification {
            try await store.verifyAudit(from: from, evidence: try evidence(keys: keys, witnesses: witnesses, now: now))
        }

        /// SQL as a superuser would run it: without the append-only triggers.
        func tamper(_ statements: [String]) async throws {
            try await store.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
            try await store.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
            for statement in statements { try await store.execute(statement) }
        }

        /// Signs the head now (as serve does) into the checkpoint file and `witnesses`.
        @discardableResult
        func checkpoint(key: Curve25519.Signing.PrivateKey? = nil, into file: AuditCheckpointFile? = nil, time: Date = AuditIntegrityTests.now,
                        witnesses: [any AuditWitness] = []) async throws -> AuditCheckpoint? {
            try await AuditCheckpointer(store: store, signer: AuditSigner(key ?? self.key), local: file ?? checkpoints, witnesses: witnesses)
                .checkpoint(time: time).written
        }
    }

    static func entry(_ index: Int) -> AuditEntry {
        AuditEntry(time: "2026-11-25T10:00:\(String(format: "%02d", index))Z", actor: "ura:01234567/uzi:900012345", event: "record.read",
                   action: "R", object: "bsn:999990044/record", outcome: "success", detail: "consent:registered")
    }

    /// Twelve lines; a signed checkpoint after line 10 (in the checkpoint file and a witness file).
    static func fixture() async throws -> Fixture {
        let directory = try TestSupport.temporaryDirectory()
        let store = try await SQLiteMessageStore.open(path: directory.appendingPathComponent("audit.sqlite").path)
        let key = try AuditSigningKey.loadOrCreate(path: directory.appendingPathComponent("keys/audit.key").path)
        let file = AuditCheckpointFile(path: directory.appendingPathComponent("audit.checkpoints").path)
        let fixture = Fixture(store: store, checkpoints: file, key: key, directory: directory)
        try await store.appendAudit((1...10).map(entry))
        #expect(try await fixture.checkpoint(witnesses: [fixture.witnessFile])?.sequence == 10)
        #expect(try await fixture.checkpoint() == nil, "no new checkpoint while the head has not moved")
        try await store.appendAudit([entry(11), entry(12)])
        return fixture
    }

    @Test("chaining puts the number where the template's first \"sequence\":0 is, by bytes, whatever text comes before it; the line reads back its number")
    func sequencePlace() throws {
        var entry = AuditEntry(time: "2026-11-25T10:00:00Z", actor: "ura:01234567/uzi:900012345", event: "record.read", action: "R",
                               object: "bsn:999990019", outcome: "success")
        entry.detail = "réden: \"sequence\":0, één — 👩‍🍼"
        let template = try AuditChain.template(entry)
        let rows = try AuditChain.rows(forTemplates: [template, template], after: (41, AuditChain.genesis))
        #expect(rows.map(\.sequence) == [42, 43])
        for row in rows {
            let decoded = try JSONDecoder().decode(AuditEntry.self, from: Data(row.line.utf8))
            #expect(decoded.sequence == row.sequence && decoded.detail == entry.detail)
            #expect(AuditChain.lineSequence(row.line) == row.sequence)
            #expect(row.line.replacingOccurrences(of: "\"sequence\":\(row.sequence)", with: "\"sequence\":0") == template)
        }
        #expect(AuditChain.sequenceKey(in: Array(#"{"sequence":01}"#.utf8)) == nil)
        #expect(AuditChain.sequenceKey(in: Array(#"{"a":1,"sequence":0}"#.utf8)) == 7..<19)
        #expect(AuditChain.lineSequence(#"{"sequence":12x}"#) == nil && AuditChain.lineSequence(#"{"sequence":12}"#) == 12)
        #expect(throws: AuditChain.Break.self) { try AuditChain.rows(forTemplates: [#"{"time":"x"}"#], after: (0, AuditChain.genesis)) }
    }

    @Test("an untouched log verifies: every line, up to the head, its checkpoint, two lines not yet witnessed")
    func intact() async throws {
        let fixture = try await Self.fixture()
        let result = try await fixture.verify()
        #expect(result.problem == nil)
        #expect(result.lines == 12)
        #expect(result.head.sequence == 12)
        #expect(result.checkpoint == 10)
        #expect(result.unprotectedTail == 2)
        #expect(result.tailSince == "2026-11-25T10:00:11Z")
        #expect(try await fixture.verify(from: 6).lines == 7)
        #expect(try await fixture.verify(witnesses: [fixture.witnessed()]).problem == nil)
        #expect(try await fixture.store.auditEntries(after: 0, limit: 20).map(\.sequence) == Array(1...12))
        // The next checkpoint names the one it extends.
        let next = try #require(try await fixture.checkpoint())
        #expect(next.sequence == 12 && next.previous?.sequence == 10 && next.isValid(for: fixture.key.publicKey))
        #expect(try await fixture.verify().unprotectedTail == 0)
        try await fixture.store.close()
    }

    @Test("each kind of tampering is reported at the first bad line", arguments: [
        ("one byte of one field", ["UPDATE audit_log SET line = replace(line, '2026-11-25T10:00:05Z', '2026-11-25T10:00:06Z') WHERE seq = 5"], 5),
        ("a deleted line", ["DELETE FROM audit_log WHERE seq = 7"], 7),
        ("an inserted line", ["UPDATE audit_log SET seq = seq + 100 WHERE seq >= 6", "UPDATE audit_log SET seq = seq - 99 WHERE seq >= 106",
                              "INSERT INTO audit_log (seq, line, prev_hash, hash) SELECT 6, line, prev_hash, hash FROM audit_log WHERE seq = 3"], 6),
        ("two swapped lines", ["UPDATE audit_log SET seq = 103 WHERE seq = 3", "UPDATE audit_log SET seq = 3 WHERE seq = 4",
                               "UPDATE audit_log SET seq = 4 WHERE seq = 103"], 3),
        ("a cut-off tail", ["DELETE FROM audit_log WHERE seq >= 9"], 9),
    ])
    func tampering(_ name: String, _ statements: [String], _ firstBad: Int) async throws {
        let fixture = try await Self.fixture()
        try await fixture.tamper(statements)
        let result = try await fixture.verify()
        #expect(result.problem?.sequence == firstBad, "\(name): \(result.problem.map(String.init(describing:)) ?? "not detected")")
        let cause: AuditChain.Cause = name == "a cut-off tail" ? .shorterThanWitnessed : .chainBroken
        #expect(result.problem?.cause == cause, "\(name)")
        try await fixture.store.close()
    }

    @Test("a rewritten chain (every hash recomputed after a change) is caught by the signed checkpoint")
    func rewrittenChain() async throws {
        let fixture = try await Self.fixture()
        var entries = try await fixture.store.auditEntries(after: 0, limit: 20)
        entries[3].outcome = "refused"
        let rows = try AuditChain.rows(for: entries, after: (0, AuditChain.genesis))
        try await fixture.tamper(["DELETE FROM audit_log"] + rows.map { row in
            "INSERT INTO audit_log (seq, line, prev_hash, hash) VALUES (\(row.sequence), '\(row.line)', '\(row.previousHash)', '\(row.hash)')"
        })
        let result = try await fixture.verify()
        #expect(result.problem?.sequence == 10)
        #expect(result.problem?.cause == .checkpointMismatch)
        #expect(result.problem?.reason.contains("differs from the checkpoint signed") == true)
        // The chain alone cannot tell: that is what the key outside the database is for.
        #expect(try await fixture.store.verifyAuditChain().problem == nil)
        try await fixture.store.close()
    }

    @Test("a checkpoint with a forged signature is reported")
    func forgedCheckpoint() async throws {
        let fixture = try await Self.fixture()
        var forged = try #require(try fixture.checkpoints.read().last)
        forged.sequence = 12
        try fixture.checkpoints.append(forged)
        let result = try await fixture.verify()
        #expect(result.problem?.sequence == 12)
        #expect(result.problem?.cause == .checkpointBadSignature)
        try await fixture.store.close()
    }

    @Test("no quiet OK: a log without a checkpoint, without a trusted key, or with an old unwitnessed tail fails")
    func noQuietOK() async throws {
        let fixture = try await Self.fixture()
        // The checkpoint file removed (and the tail cut, so no checkpoint points beyond it).
        try await fixture.tamper(["DELETE FROM audit_log WHERE seq >= 11"])
        try FileManager.default.removeItem(atPath: fixture.checkpoints.path)
        let none = try await fixture.verify()
        #expect(none.problem?.cause == .noCheckpoint, "\(String(describing: none.problem))")
        // …but a witness elsewhere still has the checkpoint.
        #expect(try await fixture.verify(witnesses: [fixture.witnessed()]).problem == nil)
        // No key to check with: nothing is trusted.
        #expect(try await fixture.verify(keys: []).problem?.cause == .noTrustedKey)
        // The checkpoint file cut back to an earlier entry: the lines after it are older than the interval.
        let restored = try await Self.fixture()
        try await restored.checkpoint()
        #expect(try await restored.verify().problem == nil)
        let lines = try restored.checkpoints.read()
        try FileManager.default.removeItem(atPath: restored.checkpoints.path)
        try restored.checkpoints.append(lines[0])
        let stale = try await restored.verify(now: Self.now.addingTimeInterval(60))
        #expect(stale.problem?.cause == .unprotectedTail, "\(String(describing: stale.problem))")
        #expect(stale.problem?.sequence == 11)
        #expect(stale.problem?.reason.hasPrefix("2 lines after the last witnessed checkpoint (line 10)") == true)
        // Within the interval the same tail is reported, not failed.
        #expect(try await restored.verify().unprotectedTail == 2)
        try await fixture.store.close()
        try await restored.store.close()
    }

    @Test("a replaced key: checkpoints re-signed with a new key fail against the pinned key and against a witness")
    func replacedKey() async throws {
        let fixture = try await Self.fixture()
        try await fixture.tamper(["DELETE FROM audit_log WHERE seq >= 11"])
        let newKey = Curve25519.Signing.PrivateKey()
        try FileManager.default.removeItem(atPath: fixture.checkpoints.path)
        try await fixture.checkpoint(key: newKey)
        let newPublic = AuditSigner(newKey).publicKey
        // The new key alone is consistent with itself…
        #expect(try await fixture.verify(keys: [newPublic]).problem == nil)
        // …but not with the pinned original, nor with what the witness holds.
        let pinned = try await fixture.verify(keys: [fixture.publicKey])
        #expect(pinned.problem?.cause == .checkpointOtherKey)
        #expect(pinned.problem?.reason.contains(AuditSigner.fingerprint(newPublic)) == true)
        #expect(try await fixture.verify(keys: [newPublic], witnesses: [fixture.witnessed()]).problem?.cause == .checkpointOtherKey)
        try await fixture.store.close()
    }

    @Test("a forged line appended after the head with a correct hash: an old unwitnessed line, or one dated in the future")
    func forgedAppendedLine() async throws {
        let fixture = try await Self.fixture()
        try await fixture.checkpoint()
        let head = try await fixture.store.auditHead()
        for (time, cause) in [("2026-11-25T10:00:12Z", AuditChain.Cause.unprotectedTail), ("2026-11-25T11:00:00Z", .chainBroken)] {
            var forged = Self.entry(12)
            forged.time = time
            forged.sequence = head.sequence + 1
            let row = try #require(try AuditChain.rows(for: [forged], after: head).first)
            try await fixture.tamper(["DELETE FROM audit_log WHERE seq > \(head.sequence)",
                                      "INSERT INTO audit_log (seq, line, prev_hash, hash) VALUES (\(row.sequence), '\(row.line)', '\(row.previousHash)', '\(row.hash)')"])
            #expect(try await fixture.store.verifyAuditChain().problem == nil, "the chain itself is consistent")
            let result = try await fixture.verify(now: Self.now.addingTimeInterval(10))
            #expect(result.problem?.cause == cause, "\(time): \(String(describing: result.problem))")
        }
        try await fixture.store.close()
    }
}

extension AuditIntegrityTests {
    @Test("the gateway never signs a log changed under it: a rewritten chain, or lines cut below its last checkpoint")
    func noSignatureOverTampering() async throws {
        let fixture = try await Self.fixture()
        let checkpointer = AuditCheckpointer(store: fixture.store, signer: AuditSigner(fixture.key), local: fixture.checkpoints, witnesses: [fixture.witnessFile])
        #expect(try await checkpointer.checkpoint(time: Self.now).written?.sequence == 12)
        var entries = try await fixture.store.auditEntries(after: 0, limit: 20)
        entries[4].outcome = "refused"
        let rows = try AuditChain.rows(for: entries, after: (0, AuditChain.genesis))
        try await fixture.tamper(["DELETE FROM audit_log"] + rows.map { row in
            "INSERT INTO audit_log (seq, line, prev_hash, hash) VALUES (\(row.sequence), '\(row.line)', '\(row.previousHash)', '\(row.hash)')"
        })
        try await fixture.store.appendAudit([Self.entry(13)])
        let round = try await checkpointer.checkpoint(time: Self.now)
        #expect(round.written == nil)
        #expect(round.tampered?.cause == .checkpointMismatch && round.tampered?.sequence == 12)
        #expect(try fixture.witnessFile.read().map(\.sequence) == [10, 12], "the witness got nothing new")
        try await fixture.tamper(["DELETE FROM audit_log WHERE seq > 8"])
        #expect(try await checkpointer.checkpoint(time: Self.now).tampered?.cause == .shorterThanWitnessed)
        try await fixture.store.close()
    }

    @Test("a witness that does not answer costs one deadline, not the round: the others get the checkpoint")
    func slowWitness() async throws {
        let fixture = try await Self.fixture()
        let checkpointer = AuditCheckpointer(store: fixture.store, signer: AuditSigner(fixture.key), local: fixture.checkpoints,
                                             witnesses: [SilentWitness(), fixture.witnessFile], witnessTimeout: .milliseconds(300))
        let round = try await checkpointer.checkpoint(time: Self.now)
        #expect(round.written?.sequence == 12)
        #expect(round.failures.map(\.witness) == ["silent"])
        #expect(try fixture.witnessFile.read().last?.sequence == 12)
        try await fixture.store.close()
    }

    @Test("verification starting after a line the log does not hold, or with configured witnesses none of which can be read, is no OK")
    func edges() async throws {
        let fixture = try await Self.fixture()
        #expect(try await fixture.verify(from: 40).problem?.cause == .chainBroken)
        let unreadable = AuditEvidence(trustedKeys: [fixture.publicKey], local: .init(name: "checkpoint file", checkpoints: try fixture.checkpoints.read()),
                                       checkpointInterval: .seconds(1), now: Self.now, localIsWitness: false)
        #expect(try await fixture.store.verifyAudit(evidence: unreadable).problem?.cause == .noCheckpoint)
        // A junk line (a torn write, another program's message) is skipped, not fatal.
        try Data("garbage from a full disk\n".utf8).append(to: fixture.checkpoints.path)
        #expect(try fixture.checkpoints.readAll().skipped == 1)
        #expect(try await fixture.verify().problem == nil)
        try await fixture.store.close()
    }
}

/// A witness that never answers.
@Suite("Lines waiting to be sealed")
struct UnsealedAuditTests {
    let now = try! Date("2026-12-03T10:00:00Z", strategy: .iso8601)

    @Test("the oldest is the earliest moment, whatever offset its time is written with; a row no round takes is reported at once")
    func rule() {
        // 09:58:30+00:00 written as 11:58:30+02:00: textually the latest, as a moment the oldest.
        let lines = UnsealedAudit(count: 3, notLines: 0, rows: [("2026-12-03T09:59:50Z", true), ("2026-12-03T11:58:30+02:00", true),
                                                                ("2026-12-03T09:59:55Z", true)])
        #expect(lines.oldest == now.addingTimeInterval(-90))
        #expect(lines.problem(now: now, checkpointInterval: .seconds(60))?.contains("3 lines were committed but are not in the chain") == true)
        #expect(lines.problem(now: now, checkpointInterval: .seconds(120)) == nil, "younger than the interval plus slack: a round is due")
        let fresh = UnsealedAudit(count: 1, notLines: 0, rows: [("2026-12-03T09:59:59Z", true)])
        #expect(fresh.problem(now: now, checkpointInterval: .seconds(60)) == nil)
        // Not a template, or a time that is no moment: never sealed, so reported without waiting.
        let unreadable = UnsealedAudit(count: 2, notLines: 0, rows: [("gisteren", true), ("2026-12-03T09:59:59Z", true)])
        #expect(unreadable.notLines == 1 && unreadable.oldest == now.addingTimeInterval(-1))
        let byHand = UnsealedAudit(count: 1, notLines: 1, rows: [("2026-12-03T09:59:59Z", false)])
        #expect(byHand.problem(now: now, checkpointInterval: .seconds(3600))?.hasPrefix("1 rows waiting in audit_pending are no audit line") == true)
        #expect(UnsealedAudit().problem(now: now, checkpointInterval: .seconds(60)) == nil)
    }
}

struct SilentWitness: AuditWitness {
    var name: String { "silent" }
    func record(_ checkpoint: AuditCheckpoint) async throws {
        try await Task.sleep(for: .seconds(3600))
    }
}

extension Data {
    func append(to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: self)
    }
}

extension AuditIntegrityTests.Fixture {
    /// A witness file on "another volume" (another directory).
    var witnessFile: AuditCheckpointFile { AuditCheckpointFile(path: directory.appendingPathComponent("elsewhere/witness.jsonl").path) }

    func witnessed() throws -> AuditEvidence.Source {
        .init(name: "witness", checkpoints: try witnessFile.read())
    }
}

/// A witness server's file as the tests need it: each checkpoint stamped (`witnessedAt`) at the
/// moment it was signed, as a witness server receiving it then would.
struct StampingWitness: AuditWitness {
    var file: AuditCheckpointFile
    var name: String { "witness server" }

    func record(_ checkpoint: AuditCheckpoint) async throws {
        var stamped = checkpoint
        stamped.witnessedAt = checkpoint.time
        try file.append(stamped)
    }
}

@Suite("Audit retention and purge")
struct AuditPurgeTests {
    static let now = try! Date("2026-11-25T12:00:00Z", strategy: .iso8601)

    @Test("retention under five years is refused; the cutoff is exactly the retention before now")
    func retention() {
        #expect(AuditRetention.problem(years: 4) != nil)
        #expect(AuditRetention.problem(years: 5) == nil)
        #expect(AuditRetention.cutoff(now: Self.now, years: 5) == "2021-11-25T12:00:00Z")
    }

    /// Lines from 2019 to now, each witnessed by a checkpoint signed the day it was written.
    static func store() async throws -> (SQLiteMessageStore, Curve25519.Signing.PrivateKey, AuditCheckpointFile, AuditCheckpointFile) {
        let directory = try TestSupport.temporaryDirectory()
        let store = try await SQLiteMessageStore.open(path: directory.appendingPathComponent("audit.sqlite").path)
        let key = try AuditSigningKey.loadOrCreate(path: directory.appendingPathComponent("keys/audit.key").path)
        let file = AuditCheckpointFile(path: directory.appendingPathComponent("audit.checkpoints").path)
        let witness = AuditCheckpointFile(path: directory.appendingPathComponent("elsewhere/witness.jsonl").path)
        let checkpointer = AuditCheckpointer(store: store, signer: AuditSigner(key), local: file, witnesses: [StampingWitness(file: witness)])
        for day in ["2019-03-01", "2020-06-01", "2021-11-24", "2021-11-26", "2024-01-01", "2026-11-25"] {
            try await store.appendAudit([AuditEntry(time: "\(day)T10:00:00Z", actor: "ura:01234567/uzi:900012345", event: "record.read",
                                                    action: "R", object: "bsn:999990044/record", outcome: "success")])
            _ = try await checkpointer.checkpoint(time: try Date("\(day)T10:00:01Z", strategy: .iso8601))
        }
        return (store, key, file, witness)
    }

    static func evidence(_ key: Curve25519.Signing.PrivateKey, _ file: AuditCheckpointFile, _ witness: AuditCheckpointFile,
                         now: Date = AuditPurgeTests.now) throws -> AuditEvidence {
        AuditEvidence(trustedKeys: [AuditSigner(key).publicKey], local: .init(name: "checkpoint file", checkpoints: try file.read()),
                      witnesses: [.init(name: "witness", checkpoints: try witness.read())], checkpointInterval: .seconds(1), now: now)
    }

    static let purgeLine = AuditEntry(time: now.formatted(.iso8601), actor: "operator:cli", event: "audit.purge", action: "D",
                                      eventType: "log-access", object: "audit-log", outcome: "success")

    @Test("a signed purge removes only lines older than the retention, logs itself, and the rest verifies against the witness")
    func purge() async throws {
        let (store, key, file, witness) = try await Self.store()
        let removed = try await store.purgeAudit(before: AuditRetention.cutoff(now: Self.now, years: 5), purgeLine: Self.purgeLine,
                                                 signer: AuditSigner(key))
        #expect(removed == 3)
        let kept = try await store.auditEntries(after: 0, limit: 100)
        #expect(kept.map(\.sequence) == [4, 5, 6, 7])
        #expect(kept.last?.event == "audit.purge")
        #expect(kept.last?.detail == "purged lines 1…3 written before 2021-11-25T12:00:00Z")
        let purge = try #require(try await store.purges().first)
        #expect(purge.isSignatureValid && purge.publicKey == AuditSigner(key).publicKey)
        _ = try await AuditCheckpointer(store: store, signer: AuditSigner(key), local: file, witnesses: [StampingWitness(file: witness)]).checkpoint(time: Self.now)
        let verified = try await store.verifyAudit(evidence: try Self.evidence(key, file, witness))
        #expect(verified.problem == nil, "\(String(describing: verified.problem))")
        // The gateway's own checkpoint file carries the times the gateway signed, no witness's stamp: it proves no age.
        let unstamped = AuditEvidence(trustedKeys: [AuditSigner(key).publicKey], local: .init(name: "checkpoint file", checkpoints: try file.read()),
                                      checkpointInterval: .seconds(1), now: Self.now)
        #expect(try await store.verifyAudit(evidence: unstamped).problem?.cause == .purgeUnproven)
        #expect(verified.lines == 4)
        #expect(verified.checkpoint == 7)
        // The database still refuses deleting kept lines.
        await #expect(throws: (any Error).self) { try await store.execute("DELETE FROM audit_log WHERE seq = 5") }
        // A second purge at the same moment finds nothing more.
        #expect(try await store.purgeAudit(before: AuditRetention.cutoff(now: Self.now, years: 5), purgeLine: Self.purgeLine, signer: AuditSigner(key)) == 0)
        try await store.close()
    }

    @Test("a forged purge record: unsigned, signed but unproven by any witnessed checkpoint, or removing young lines — each fails", arguments: [
        "unsigned", "signed-unproven", "signed-young",
    ])
    func forgedPurge(_ variant: String) async throws {
        let (store, key, file, witness) = try await Self.store()
        // Someone with the database (and, for the signed variants, the key) purges lines 1…5 through the purge table, triggers left in place.
        let anchor = try #require(try await store.auditRows(from: 5, limit: 1).first)
        let anchorTime = variant == "signed-young" ? "2024-01-01T10:00:00Z" : "2019-01-01T00:00:00Z"
        // Line 5 was written (and witnessed) on 2024-01-01; the unproven forgery claims 2019.
        var record = AuditPurge(upTo: 5, anchorHash: anchor.hash, anchorTime: anchorTime, time: "2026-11-25T13:00:00Z")
        if variant != "unsigned" { record = try record.signed(by: AuditSigner(key)) }
        try await store.execute("""
            INSERT INTO audit_purges (up_to, anchor_hash, anchor_time, time, public_key, signature)
            VALUES (5, '\(anchor.hash)', '\(record.anchorTime)', '\(record.time)', \(record.publicKey.map { "'\($0)'" } ?? "NULL"), \(record.signature.map { "'\($0)'" } ?? "NULL"))
            """)
        try await store.execute("DELETE FROM audit_log WHERE seq <= 5")
        #expect(try await store.verifyAuditChain().problem == nil, "the kept chain itself is consistent")
        let now = try Date("2026-11-25T13:00:10Z", strategy: .iso8601)
        let result = try await store.verifyAudit(evidence: try Self.evidence(key, file, witness, now: now))
        let expected: [String: AuditChain.Cause] = ["unsigned": .purgeUnsigned, "signed-unproven": .purgeUnproven, "signed-young": .purgeTooYoung]
        #expect(result.problem?.cause == expected[variant], "\(variant): \(String(describing: result.problem))")
        #expect(result.problem?.sequence == 5)
        try await store.close()
    }
}

@Suite("Audit migration")
struct AuditMigrationTests {
    @Test("lines of the old unchained audit table become the first lines of the chain, in order")
    func legacyLinesMoveIntoTheChain() async throws {
        let path = try TestSupport.temporaryDirectory().appendingPathComponent("old.sqlite").path
        let old = try await SQLiteMessageStore.open(path: path, auditSource: SQLiteMessageStore.defaultAuditSource, migratingUpTo: 4)
        try await old.execute("""
            INSERT INTO audit (time, actor, event, action, object, outcome, detail) VALUES
            ('2026-11-01T10:00:00Z', 'operator:cli', 'partner.add', 'U', 'partner:p1', 'success', NULL),
            ('2026-11-02T10:00:00Z', 'ura:01234567/uzi:900012345', 'record.read', 'R', 'bsn:999990044/record', 'refused', 'access.no-consent')
            """)
        try await old.close()
        let store = try await SQLiteMessageStore.open(path: path)
        let lines = try await store.auditEntries(after: 0, limit: 10)
        #expect(lines.map(\.event) == ["partner.add", "record.read"])
        #expect(lines.map(\.sequence) == [1, 2])
        #expect(lines.last?.client == "999990044")
        #expect(lines.last?.detail == "access.no-consent")
        #expect(try await store.verifyAuditChain().problem == nil)
        await #expect(throws: (any Error).self) { try await store.execute("SELECT * FROM audit") }
        try await store.close()
    }
}
