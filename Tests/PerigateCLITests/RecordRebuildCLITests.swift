import Foundation
import Testing
import PerigateCore
import PerigateSQLite
import PerigateTestSupport

/// `perigate record rebuild [--check]` on a real database file: what is stored with each message
/// equals a rebuild; a client without her row is found, named by masked reference only, and rebuilt.
@Suite("perigate record rebuild")
struct RecordRebuildCLITests {
    @Test("--check finds nothing after ingest, finds a client whose row is gone (exit 1, masked), and a rebuild repairs it; each run is audited")
    func rebuild() async throws {
        let path = try TestSupport.temporaryDirectory().appendingPathComponent("perigate.sqlite").path
        let store = try await SQLiteMessageStore.open(path: path)
        for name in ["verwijzing-2-overdracht-durante-partu.xml", "terugverwijzing-1-na-bevalling.xml", "verwijzing-1-hypertensie-regulier.xml"] {
            let url = TestSupport.samples.appendingPathComponent("valid/\(name)")
            let raw = try Data(contentsOf: url)
            let facts = try TestSupport.facts(url)
            _ = try await store.accept(StoredMessage(id: facts.provenance.messageId, receivedAt: "2026-11-25T10:00:00Z",
                                                     report: TestSupport.validator().validate(raw), senderURA: facts.provenance.sender.ura,
                                                     bsn: facts.client.bsn, raw: raw, facts: facts), audit: [])
        }
        try await store.close()

        let clean = try CLITests.run(["record", "rebuild", "--check", "--db", path])
        #expect(clean.status == 0, "\(clean.error)")
        #expect(clean.output.contains("2 clients, 0 differ"), "\(clean.output)")

        let damaged = try await SQLiteMessageStore.open(path: path)
        try await damaged.execute("DELETE FROM client_records WHERE bsn = '999990019'")
        try await damaged.close()
        let found = try CLITests.run(["record", "rebuild", "--check", "--db", path])
        #expect(found.status == 1)
        #expect(found.output.contains("bsn:******019: missing"), "\(found.output)")
        #expect(!found.output.contains("999990019") && !found.error.contains("999990019"), "no BSN in the output")

        let repaired = try CLITests.run(["record", "rebuild", "--db", path])
        #expect(repaired.status == 0, "\(repaired.error)")
        #expect(repaired.output.contains("2 clients, 1 rebuilt"), "\(repaired.output)")
        #expect(try CLITests.run(["record", "rebuild", "--check", "--db", path]).status == 0)

        let reopened = try await SQLiteMessageStore.open(path: path)
        let events = try await reopened.auditEntries(after: 0, limit: 100).map(\.event)
        #expect(events.filter { $0 == "record.rebuild-check" }.count == 3)
        #expect(events.filter { $0 == "record.rebuild" }.count == 1)
        #expect(try await reopened.clientRow(bsn: "999990019")?.state != nil)
        try await reopened.close()
    }
}
