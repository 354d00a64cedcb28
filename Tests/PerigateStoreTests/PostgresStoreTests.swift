import Foundation
import Testing
import PerigateCore
import PerigateSQLite
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
        let verification = try await nodeB.verifyAuditChain()
        #expect(verification.problem == nil && verification.lines == 60)
        // Every accept (and every repeat's audit line) held the chain lock once, each node counted
        // its own: 60 sections, with a held time and, two nodes racing, some waiting.
        let a = nodeA.chainLockMeter.current, b = nodeB.chainLockMeter.current
        #expect(a.sections + b.sections == 60 && a.sections > 0 && b.sections > 0)
        #expect(a.held > .zero && b.held > .zero && a.held + b.held < .seconds(60))
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

    @Test("two nodes claiming from one outbox never get the same delivery; only stream heads; an expired lease frees it")
    func claims() async throws {
        let url = try await PostgresTestDatabase.create()
        let nodeA = try await PostgresMessageStore.open(url: url), nodeB = try await PostgresMessageStore.open(url: url)
        let template = try MessageStoreConformanceTests.sample("valid/kraamzorgoverdracht-1-prenataal.xml")
        // 20 clients, two deliveries each to one endpoint: 20 streams.
        for index in 0..<40 {
            var message = template
            message.id = "claim-\(index)"
            let delivery = Delivery(messageId: message.id, bsn: "client-\(index % 20)", partnerId: "p1", partnerURA: "31112222", subscriptionId: "s1",
                                    reason: "addressed", nextAttemptAt: "2026-11-25T10:00:00Z", createdAt: "2026-11-25T10:00:00Z")
            _ = try await nodeA.accept(message, audit: [], deliveries: [delivery])
        }
        let now = "2026-11-25T10:00:01Z", lease = "2026-11-25T10:01:00Z"
        async let claimedA = nodeA.claimDueHeads(now: now, leaseUntil: lease, node: "a", limit: 100)
        async let claimedB = nodeB.claimDueHeads(now: now, leaseUntil: lease, node: "b", limit: 100)
        let (a, b) = try await (claimedA, claimedB)
        #expect(Set(a.map(\.id)).isDisjoint(with: b.map(\.id)))
        #expect(a.count + b.count == 20, "one head per stream: \(a.count) + \(b.count)")
        #expect(Set((a + b).map(\.bsn)).count == 20)
        #expect(Set((a + b).map(\.messageId)) == Set((0..<20).map { "claim-\($0)" }), "the older delivery of each stream comes first")
        // Leased: nothing more to claim, the second deliveries wait behind their heads.
        #expect(try await nodeB.claimDueHeads(now: now, leaseUntil: lease, node: "b", limit: 100).isEmpty)
        // Node A records its attempts (sent): those streams move on; B's leases run out later.
        for delivery in a {
            var sent = delivery
            sent.status = "sent"
            sent.attempts = 1
            try await nodeA.recordAttempt(DeliveryAttempt(deliveryId: delivery.id, number: 1, time: now, status: 200, error: nil, milliseconds: 3),
                                          delivery: sent, subscription: nil, audit: [], events: [])
        }
        let next = try await nodeB.claimDueHeads(now: now, leaseUntil: lease, node: "b", limit: 100)
        #expect(Set(next.map(\.bsn)) == Set(a.map(\.bsn)))
        #expect(next.allSatisfy { Int($0.messageId.dropFirst(6))! >= 20 })
        // B "dies": after its lease, A takes B's heads over.
        let later = "2026-11-25T10:01:01Z"
        let takenOver = try await nodeA.claimDueHeads(now: later, leaseUntil: "2026-11-25T10:02:00Z", node: "a", limit: 100)
        #expect(Set(takenOver.map(\.id)) == Set((b + next).map(\.id)))
        try await nodeA.close()
        try await nodeB.close()
    }
}
