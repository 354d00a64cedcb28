import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport

/// One pregnancy from seven messages of every kind (Samples/sequence): referral → back-referral →
/// kraamzorg handover → delivery → JGZ handover, plus a PHB referral, with one deliberate
/// conflict (the hospital's due date differs from the midwife's).
@Suite("Client record: merging a pregnancy")
struct ClientRecordTests {
    static let sequence = TestSupport.files(in: TestSupport.samples.appendingPathComponent("sequence"), extension: "xml")

    static func allFacts() throws -> [MessageFacts] {
        try sequence.map { try MappingGoldenTests.facts($0) }
    }

    @Test("the merged record has every fact, its history and the due-date conflict")
    func merged() throws {
        let facts = try Self.allFacts()
        #expect(facts.count == 7)
        let record = try ClientRecord.build(from: facts)
        #expect(record.bsn == "999990044")
        #expect(record.pregnancies.count == 1, "one pregnancy: due dates 2026-07-15 and 2026-07-18, birth 2026-07-11")
        let pregnancy = try #require(record.pregnancies.first)
        #expect(pregnancy.identifiedBy == "dates")
        #expect(pregnancy.id.hasPrefix("zw-") && pregnancy.id.count == 15)
        #expect(pregnancy.timeline.map(\.item.type) == ["kraamzorg-handover", "phb-referral", "referral", "back-referral",
                                                       "back-referral", "kraamzorg-handover", "jgz-handover"])
        #expect(record.sources.count == 7)
        #expect(pregnancy.sources.count == 7)
        #expect(record.conflicts == [])
        #expect(pregnancy.conflicts == ["pregnancy.dueDate"])

        let dueDate = try #require(pregnancy.facts["pregnancy.dueDate"])
        #expect(dueDate.value == .string("2026-07-15"))
        #expect(dueDate.source.messageId.hasSuffix("000000000006"))
        #expect(dueDate.history?.map(\.value) == [.string("2026-07-15"), .string("2026-07-18")])
        #expect(dueDate.conflict?.map(\.value) == [.string("2026-07-18")])
        #expect(dueDate.conflict?.first?.source.sender.name == "Rijnland Gasthuis")

        let hours = try #require(pregnancy.facts["postpartum.indicatedHours"])
        #expect(hours.value == .number(56))
        #expect(hours.history?.map(\.value) == [.number(49)])
        #expect(hours.conflict == nil)

        #expect(pregnancy.facts["children[1].bsn"]?.value == .string("999990081"))
        #expect(pregnancy.facts["children[1].birthWeightGrams"]?.value == .number(3280))
        #expect(pregnancy.facts["children[1].birthWeightGrams"]?.history == nil)
        #expect(pregnancy.facts["delivery.mode"]?.value == .string("spontaan"))
        #expect(pregnancy.facts["children[1].heelPrick"]?.value == .string("uitgevoerd"))
        #expect(record.facts["client.surname"]?.value == .string("Pinas"))
        #expect(record.facts["client.email"] == nil)
        #expect(record.facts.keys.allSatisfy { $0.hasPrefix("client.") })
        #expect(pregnancy.facts.keys.allSatisfy { !$0.hasPrefix("client.") })

        #expect(record.consents.count == 1)
        #expect(record.consents.first?.item.scope == ["contactgegevens", "zwangerschap", "kwetsbaarheid"])
        #expect(record.signals.map(\.item.category.code) == ["financieel", "huisvesting", "financieel"])
        #expect(pregnancy.findings.bloodPressure.map(\.item.systolic) == [144])
        #expect(record.careTeam.coordinating?.name == "Verloskundigenpraktijk De Linde")
        #expect(Set(record.careTeam.organisations.map(\.item.name)) == [
            "Verloskundigenpraktijk De Linde", "Kraamzorg Het Nest", "JGZ Hollands Midden", "Rijnland Gasthuis"])
    }

    @Test("merging is deterministic and independent of arrival order")
    func orderIndependent() throws {
        let facts = try Self.allFacts()
        let expected = try CanonicalJSON.string(ClientRecord.build(from: facts))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<10 {
            #expect(try CanonicalJSON.string(ClientRecord.build(from: facts.shuffled(using: &generator))) == expected)
        }
        #expect(try CanonicalJSON.string(ClientRecord.build(from: facts.reversed())) == expected)
    }

    @Test("without history the superseded values go, the conflict stays")
    func withoutHistory() throws {
        let record = try ClientRecord.build(from: Self.allFacts()).withoutHistory()
        #expect(record.facts.values.allSatisfy { $0.history == nil })
        #expect(record.pregnancies.flatMap(\.facts.values).allSatisfy { $0.history == nil })
        #expect(record.pregnancies.first?.facts["pregnancy.dueDate"]?.conflict?.count == 1)
    }

    @Test("messages about different clients do not merge")
    func mixedClients() throws {
        let other = try MappingGoldenTests.facts(TestSupport.samples.appendingPathComponent("valid/verwijzing-1-hypertensie-regulier.xml"))
        let error = try #require(throws: MappingError.self) { try ClientRecord.build(from: Self.allFacts() + [other]) }
        #expect(error.code == "record.mixed-clients")
    }
}
