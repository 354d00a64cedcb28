import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport

/// Her pregnancies as episodes (``PregnancyPlacement``): facts merge, and conflict, only within
/// one pregnancy; twins are one pregnancy; a message with pregnancy data but nothing to place it
/// by is visible as `unplaced`.
@Suite("Client record: pregnancies as episodes")
struct PregnancyTests {
    static func sample(_ name: String) throws -> MessageFacts {
        try MappingGoldenTests.facts(TestSupport.samples.appendingPathComponent("valid/\(name)"))
    }

    /// The message again under another id, made at `time`, with another due date (`nil`: none).
    static func copy(_ facts: MessageFacts, id: String, time: String, dueDate: String?) -> MessageFacts {
        var copy = facts
        copy.provenance.messageId = id
        copy.provenance.time = time
        copy.pregnancy?.dueDate = dueDate
        return copy
    }

    @Test("the 2012 HL7v3 acute handover and the 2019 kernset of BSN 100202020 are two pregnancies, with no conflict between them",
          .enabled(if: TestSupport.corpusPresent, "../shared/corpus is absent"))
    func twoPregnancies() throws {
        let handover = try NationalOracleTests.facts("hl7v3-acute-overdracht/2.1/instances/examples/REPC_EX002120NL_AcuteOverdracht-dp.xml")
        let kernset = try NationalOracleTests.facts("ada-kernset/2.3/instances/scenarios/scenario6-23.xml")
        #expect(handover.client.bsn == "100202020" && kernset.client.bsn == "100202020")
        let record = try ClientRecord.build(from: [kernset, handover])
        #expect(record.pregnancies.count == 2)
        #expect(record.pregnancies.map { $0.sources.map(\.kind) } == [[handover.provenance.kind], [kernset.provenance.kind]])
        #expect(record.pregnancies.map { $0.facts["pregnancy.dueDate"]?.value } == [.string("2012-05-03"), .string("2019-10-02")])
        // The blood loss (250 vs 1050 ml) and the due dates belong to different pregnancies: no conflict anywhere.
        #expect(record.pregnancies.map { $0.facts["delivery.bloodLossMl"]?.value } == [.number(250), .number(1050)])
        #expect(record.pregnancies.allSatisfy { $0.conflicts.isEmpty }, "\(record.pregnancies.map(\.conflicts))")
        // The two example files give her different birth dates (1981, and 1989 from the kernset's
        // relative date): that is a conflict about her, shown at the top — not one between pregnancies.
        #expect(record.conflicts == ["client.birthDate"])
        // The kernset names its dossier, the 2012 handover its care provision (careProvisionRequest/id).
        #expect(record.pregnancies.map(\.identifiedBy) == ["dossier", "dossier"])
        #expect(record.pregnancies[0].dossierIds == ["cp2757632"])
        #expect(record.pregnancies[1].dossierIds == [try #require(kernset.pregnancy?.dossierId)])
        // Gravidity from the kernset sits in its own pregnancy, not beside the 2012 due date.
        #expect(record.pregnancies[0].facts["pregnancy.gravidity"]?.source.kind != kernset.provenance.kind)
    }

    @Test("a message naming her pregnancy's dossier number joins that pregnancy, also when its dates would start another; without it, the dates decide")
    func dossierReference() throws {
        let referral = try Self.sample("verwijzing-4-dossier-v1.2.xml")
        let dossier = try #require(referral.pregnancy?.dossierId)
        let dueDate = try #require(referral.pregnancy?.dueDate)
        // The hospital's back-referral about her with a due date 25 weeks off (a typing error):
        // by dates alone that is another pregnancy.
        var backReferral = try Self.sample("terugverwijzing-3-dossier-v1.1.xml")
        backReferral.client = referral.client
        let due = try #require(ClinicalDate(dueDate)?.instant)
        backReferral.pregnancy?.dueDate = String(due.addingTimeInterval(25 * 7 * 86_400).formatted(.iso8601.year().month().day()))
        var unnamed = backReferral
        unnamed.pregnancy?.dossierId = nil
        #expect(try ClientRecord.build(from: [referral, unnamed]).pregnancies.count == 2)

        backReferral.pregnancy?.dossierId = dossier
        let record = try ClientRecord.build(from: [referral, backReferral])
        #expect(record.pregnancies.count == 1)
        let pregnancy = try #require(record.pregnancies.first)
        #expect(pregnancy.identifiedBy == "dossier")
        #expect(pregnancy.dossierIds == [dossier])
        #expect(pregnancy.sources.map(\.messageId) == [referral.provenance.messageId, backReferral.provenance.messageId])
        // The two due dates now disagree within one pregnancy: a visible conflict. The number
        // itself is the pregnancy's identity, not a fact of it.
        #expect(pregnancy.conflicts.contains("pregnancy.dueDate"))
        #expect(pregnancy.facts["pregnancy.dossierId"] == nil)

        // Another organisation's own number joins the same pregnancy (placed by dates) and is listed too.
        var kraamzorg = try Self.sample("kraamzorgoverdracht-3-dossier-v1.1.xml")
        kraamzorg.client = referral.client
        kraamzorg.pregnancy?.dueDate = dueDate
        let three = try ClientRecord.build(from: [referral, backReferral, kraamzorg])
        #expect(three.pregnancies.count == 1)
        // (In the order the messages were made: the kraamzorg handover is the oldest.)
        #expect(three.pregnancies.first?.dossierIds == [try #require(kraamzorg.pregnancy?.dossierId), dossier])
        #expect(three.pregnancies.first?.conflicts.contains("pregnancy.dossierId") == false)
    }

    @Test("the same dossier number with reference dates a year or more apart is two pregnancies (numbers some organisations give are local)")
    func localNumbers() throws {
        let first = try Self.sample("verwijzing-4-dossier-v1.2.xml")
        let later = Self.copy(first, id: "8d2f6b0e-3c47-4a1e-9b52-6f0e1d2c3b99", time: "2029-03-01T10:00:00+01:00", dueDate: "2029-09-30")
        let record = try ClientRecord.build(from: [first, later])
        #expect(record.pregnancies.count == 2)
        #expect(record.pregnancies.map(\.dossierIds) == [[try #require(first.pregnancy?.dossierId)], [try #require(first.pregnancy?.dossierId)]])
        // A message with the number and no date of its own goes to the first pregnancy holding it.
        let undated = Self.copy(first, id: "8d2f6b0e-3c47-4a1e-9b52-6f0e1d2c3b98", time: first.provenance.time, dueDate: nil)
        #expect(try ClientRecord.build(from: [first, later, undated]).pregnancies[0].sources.count == 2)
    }

    @Test("a message without dates that reports a care period (a kernset's zorgverlening) is placed by when that care started, not when it was sent")
    func placementByCarePeriod() throws {
        let first = try Self.sample("kraamzorgoverdracht-1-prenataal.xml")
        let next = Self.copy(first, id: "e5f3d0a1-84c7-4b1b-93f6-a0af3a4b5c97", time: "2028-03-01T10:00:00+01:00", dueDate: "2028-09-30")
        // Sent in 2028, about care that started during the first pregnancy.
        var report = Self.copy(first, id: "e5f3d0a1-84c7-4b1b-93f6-a0af3a4b5c96", time: "2028-06-01T10:00:00+02:00", dueDate: nil)
        var withoutPeriod = report
        report.carePeriod = CarePeriod(organisation: first.provenance.sender, start: "2026-06-01", end: "2027-01-20")
        let placed = try ClientRecord.build(from: [first, next, report])
        #expect(placed.pregnancies.map { $0.sources.map(\.messageId) }
                == [[first.provenance.messageId, report.provenance.messageId], [next.provenance.messageId]])
        withoutPeriod.carePeriod = nil
        let byTime = try ClientRecord.build(from: [first, next, withoutPeriod])
        #expect(byTime.pregnancies.map { $0.sources.count } == [1, 2])
    }

    @Test("each kind's older version maps to the same facts as its newer one, without the dossier number (upcast)")
    func upcastWithoutDossier() throws {
        for (old, new) in [("verwijzing-3-vil-indicatie-v1.1.xml", "verwijzing-4-dossier-v1.2.xml"),
                           ("terugverwijzing-1-na-bevalling.xml", "terugverwijzing-3-dossier-v1.1.xml"),
                           ("kraamzorgoverdracht-1-prenataal.xml", "kraamzorgoverdracht-3-dossier-v1.1.xml"),
                           ("jgzoverdracht-1-eenling.xml", "jgzoverdracht-3-dossier-v1.1.xml"),
                           ("phbaanmelding-3-per-categorie-v2.0.xml", "phbaanmelding-4-dossier-v2.1.xml")] {
            let before = try Self.sample(old)
            var after = try Self.sample(new)
            #expect(before.pregnancy?.dossierId == nil && after.pregnancy?.dossierId != nil, "\(new)")
            after.pregnancy?.dossierId = nil
            // jgzoverdracht carries no pregnancy data of its own: only the number made one.
            if after.pregnancy == PregnancyFacts() { after.pregnancy = nil }
            after.provenance.messageId = before.provenance.messageId
            after.provenance.version = before.provenance.version
            #expect(after == before, "\(old) → \(new)")
        }
    }

    @Test("twins are one pregnancy with two children")
    func twins() throws {
        let twins = try Self.sample("terugverwijzing-2-tweeling-sectio.xml")
        #expect(twins.children.count == 2)
        let record = try ClientRecord.build(from: [twins])
        #expect(record.pregnancies.count == 1)
        let facts = try #require(record.pregnancies.first?.facts)
        #expect(facts["children[1].birthWeightGrams"] != nil && facts["children[2].birthWeightGrams"] != nil)
        #expect(facts["children[1].birthWeightGrams"]?.value != facts["children[2].birthWeightGrams"]?.value)
        #expect(record.pregnancies.first?.conflicts == [])
    }

    @Test("earlier pregnancies a message describes stay obstetric history of hers, never a pregnancy of the record")
    func obstetricHistory() throws {
        let referral = try Self.sample("verwijzing-1-hypertensie-regulier.xml")
        let previous = try #require(referral.obstetricHistory?.previousPregnancies)
        #expect(!previous.isEmpty)
        let record = try ClientRecord.build(from: [referral])
        #expect(record.pregnancies.count == 1)
        #expect(record.obstetricHistory.map(\.item) == previous)
        #expect(record.pregnancies.first?.facts.keys.contains { $0.hasPrefix("obstetricHistory.") && $0 != "obstetricHistory.previousCaesarean" } == false)
    }

    @Test("a kernset's obstetric history, ADA and HL7v3 alike, is her history: her earlier pregnancy is not a pregnancy of the record",
          .enabled(if: TestSupport.corpusPresent, "../shared/corpus is absent"))
    func kernsetHistory() throws {
        let ada = try NationalOracleTests.facts("ada-kernset/2.3/instances/scenarios/scenario6-23.xml")
        let hl7 = try NationalOracleTests.facts("hl7v3-kernset/2.3/instances/scenarios/scenario6-23.xml")
        let previous = try #require(ada.obstetricHistory?.previousPregnancies)
        #expect(previous.map(\.year) == ["2017"])
        #expect(previous.map(\.outcome) == ["Partus"])
        #expect(previous.first?.apgar5 == 8)
        #expect(hl7.obstetricHistory?.previousPregnancies.map(\.year) == ["2017"])
        #expect(hl7.obstetricHistory?.previousPregnancies.map(\.outcome) == ["Partus"])
        for facts in [ada, hl7] {
            let record = try ClientRecord.build(from: [facts])
            #expect(record.pregnancies.count == 1)
            #expect(record.pregnancies.first?.facts["pregnancy.dueDate"]?.value == .string("2019-10-02"))
            #expect(record.obstetricHistory.map(\.item.year) == ["2017"])
        }
    }

    @Test("a later pregnancy of the same woman is a new episode: its due date is no conflict with the first")
    func nextPregnancy() throws {
        let first = try Self.sample("kraamzorgoverdracht-1-prenataal.xml")
        var next = Self.copy(first, id: "e5f3d0a1-84c7-4b1b-93f6-a0af3a4b5c99", time: "2028-03-01T10:00:00+01:00", dueDate: "2028-09-30")
        next.pregnancy?.gravidity = 2
        next.pregnancy?.parity = 1
        let record = try ClientRecord.build(from: [next, first])
        #expect(record.pregnancies.count == 2)
        #expect(record.pregnancies.map { $0.facts["pregnancy.gravidity"]?.value } == [.number(1), .number(2)])
        #expect(record.pregnancies.allSatisfy { $0.conflicts.isEmpty })
        #expect(Set(record.pregnancies.map(\.id)).count == 2)
        // The same messages give the same ids, whatever their order.
        #expect(try ClientRecord.build(from: [first, next]).pregnancies.map(\.id) == record.pregnancies.map(\.id))
        // A due date a few days off (another sender) is the same pregnancy, and a conflict there.
        var hospital = first
        hospital.provenance.messageId = "e5f3d0a1-84c7-4b1b-93f6-a0af3a4b5c98"
        hospital.provenance.sender = OrganisationRef(ura: "27654321", name: "Rijnland Gasthuis", type: "ziekenhuis")
        hospital.pregnancy?.dueDate = "2027-01-09"
        let same = try ClientRecord.build(from: [first, hospital])
        #expect(same.pregnancies.count == 1)
        #expect(same.pregnancies.first?.conflicts == ["pregnancy.dueDate"])
    }

    @Test("a message without due date, delivery or birth is placed by when it was made; with nothing near, it is visible as unplaced")
    func placementByTime() throws {
        let handover = try Self.sample("kraamzorgoverdracht-1-prenataal.xml")  // due 2027-01-05
        var undated = try Self.sample("kraamzorgoverdracht-1-prenataal.xml")
        undated.provenance.messageId = "e5f3d0a1-84c7-4b1b-93f6-a0af3a4b5c97"
        undated.pregnancy?.dueDate = nil
        undated.provenance.time = "2026-12-20T10:00:00+01:00"
        let placed = try ClientRecord.build(from: [handover, undated])
        #expect(placed.pregnancies.count == 1)
        #expect(placed.pregnancies.first?.sources.count == 2)
        // Made in 2030, years after the only pregnancy: not merged into it.
        undated.provenance.time = "2030-06-01T10:00:00+02:00"
        let apart = try ClientRecord.build(from: [handover, undated])
        #expect(apart.pregnancies.map(\.id).last == "unplaced")
        #expect(apart.pregnancies.map(\.identifiedBy) == ["dates", "unplaced"])
        #expect(apart.pregnancies.last?.sources.map(\.messageId) == ["e5f3d0a1-84c7-4b1b-93f6-a0af3a4b5c97"])
        // A message about her only (a consent registration) belongs to no pregnancy.
        let consent = try Self.sample("toestemming-2-gegeven.xml")
        let alone = try ClientRecord.build(from: [consent])
        #expect(alone.consents.count == 1)
    }

    @Test("a view leaves out a pregnancy of which it shows nothing, and never reveals its due date through the id")
    func viewsPerPregnancy() throws {
        let policy = try ViewPolicy.load(TestSupport.root.appendingPathComponent("Schemas/views.json").path)
        let record = try ClientRecord.build(from: ClientRecordTests.allFacts())
        let jgz = try policy.view(record, for: "jgz", consent: [])
        #expect(jgz.pregnancies.count == 1)
        #expect(jgz.pregnancies.first?.id == record.pregnancies.first?.id)
        #expect(!(jgz.pregnancies.first?.id.contains("2026") ?? true))
        #expect(jgz.pregnancies.first?.facts.keys.allSatisfy { $0.hasPrefix("children[") } == true)
        // A pregnancy with only findings (hidden from JGZ without medical consent) is not shown at all.
        var findingsOnly = try Self.sample("verwijzing-1-hypertensie-regulier.xml")
        findingsOnly.client.bsn = "999990044"
        findingsOnly.provenance.time = "2030-01-01T10:00:00+01:00"
        var later = PregnancyFacts()
        later.dueDate = "2030-06-01"
        findingsOnly.pregnancy = later
        findingsOnly.events = []
        findingsOnly.children = []
        findingsOnly.delivery = nil
        let withFindings = try ClientRecord.build(from: ClientRecordTests.allFacts() + [findingsOnly])
        #expect(withFindings.pregnancies.count == 2)
        #expect(try policy.view(withFindings, for: "jgz", consent: []).pregnancies.count == 1)
    }
}
