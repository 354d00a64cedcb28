import Foundation
import Testing
import PerigateCore
import PerigateDrivers
import PerigatePostgres

/// The ports beyond `MessageStore` — consent ledger, audit queries, partners, subscriptions and
/// the outbox — held to one contract on SQLite and PostgreSQL (memory has no outbox).
@Suite("Gateway store conformance")
struct GatewayStoreConformanceTests {
    enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
        case sqlite, postgres
        var description: String { rawValue }

        static var available: [Backend] { PostgresTestDatabase.serverURL == nil ? [.sqlite] : allCases }

        func makeStore() async throws -> any GatewayStore {
            switch self {
            case .sqlite: return try await SQLiteMessageStore.open(path: TestSupport.temporaryDirectory().appendingPathComponent("g.sqlite").path)
            case .postgres: return try await PostgresMessageStore.open(url: try await PostgresTestDatabase.create())
            }
        }
    }

    static func line(_ object: String, client: String? = nil, ura: String = "01234567", custodian: String? = nil,
                     time: String = "2026-11-25T10:00:00Z") -> AuditEntry {
        AuditEntry(time: time, actor: "ura:\(ura)", event: "record.read", action: "R", object: object, outcome: "success",
                   organisation: AuditOrganisation(ura: ura, agb: nil, name: nil),
                   custodians: custodian.map { [AuditOrganisation(ura: $0, agb: nil, name: nil)] },
                   objectDetail: client.map { .client($0, category: "dossier", authorizationProtocol: "test") })
    }

    @Test("consent ledger in order; audit lines by client, by organisation (actor or custodian) and by time", arguments: Backend.available)
    func ledgerAndAuditQueries(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        for (status, date) in [(ExchangeConsent.Status.given, "2026-11-01"), (.withdrawn, "2026-11-20"), (.given, "2026-11-24")] {
            try await store.registerConsent(ExchangeConsent(bsn: "999990019", status: status, date: date, recordedAt: date + "T12:00:00Z",
                                                            recordedBy: "ura:01234567/uzi:900012345", messageId: status == .withdrawn ? "m1" : nil),
                                            audit: [])
        }
        #expect(try await store.consents(bsn: "999990019").map(\.date) == ["2026-11-01", "2026-11-20", "2026-11-24"])
        #expect(try await store.consents(bsn: "999990019").map(\.messageId) == [nil, "m1", nil])
        #expect(try await store.consents(bsn: "999990020").isEmpty)
        // The client of a line is the BSN its object names (`bsn:…/…`).
        try await store.appendAudit([
            Self.line("bsn:999990019/a", client: "999990019", ura: "27654321", custodian: "01234567", time: "2026-11-20T10:00:00Z"),
            Self.line("bsn:999990020/b", client: "999990020", ura: "31112222", time: "2026-11-21T10:00:00Z"),
            Self.line("bsn:999990019/c", client: "999990019", ura: "31112222", time: "2026-11-22T10:00:00Z"),
        ])
        #expect(try await store.auditEntries(client: "999990019", from: nil, to: nil).map(\.object) == ["bsn:999990019/a", "bsn:999990019/c"])
        #expect(try await store.auditEntries(client: "999990019", from: "2026-11-21", to: nil).map(\.object) == ["bsn:999990019/c"])
        #expect(try await store.auditEntries(organisation: "01234567", from: nil, to: nil, limit: 10).map(\.object) == ["bsn:999990019/a"])
        #expect(try await store.auditEntries(organisation: "31112222", from: nil, to: "2026-11-21T23:59:59Z", limit: 10).map(\.object)
            == ["bsn:999990020/b"])
        #expect(try await store.auditEntries(organisation: "31112222", from: nil, to: nil, limit: 1).map(\.object) == ["bsn:999990020/b"])
        #expect(try await store.verifyAudit().problem == nil)
        try await store.close()
    }

    @Test("partners, certificates, credentials and operators: found by token hash, revocation hides them", arguments: Backend.available)
    func registries(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let partner = Partner(id: "p1", name: "De Linde", type: "verloskundigenpraktijk", ura: "01234567", agb: "03051234", createdAt: "2026-11-25T10:00:00Z")
        try await store.addPartner(partner, tokenHash: "hash-1", audit: Self.line("partner:p1"))
        #expect(try await store.partner(tokenHash: "hash-1") == partner)
        #expect(try await store.bindCertificate(partnerId: "p1", fingerprint: "fp", audit: Self.line("partner:p1")))
        #expect(try await store.bindCertificate(partnerId: "nobody", fingerprint: "fp2", audit: Self.line("x")) == false)
        #expect(try await store.partner(certificateFingerprint: "fp")?.id == "p1")
        #expect(try await store.revokePartner(id: "p1", audit: Self.line("partner:p1")))
        #expect(try await store.partner(tokenHash: "hash-1") == nil)
        #expect(try await store.partner(certificateFingerprint: "fp") == nil)
        #expect(try await store.partners().map(\.revoked) == [true])
        try await store.addClientCredential(ClientCredential(id: "c1", bsn: "999990019", createdAt: "2026-11-25T10:00:00Z"), tokenHash: "hash-2",
                                            audit: Self.line("credential:c1"))
        #expect(try await store.clientCredential(tokenHash: "hash-2")?.bsn == "999990019")
        try await store.addOperator(Operator(id: "o1", name: "Beheer", createdAt: "2026-11-25T10:00:00Z"), tokenHash: "hash-3", audit: Self.line("operator:o1"))
        #expect(try await store.activeOperator(tokenHash: "hash-3")?.name == "Beheer")
        #expect(try await store.activeOperator(tokenHash: "hash-2") == nil)
        // Every change wrote its audit line (the failed bind none).
        #expect(try await store.auditEntries(after: 0, limit: 20).map(\.object) == ["partner:p1", "partner:p1", "partner:p1", "credential:c1", "operator:o1"])
        try await store.close()
    }

    @Test("subscriptions and the outbox: inbox paging, status changes, claims, attempts, requeue", arguments: Backend.available)
    func outbox(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let subscription = Subscription(id: "s1", partnerId: "p2", url: "https://example.org/hook", kinds: [], format: "xml", secret: "whsec_x",
                                        createdAt: "2026-11-25T10:00:00Z")
        try await store.addSubscription(subscription, audit: Self.line("subscription:s1"))
        var changed = subscription
        changed.format = "canonical"
        try await store.updateSubscription(changed, audit: Self.line("subscription:s1"))
        #expect(try await store.subscriptions().map(\.format) == ["canonical"])
        let template = try MessageStoreConformanceTests.sample("valid/kraamzorgoverdracht-1-prenataal.xml")
        for index in 0..<3 {
            var message = template
            message.id = "outbox-\(index)"
            let inbox = Delivery(messageId: message.id, bsn: "999990044", partnerId: "p1", partnerURA: "31112222", subscriptionId: nil,
                                 reason: "addressed", nextAttemptAt: "2026-11-25T10:00:00Z", createdAt: "2026-11-25T10:00:00Z")
            let hook = Delivery(messageId: message.id, bsn: "999990044", partnerId: "p2", partnerURA: "27654321", subscriptionId: "s1",
                                reason: "subscribed", nextAttemptAt: "2026-11-25T10:00:00Z", createdAt: "2026-11-25T10:00:00Z")
            #expect(try await store.accept(message, audit: [], deliveries: [inbox, hook]) == .stored)
        }
        let page = try await store.inbox(partnerId: "p1", after: 0, limit: 2)
        #expect(page.map(\.delivery.messageId) == ["outbox-0", "outbox-1"])
        #expect(try await store.inbox(partnerId: "p1", after: page[1].cursor, limit: 2).map(\.delivery.messageId) == ["outbox-2"])
        #expect(try await store.setDeliveryStatus(id: page[0].delivery.id, partnerId: "p1", status: "acked", audit: [Self.line("ack")]))
        #expect(try await store.setDeliveryStatus(id: page[0].delivery.id, partnerId: "p2", status: "acked", audit: []) == false)
        #expect(try await store.inbox(partnerId: "p1", after: 0, limit: 10).count == 2)
        // One stream (s1, one client): only its head is claimable.
        let claimed = try await store.claimDueHeads(now: "2026-11-25T10:00:01Z", leaseUntil: "2026-11-25T10:01:00Z", node: "n", limit: 10)
        #expect(claimed.map(\.messageId) == ["outbox-0"])
        var dead = claimed[0]
        dead.status = "dead"
        dead.attempts = 1
        try await store.recordAttempt(DeliveryAttempt(deliveryId: dead.id, number: 1, time: "2026-11-25T10:00:01Z", status: 400, error: nil, milliseconds: 2),
                                      delivery: dead, subscription: nil, audit: [], events: [])
        #expect(try await store.attempts(deliveryId: dead.id).map(\.status) == [400])
        #expect(try await store.deliveries(status: "dead").map(\.id) == [dead.id])
        #expect(try await store.claimDueHeads(now: "2026-11-25T10:00:02Z", leaseUntil: "2026-11-25T10:01:00Z", node: "n", limit: 10)
            .map(\.messageId) == ["outbox-1"])
        #expect(try await store.requeue(ids: [dead.id, "nope"], at: "2026-11-25T10:05:00Z", audit: [Self.line("requeue")]) == 1)
        #expect(try await store.deliveries(messageId: "outbox-0").map(\.status) == ["acked", "pending"])
        #expect(try await store.deleteSubscription(id: "s1", partnerId: "p1", audit: Self.line("x")) == false)
        #expect(try await store.deleteSubscription(id: "s1", partnerId: "p2", audit: Self.line("subscription:s1")))
        #expect(try await store.subscriptions().isEmpty)
        try await store.close()
    }
}
