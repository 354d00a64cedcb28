import Foundation
import Testing
import PerigateCore
import PerigateTestSupport
import PerigateSQLite
import PerigateXML

/// The ingest use case against real stores (memory and a SQLite file).
@Suite("Ingest")
struct IngestServiceTests {
    static let midwife = IngestService.Caller(partnerURA: "01234567", user: "uzi:900012345")
    static let sample = TestSupport.samples.appendingPathComponent("valid/verwijzing-1-hypertensie-regulier.xml")

    static func service(_ backend: MessageStoreConformanceTests.Backend, maximumBytes: Int = SafeXMLParser.defaultMaximumBytes) async throws -> IngestService {
        IngestService(validator: TestSupport.validator(maximumBytes: maximumBytes), store: try await backend.makeStore(),
                      now: { TestSupport.today })
    }

    @Test("an accepted message gets a receipt, is stored byte for byte and audited", arguments: MessageStoreConformanceTests.Backend.allCases)
    func accepted(_ backend: MessageStoreConformanceTests.Backend) async throws {
        let service = try await Self.service(backend)
        let bytes = try Data(contentsOf: Self.sample)
        guard case .accepted(let receipt) = try await service.ingest(bytes, from: Self.midwife) else {
            Issue.record("not accepted"); try await service.store.close(); return
        }
        #expect(receipt.messageId == "4f6c2a1e-8b3d-4c1a-9e2f-1a2b3c4d5e01")
        #expect(receipt.kind == "verwijzing")
        #expect(receipt.version == "1.0")
        #expect(receipt.clientReference == "bsn:******007")
        #expect(receipt.receivedAt == "2026-11-25T12:00:00Z")
        let stored = try #require(try await service.store.message(id: receipt.messageId))
        #expect(stored.raw == bytes)
        #expect(stored.senderURA == "01234567")
        #expect(try await service.store.messages(bsn: "999990007").count == 1)
        let audit = try await service.store.auditEntries(after: 0, limit: 10)
        #expect(audit.map(\.outcome) == ["success"])
        #expect(audit.first?.actor == "ura:01234567/uzi:900012345")
        #expect(audit.first?.object == "bsn:999990007/message:\(receipt.messageId)")
        // Re-sending the same bytes returns the original receipt; other bytes with the same id conflict.
        #expect(try await service.ingest(bytes, from: Self.midwife) == .duplicate(receipt))
        let altered = Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "Graag beoordeling", with: "Graag snel beoordeling").utf8)
        #expect(try await service.ingest(altered, from: Self.midwife) == .conflict(messageId: receipt.messageId, kind: "verwijzing", version: "1.0"))
        #expect(try await service.store.message(id: receipt.messageId)?.raw == bytes)
        // The conflict's row is a rejection (no BSN): her messages are still the one.
        #expect(try await service.store.messages(bsn: "999990007").count == 1)
        try await service.store.close()
    }

    @Test("malformed, too large, invalid and foreign-sender messages are refused, kept as rejections and audited",
          arguments: MessageStoreConformanceTests.Backend.allCases)
    func rejected(_ backend: MessageStoreConformanceTests.Backend) async throws {
        let service = try await Self.service(backend, maximumBytes: 20_000)
        let valid = try Data(contentsOf: Self.sample)
        let cases: [(Data, IngestService.Caller, IngestOutcome.RejectionReason)] = [
            (Data("<verwijzing><open>".utf8), Self.midwife, .malformed),
            (Data(repeating: 32, count: 30_000), Self.midwife, .tooLarge),
            (try Data(contentsOf: TestSupport.samples.appendingPathComponent("invalid/verwijzing-bsn-elfproef.xml")), Self.midwife, .invalid),
            (try Data(contentsOf: TestSupport.samples.appendingPathComponent("invalid/unknown-kind.xml")), Self.midwife, .unsupported),
            (valid, IngestService.Caller(partnerURA: "27654321", user: "uzi:900067890"), .senderMismatch),
        ]
        for (bytes, caller, expected) in cases {
            guard case .rejected(let reason, let report, let rejectionId) = try await service.ingest(bytes, from: caller) else {
                Issue.record("not rejected: \(expected)"); continue
            }
            #expect(reason == expected)
            #expect(!report.issues.isEmpty)
            #expect(try await service.store.message(id: rejectionId)?.report == report)
        }
        #expect(try await service.store.message(id: "4f6c2a1e-8b3d-4c1a-9e2f-1a2b3c4d5e01") == nil)
        #expect(try await service.store.messages(bsn: "999990007").isEmpty)
        #expect(try await service.store.auditEntries(after: 0, limit: 10).map(\.outcome) == Array(repeating: "refused", count: 5))
        try await service.store.close()
    }

    @Test("sender policy: the afzender must be the authenticated partner")
    func senderPolicy() {
        #expect(SenderPolicy.refusal(authenticatedURA: "01234567", claimed: OrganisationRef(ura: "1234567")) == nil)
        #expect(SenderPolicy.refusal(authenticatedURA: "01234567", claimed: OrganisationRef(ura: "27654321")) != nil)
        #expect(SenderPolicy.refusal(authenticatedURA: "01234567", claimed: OrganisationRef(agb: "03051234")) != nil)
    }
}
