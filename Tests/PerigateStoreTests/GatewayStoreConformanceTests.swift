import Foundation
import Testing
import PerigateCore
import PerigateTestSupport
import PerigateSQLite
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
        #expect(try await store.verifyAuditChain().problem == nil)
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

    @Test("console reads: message summaries by filter, counts by kind and status, rejection reasons, sessions, operator roles and passwords",
          arguments: Backend.available)
    func consoleReads(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        func message(_ id: String, at time: String, kind: String?, outcome: ValidationReport.Outcome, bsn: String?, issue: String? = nil) -> StoredMessage {
            StoredMessage(id: id, receivedAt: time, report: ValidationReport(
                outcome: outcome, kind: kind, version: kind == nil ? nil : "1.0",
                issues: issue.map { [ValidationIssue(code: $0, message: "m", path: nil)] } ?? []),
                          senderURA: "01234567", bsn: bsn, raw: Data("<x/>".utf8))
        }
        for stored in [
            message("m1", at: "2026-11-25T08:00:00Z", kind: "verwijzing", outcome: .valid, bsn: "999990019"),
            message("m2", at: "2026-11-25T09:00:00Z", kind: "verwijzing", outcome: .valid, bsn: "999990020"),
            message("rejected-1", at: "2026-11-25T09:30:00Z", kind: "verwijzing", outcome: .invalid, bsn: nil, issue: "bsn.elfproef"),
            message("rejected-2", at: "2026-11-25T09:40:00Z", kind: nil, outcome: .malformed, bsn: nil, issue: "xml.malformed"),
            message("rejected-3", at: "2026-11-25T09:50:00Z", kind: "verwijzing", outcome: .valid, bsn: nil, issue: "auth.sender-mismatch"),
        ] {
            _ = try await store.accept(stored, audit: [])
        }
        #expect(try await store.messageSummaries(matching: MessageQuery()).map(\.id) == ["rejected-3", "rejected-2", "rejected-1", "m2", "m1"])
        #expect(try await store.messageSummaries(matching: MessageQuery(outcome: "accepted")).map(\.id) == ["m2", "m1"])
        #expect(try await store.messageSummaries(matching: MessageQuery(outcome: "refused")).map(\.id) == ["rejected-3"])
        #expect(try await store.messageSummaries(matching: MessageQuery(kind: "verwijzing", from: "2026-11-25T08:30:00Z", to: "2026-11-25T09:35:00Z"))
            .map(\.id) == ["rejected-1", "m2"])
        #expect(try await store.messageSummaries(matching: MessageQuery(bsn: "999990019")).map(\.id) == ["m1"])
        #expect(try await store.messageSummaries(matching: MessageQuery(id: "m2")).first?.size == 4)
        #expect(try await store.messageSummaries(matching: MessageQuery(limit: 2)).count == 2)
        // Paging: the next page starts where the last ended.
        #expect(try await store.messageSummaries(matching: MessageQuery(limit: 2, offset: 2)).map(\.id) == ["rejected-1", "m2"])
        #expect(try await store.messageSummaries(matching: MessageQuery(limit: 2, offset: 4)).map(\.id) == ["m1"])
        // An id prefix is literal: % and _ match only themselves.
        for stored in [message("x%1", at: "2026-11-24T09:00:00Z", kind: nil, outcome: .malformed, bsn: nil),
                       message("xa1", at: "2026-11-24T09:00:01Z", kind: nil, outcome: .malformed, bsn: nil),
                       message("x_2", at: "2026-11-24T09:00:02Z", kind: nil, outcome: .malformed, bsn: nil),
                       message("x\\3", at: "2026-11-24T09:00:03Z", kind: nil, outcome: .malformed, bsn: nil)] {
            _ = try await store.accept(stored, audit: [])
        }
        #expect(try await store.messageSummaries(matching: MessageQuery(idPrefix: "x%")).map(\.id) == ["x%1"])
        #expect(try await store.messageSummaries(matching: MessageQuery(idPrefix: "x_")).map(\.id) == ["x_2"])
        #expect(try await store.messageSummaries(matching: MessageQuery(idPrefix: "x\\")).map(\.id) == ["x\\3"])
        #expect(try await store.messageSummaries(matching: MessageQuery(idPrefix: "x")).map(\.id) == ["x\\3", "x_2", "xa1", "x%1"])
        #expect(try await store.messageSummaries(matching: MessageQuery(idPrefix: "rejected-")).count == 3)
        let counts = try await store.messageCounts(since: "2026-11-25T08:30:00Z").map { "\($0.kind) \($0.version) \($0.outcome) \($0.count)" }
        #expect(counts == ["- - malformed 1", "verwijzing 1.0 accepted 1", "verwijzing 1.0 invalid 1", "verwijzing 1.0 refused 1"])
        let reasons = try await store.rejectionReports(since: "2026-11-25T00:00:00Z", limit: 10).rejectionReasons()
        #expect(reasons.map(\.code) == ["auth.sender-mismatch", "bsn.elfproef", "xml.malformed"])
        #expect(try await store.rejectionReports(since: "2026-11-25T00:00:00Z", limit: 1).count == 1)
        // The flow per UTC hour, kind and accepted or not, counted by the database.
        let flow = try await store.messageFlow(since: "2026-11-25T08:00:00Z").map { "\($0.hour) \($0.kind) \($0.accepted) \($0.count)" }
        #expect(flow == ["2026-11-25T08 verwijzing true 1", "2026-11-25T09 - false 1", "2026-11-25T09 verwijzing true 1",
                         "2026-11-25T09 verwijzing false 2"])
        #expect(try await store.messageFlow(since: "2026-11-25T09:00:01Z").map(\.count) == [1, 2])
        // A conflicting re-send's row and an unsupported version have their own status.
        // (metadata only: no bytes)
        var conflict = message(StoredMessage.conflictPrefix + "1", at: "2026-11-25T10:00:00Z", kind: "verwijzing", outcome: .valid, bsn: nil,
                               issue: "message.conflict")
        conflict.raw = Data()
        _ = try await store.accept(conflict, audit: [])
        _ = try await store.accept(message("rejected-4", at: "2026-11-25T10:01:00Z", kind: "verwijzing", outcome: .unsupported, bsn: nil), audit: [])
        #expect(try await store.messageSummaries(matching: MessageQuery(outcome: "conflict")).map(\.id) == [StoredMessage.conflictPrefix + "1"])
        #expect(try await store.messageSummaries(matching: MessageQuery(outcome: "unsupported-version")).map(\.id) == ["rejected-4"])
        #expect(try await store.messageSummaries(matching: MessageQuery(outcome: "unsupported")).isEmpty)
        #expect(try await store.message(id: "rejected-4")?.status == "unsupported-version")
        #expect(try await store.message(id: StoredMessage.conflictPrefix + "1")?.status == "conflict")
        #expect(try await store.message(id: StoredMessage.conflictPrefix + "1")?.raw.isEmpty == true)

        try await store.putSession(keyHash: "k1", value: "v1", expiresAt: "2999-01-01T00:00:00Z")
        try await store.putSession(keyHash: "k1", value: "v2", expiresAt: "2999-01-01T00:00:00Z")
        try await store.putSession(keyHash: "old", value: "v", expiresAt: "2000-01-01T00:00:00Z")
        #expect(try await store.session(keyHash: "k1", now: "2026-11-25T10:00:00Z") == "v2")
        #expect(try await store.session(keyHash: "old", now: "2026-11-25T10:00:00Z") == nil)
        try await store.removeSession(keyHash: "k1")
        #expect(try await store.session(keyHash: "k1", now: "2026-11-25T10:00:00Z") == nil)

        let admin = Operator(id: "lotte", name: "Lotte", createdAt: "2026-11-25T10:00:00Z", role: .logAdministrator)
        try await store.addOperator(admin, tokenHash: "h-lotte", audit: Self.line("operator:lotte"))
        #expect(try await store.operatorAccount(id: "lotte") == OperatorAccount(account: admin, passwordHash: nil))
        #expect(try await store.setOperatorPassword(id: "lotte", passwordHash: "$2b$04$x", audit: Self.line("operator:lotte")))
        #expect(try await store.setOperatorPassword(id: "nobody", passwordHash: "$2b$04$x", audit: Self.line("operator:nobody")) == false)
        #expect(try await store.operatorAccount(id: "lotte")?.passwordHash == "$2b$04$x")
        #expect(try await store.activeOperator(tokenHash: "h-lotte")?.role == .logAdministrator)
        let partner = Partner(id: "p9", name: "n", type: "jgz", ura: "40506070", agb: nil, createdAt: "2026-11-25T10:00:00Z")
        try await store.addPartner(partner, tokenHash: "h-p9", audit: Self.line("partner:p9"))
        #expect(try await store.setPartnerRevoked(id: "p9", revoked: true, audit: Self.line("partner:p9")))
        #expect(try await store.partner(tokenHash: "h-p9") == nil)
        #expect(try await store.setPartnerRevoked(id: "p9", revoked: false, audit: Self.line("partner:p9")))
        #expect(try await store.partner(tokenHash: "h-p9")?.id == "p9")
        try await store.close()
    }
}
