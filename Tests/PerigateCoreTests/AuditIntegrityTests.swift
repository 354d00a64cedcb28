import Crypto
import Foundation
import Testing
import PerigateCore
import PerigateDrivers

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
