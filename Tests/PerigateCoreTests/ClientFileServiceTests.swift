import Foundation
import Testing
import PerigateCore
import PerigateTestSupport

/// The client-file use case on its own: fail closed when the audit line cannot be written.
@Suite("Client file service")
struct ClientFileServiceTests {
    /// A store whose audit writes fail on demand (everything else is the memory store).
    actor AuditFailingStore: MessageStore {
        let inner = MemoryMessageStore()
        var failAudit = false

        func setFailAudit(_ value: Bool) { failAudit = value }

        struct Failure: Error {}

        func probeWritable() {}

        func accept(_ message: StoredMessage, audit: [AuditEntry], deliveries: [Delivery]) async throws -> AcceptOutcome {
            try await inner.accept(message, audit: audit, deliveries: deliveries)
        }
        func clientRow(bsn: String) async throws -> ClientRow? { await inner.clientRow(bsn: bsn) }
        func recordSources(bsn: String, from position: Int, facts: Bool) async throws -> RecordSourcesRead? {
            await inner.recordSources(bsn: bsn, from: position, facts: facts)
        }
        func clientIndex(bsn: String) async throws -> (version: Int, index: ClientIndex?)? { await inner.clientIndex(bsn: bsn) }
        func replaceClientRow(bsn: String, index: ClientIndex, state: RecordState, sources: [RecordSourceRow],
                              expectedVersion: Int?) async throws -> Bool {
            await inner.replaceClientRow(bsn: bsn, index: index, state: state, sources: sources, expectedVersion: expectedVersion)
        }
        func clientsWithMessages() async throws -> [(bsn: String, current: Bool)] { await inner.clientsWithMessages() }
        func message(id: String) async throws -> StoredMessage? { await inner.message(id: id) }
        func messages(bsn: String) async throws -> [StoredMessage] { await inner.messages(bsn: bsn) }
        func registerConsent(_ consent: ExchangeConsent, audit: [AuditEntry]) async throws {
            if failAudit { throw Failure() }
            await inner.registerConsent(consent, audit: audit)
        }
        func consents(bsn: String) async throws -> [ExchangeConsent] { await inner.consents(bsn: bsn) }
        func confirmCare(_ confirmation: CareConfirmation, audit: [AuditEntry]) async throws {
            if failAudit { throw Failure() }
            await inner.confirmCare(confirmation, audit: audit)
        }
        func careConfirmations(bsn: String) async throws -> [CareConfirmation] { await inner.careConfirmations(bsn: bsn) }
        func appendAudit(_ entries: [AuditEntry]) async throws {
            if failAudit { throw Failure() }
            await inner.appendAudit(entries)
        }
        func auditEntries(after: Int, limit: Int) async throws -> [AuditEntry] { await inner.auditEntries(after: after, limit: limit) }
        func auditEntries(organisation ura: String, from: String?, to: String?, limit: Int) async throws -> [AuditEntry] {
            await inner.auditEntries(organisation: ura, from: from, to: to, limit: limit)
        }
        func auditEntries(client: String, from: String?, to: String?) async throws -> [AuditEntry] {
            await inner.auditEntries(client: client, from: from, to: to)
        }
        func close() async throws {}
    }

    @Test("no audit line, no record: a failing audit write makes the read fail, allowed or refused")
    func failClosed() async throws {
        let store = AuditFailingStore()
        let validator = TestSupport.validator()
        let ingest = IngestService(validator: validator, store: store, now: { TestSupport.today })
        let caller = IngestService.Caller(partnerURA: "01234567", user: "uzi:900012345")
        let bytes = try Data(contentsOf: TestSupport.samples.appendingPathComponent("valid/verwijzing-1-hypertensie-regulier.xml"))
        guard case .accepted = try await ingest.ingest(bytes, from: caller) else { Issue.record("not accepted"); return }
        let service = ClientFileService(store: store, views: try ViewPolicy.load(TestSupport.schemas + "/views.json"),
                                        validator: validator, now: { TestSupport.today })
        let midwife = Partner(id: "m", name: "De Linde", type: "verloskundigenpraktijk", ura: "01234567", agb: nil, createdAt: "2026-11-25")
        let bsn = try #require(BSN("999990007"))
        guard case .registered = try await service.registerConsent(bsn: bsn, status: .given, date: "2026-11-20", requester: .partner(midwife, caller))
        else { Issue.record("consent not registered"); return }
        guard case .record(let record, let basis) = try await service.read(bsn: bsn, partner: midwife, caller: caller, history: false)
        else { Issue.record("not allowed"); return }
        #expect(record.record.bsn == "999990007")
        #expect(basis == "consent:registered")

        await store.setFailAudit(true)
        await #expect(throws: AuditFailingStore.Failure.self) {
            _ = try await service.read(bsn: bsn, partner: midwife, caller: caller, history: false)
        }
        let stranger = Partner(id: "s", name: "Elders", type: "ziekenhuis", ura: "88887777", agb: nil, createdAt: "2026-11-25")
        await #expect(throws: AuditFailingStore.Failure.self) {
            _ = try await service.read(bsn: bsn, partner: stranger, caller: caller, history: false)
        }
        await #expect(throws: AuditFailingStore.Failure.self) {
            _ = try await service.registerConsent(bsn: bsn, status: .withdrawn, date: "2026-11-21", requester: .partner(midwife, caller))
        }
        #expect(try await store.consents(bsn: "999990007").map(\.status) == [.given])
        let client = ClientCredential(id: "portal", bsn: "999990007", createdAt: "2026-11-25")
        await #expect(throws: AuditFailingStore.Failure.self) {
            _ = try await service.accessLog(bsn: bsn, from: nil, to: nil, requester: .client(client, accessPoint: nil, traceId: nil))
        }
    }
}
