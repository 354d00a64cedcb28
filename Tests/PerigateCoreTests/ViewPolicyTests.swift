import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport

/// Data minimisation per partner type, on the seven-message pregnancy (Samples/sequence).
@Suite("Views per recipient type")
struct ViewPolicyTests {
    static let policy = try! ViewPolicy.load(TestSupport.root.appendingPathComponent("Schemas/views.json").path)

    static func record() throws -> ClientRecord {
        try ClientRecord.build(from: ClientRecordTests.allFacts())
    }

    static func sections(_ record: ClientRecord) -> Set<String> {
        Set(record.allFacts.keys.map(ClientRecord.section(of:)))
    }

    @Test("every view is the same with the section names of the sources given (the stored record's shortcut) as without")
    func sectionsPresent() throws {
        let sequence = try Self.record()
        // Every valid sample as one woman's messages: several pregnancies, every kind and section.
        let samples = try ClientRecord.build(from: MappingGoldenTests.valid.map { file in
            var facts = try MappingGoldenTests.facts(file)
            facts.client.bsn = "999990147"
            return facts
        })
        for record in [sequence, samples] {
            let present = Set(record.sources.flatMap(\.sections))
            for type in Self.policy.views.keys.sorted() {
                #expect(try Self.policy.view(record, for: type, sectionsPresent: present) == Self.policy.view(record, for: type), "\(type)")
                for consent in [Set<String>(), ["medisch", "sociaal", "kwetsbaarheid"]] {
                    #expect(try Self.policy.view(record, for: type, consent: consent, sectionsPresent: present)
                            == Self.policy.view(record, for: type, consent: consent), "\(type) \(consent)")
                }
            }
        }
    }

    @Test("hospital and midwife see the whole record")
    func treatingProviders() throws {
        let full = try Self.record()
        for type in ["ziekenhuis", "verloskundigenpraktijk"] {
            #expect(try Self.policy.view(full, for: type) == full)
        }
    }

    @Test("JGZ sees the PHB referral, the child and what she consented to for the PHB — not the medical record")
    func jgz() throws {
        let view = try Self.policy.view(Self.record(), for: "jgz")
        #expect(view.allTimeline.map(\.item.type) == ["phb-referral", "jgz-handover"])
        #expect(Self.sections(view) == ["client", "client.contact", "pregnancy", "children"])
        #expect(view.signals.count == 3)
        #expect(view.allBloodPressure.isEmpty)
        #expect(view.allFacts["delivery.mode"] == nil)
        // Without the consent (e.g. withdrawn): no contact details, pregnancy or signals.
        let withoutConsent = try Self.policy.view(Self.record(), for: "jgz", consent: [])
        #expect(Self.sections(withoutConsent) == ["client", "children"])
        #expect(withoutConsent.signals.isEmpty)
        #expect(withoutConsent.conflicts.isEmpty && withoutConsent.pregnancies.allSatisfy { $0.conflicts.isEmpty })
        // With medical consent the delivery and findings open up.
        let medical = try Self.policy.view(Self.record(), for: "jgz", consent: ["medisch"])
        #expect(medical.allFacts["delivery.mode"]?.value == .string("spontaan"))
        #expect(medical.allBloodPressure.count == 1)
    }

    @Test("kraamzorg: pregnancy, delivery, children and postpartum; the PHB consent does not open signals to it")
    func kraamzorg() throws {
        let view = try Self.policy.view(Self.record(), for: "kraamzorg")
        #expect(Self.sections(view) == ["client", "client.contact", "pregnancy", "delivery", "children", "postpartum"])
        #expect(view.allTimeline.map(\.item.type) == ["kraamzorg-handover", "back-referral", "back-referral", "kraamzorg-handover", "jgz-handover"])
        #expect(view.signals.isEmpty)
        #expect(view.allBloodPressure.isEmpty)
    }

    @Test("huisarts: no PHB referral, no signals, no findings without consent")
    func huisarts() throws {
        let view = try Self.policy.view(Self.record(), for: "huisarts")
        #expect(!view.allTimeline.contains { $0.item.type == "phb-referral" })
        #expect(view.signals.isEmpty)
        #expect(view.allBloodPressure.isEmpty)
        #expect(view.allFacts["pregnancy.dueDate"]?.conflict != nil)
    }

    @Test("unknown partner types get nothing; a policy naming an unknown section is refused")
    func refusals() throws {
        let error = try #require(throws: MappingError.self) { try Self.policy.view(Self.record(), for: "zorgverzekeraar") }
        #expect(error.code == "view.unknown-type")
        let file = try TestSupport.temporaryDirectory().appendingPathComponent("views.json")
        try #"{"views": {"jgz": {"sections": ["client", "everything"]}}}"#.write(to: file, atomically: true, encoding: .utf8)
        let invalid = try #require(throws: CatalogError.self) { try ViewPolicy.load(file.path) }
        #expect(invalid.message == "view 'jgz' names unknown section 'everything'")
    }
}

extension ClientRecord {
    /// Her facts and those of every pregnancy, by path (the sequence has one pregnancy).
    var allFacts: [String: FactSlot] { pregnancies.reduce(facts) { $0.merging($1.facts) { first, _ in first } } }
    var allTimeline: [Sourced<CareEvent>] { pregnancies.flatMap(\.timeline) }
    var allBloodPressure: [Sourced<BloodPressure>] { pregnancies.flatMap(\.findings.bloodPressure) }
}
