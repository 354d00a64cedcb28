import Foundation
import Testing
import PerigateCore
import PerigateDrivers
import PerigatePostgres

/// PostgreSQL specifics: two stores on one database stand for two gateway nodes.
@Suite("PostgreSQL store specifics", .enabled(if: PostgresTestDatabase.serverURL != nil, "no test PostgreSQL (scripts/test.sh starts one)"))
struct PostgresStoreTests {
    @Test("two nodes accepting at once write one audit chain that verifies; each message is stored once")
    func twoNodesOneChain() async throws {
        let url = try await PostgresTestDatabase.create()
        let nodeA = try await PostgresMessageStore.open(url: url, auditSource: AuditSource(instance: "node-a", site: "test"))
        let nodeB = try await PostgresMessageStore.open(url: url, auditSource: AuditSource(instance: "node-b", site: "test"))
        let template = try MessageStoreConformanceTests.sample("valid/kraamzorgoverdracht-1-prenataal.xml")
        try await withThrowingTaskGroup(of: AcceptOutcome.self) { group in
            for index in 0..<60 {
                var message = template
                message.id = "node-test-\(index % 40)"  // 20 offered to both nodes
                let store = index.isMultiple(of: 2) ? nodeA : nodeB
                group.addTask { try await store.accept(message, audit: [MessageStoreConformanceTests.audit("message:\(message.id)")]) }
            }
            var stored = 0
            for try await outcome in group where outcome == .stored { stored += 1 }
            #expect(stored == 40)
        }
        let lines = try await nodeA.auditEntries(after: 0, limit: 1000)
        #expect(lines.map(\.sequence) == Array(1...60))
        #expect(Set(lines.compactMap(\.source?.instance)) == ["node-a", "node-b"])
        let verification = try await nodeB.verifyAudit()
        #expect(verification.problem == nil && verification.lines == 60)
        try await nodeA.close()
        try await nodeB.close()
    }

    @Test("the database refuses UPDATE and DELETE on the audit log and the consent ledger")
    func appendOnly() async throws {
        let store = try await PostgresMessageStore.open(url: try await PostgresTestDatabase.create())
        try await store.appendAudit([MessageStoreConformanceTests.audit("x")])
        try await store.registerConsent(ExchangeConsent(bsn: "999990019", status: .given, date: "2026-11-20", recordedAt: "2026-11-25T10:00:00Z",
                                                        recordedBy: "ura:01234567/uzi:900012345"), audit: [])
        for statement in ["UPDATE audit_log SET line = 'forged'", "DELETE FROM audit_log", "UPDATE consents SET status = 'withdrawn'",
                          "DELETE FROM consents"] {
            await #expect(throws: (any Error).self, "\(statement)") { try await store.execute(statement) }
        }
        #expect(try await store.auditEntries(after: 0, limit: 10).map(\.object) == ["x"])
        #expect(try await store.consents(bsn: "999990019").map(\.status) == [.given])
        try await store.close()
    }
}
