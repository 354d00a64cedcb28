import Crypto
import Foundation
import Testing
import PerigateCore
import PerigateTestSupport
@testable import PerigateSQLite

/// The audit log's tamper evidence on a real SQLite file: even someone who drops the triggers
/// and edits the table directly is caught by `verifyAudit`, at the first bad line.
@Suite("Audit log integrity")
struct AuditIntegrityTests {
    struct Fixture {
        var store: SQLiteMessageStore
        var checkpoints: AuditCheckpointFile
        var key: Curve25519.Signing.PrivateKey

        func verify(from: Int? = nil) async throws -> AuditVerification {
            try await store.verifyAudit(from: from, checkpoints: try checkpoints.read(), publicKey: key.publicKey)
        }

        /// SQL as a superuser would run it: without the append-only triggers.
        func tamper(_ statements: [String]) async throws {
            try await store.execute("DROP TRIGGER audit_log_no_update")
            try await store.execute("DROP TRIGGER audit_log_no_delete")
            for statement in statements { try await store.execute(statement) }
        }
    }

    static func entry(_ index: Int) -> AuditEntry {
        AuditEntry(time: "2026-11-25T10:00:\(String(format: "%02d", index))Z", actor: "ura:01234567/uzi:900012345", event: "record.read",
                   action: "R", object: "bsn:999990044/record", outcome: "success", detail: "consent:registered")
    }

    /// Twelve lines; a signed checkpoint after line 10.
    static func fixture() async throws -> Fixture {
        let directory = try TestSupport.temporaryDirectory()
        let store = try await SQLiteMessageStore.open(path: directory.appendingPathComponent("audit.sqlite").path)
        let key = try AuditSigningKey.loadOrCreate(path: directory.appendingPathComponent("audit.key").path)
        let file = AuditCheckpointFile(path: directory.appendingPathComponent("audit.checkpoints").path)
        try await store.appendAudit((1...10).map(entry))
        #expect(try await store.writeAuditCheckpoint(to: file, key: key)?.sequence == 10)
        #expect(try await store.writeAuditCheckpoint(to: file, key: key) == nil)
        try await store.appendAudit([entry(11), entry(12)])
        return Fixture(store: store, checkpoints: file, key: key)
    }

    @Test("an untouched log verifies: every line, up to the head, with its checkpoint")
    func intact() async throws {
        let fixture = try await Self.fixture()
        let result = try await fixture.verify()
        #expect(result.problem == nil)
        #expect(result.lines == 12)
        #expect(result.head.sequence == 12)
        #expect(result.checkpoint == 10)
        #expect(try await fixture.verify(from: 6).lines == 7)
        #expect(try await fixture.store.auditEntries(after: 0, limit: 20).map(\.sequence) == Array(1...12))
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
        #expect(result.problem?.reason == "differs from the signed checkpoint")
        // Without the checkpoint key the rewrite would pass: that is what the key outside the database is for.
        #expect(try await fixture.store.verifyAudit().problem == nil)
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
        #expect(result.problem?.reason.contains("no valid signature") == true)
        try await fixture.store.close()
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

    @Test("a purge removes only lines older than the retention, logs itself, and the chain still verifies with its checkpoints")
    func purge() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let store = try await SQLiteMessageStore.open(path: directory.appendingPathComponent("audit.sqlite").path)
        let key = try AuditSigningKey.loadOrCreate(path: directory.appendingPathComponent("audit.key").path)
        let file = AuditCheckpointFile(path: directory.appendingPathComponent("audit.checkpoints").path)
        let years = ["2019-03-01", "2020-06-01", "2021-11-24", "2021-11-26", "2024-01-01", "2026-11-25"]
        for (index, day) in years.enumerated() {
            try await store.appendAudit([AuditEntry(time: "\(day)T10:00:00Z", actor: "ura:01234567/uzi:900012345", event: "record.read",
                                                    action: "R", object: "bsn:999990044/record", outcome: "success")])
            if index == 1 || index == 4 { try await store.writeAuditCheckpoint(to: file, key: key) }
        }
        let purgeLine = AuditEntry(time: Self.now.formatted(.iso8601), actor: "operator:cli", event: "audit.purge", action: "D",
                                   eventType: "log-access", object: "audit-log", outcome: "success")
        let removed = try await store.purgeAudit(before: AuditRetention.cutoff(now: Self.now, years: 5), purgeLine: purgeLine)
        #expect(removed == 3)
        let kept = try await store.auditEntries(after: 0, limit: 100)
        #expect(kept.map(\.sequence) == [4, 5, 6, 7])
        #expect(kept.last?.event == "audit.purge")
        #expect(kept.last?.detail == "purged lines 1…3 written before 2021-11-25T12:00:00Z")
        let verified = try await store.verifyAudit(checkpoints: try file.read(), publicKey: key.publicKey)
        #expect(verified.problem == nil)
        #expect(verified.lines == 4)
        #expect(verified.checkpoint == 5)
        // The database still refuses deleting kept lines.
        await #expect(throws: (any Error).self) { try await store.execute("DELETE FROM audit_log WHERE seq = 5") }
        // A second purge at the same moment finds nothing more.
        #expect(try await store.purgeAudit(before: AuditRetention.cutoff(now: Self.now, years: 5), purgeLine: purgeLine) == 0)
        #expect(try await store.verifyAudit().problem == nil)
        // Someone with database access abuses the purge path to delete recent lines: verify says so.
        try await store.execute("""
            INSERT INTO audit_purges (up_to, anchor_hash, anchor_time, time)
            SELECT seq, hash, json_extract(line, '$.time'), '2026-11-25T13:00:00Z' FROM audit_log WHERE seq = 5
            """)
        try await store.execute("DELETE FROM audit_log WHERE seq <= 5")
        let abused = try await store.verifyAudit()
        #expect(abused.problem?.sequence == 5)
        #expect(abused.problem?.reason.contains("younger than 5 years") == true)
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
        #expect(try await store.verifyAudit().problem == nil)
        await #expect(throws: (any Error).self) { try await store.execute("SELECT * FROM audit") }
        try await store.close()
    }
}
