import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport

/// The cross-format oracle (../shared/corpus/FACTS.tsv): for every pair of files describing the
/// same scenario in two formats (ADA and HL7v3), both are mapped into canonical facts and built
/// into a record; every listed fact must be equal in both and equal the listed value. Facts whose
/// status is not `=` are known differences and are asserted as such (present on one side only).
@Suite("National standards: cross-format oracle", .enabled(if: TestSupport.corpusPresent, "../shared/corpus is absent"))
struct NationalOracleTests {
    struct Fact: Sendable {
        var id: String
        var name: String
        var valueA: String
        var canonicalA: String
        var valueB: String
        var status: String
    }

    struct Pair: Sendable, CustomStringConvertible {
        var id: String
        var fileA: String
        var fileB: String
        var facts: [Fact]
        var description: String { "\(id) (\((fileB as NSString).lastPathComponent))" }
    }

    static let pairs: [Pair] = {
        guard let text = try? String(contentsOf: TestSupport.corpus.appendingPathComponent("FACTS.tsv"), encoding: .utf8) else { return [] }
        var pairs: [String: Pair] = [:]
        var order: [String] = []
        for line in text.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cells.count >= 13 else { continue }
            // One pair id may compare one file with two renderings of the other format.
            let key = cells[0] + "|" + cells[2] + "|" + cells[4]
            if pairs[key] == nil {
                pairs[key] = Pair(id: cells[0], fileA: cells[2], fileB: cells[4], facts: [])
                order.append(key)
            }
            pairs[key]?.facts.append(Fact(id: cells[5], name: cells[6], valueA: cells[9], canonicalA: cells[10], valueB: cells[11],
                                               status: cells[12]))
        }
        return order.compactMap { pairs[$0] }
    }()

    /// The HL7v3 kernset 2.3 files were generated with this reference day for the ADA relative dates.
    static let mapper = CanonicalMapper(registry: TestSupport.fullRegistry, referenceDate: "2020-01-01")

    /// The canonical facts of a corpus file. The oracle is about mapping, not validation: the
    /// four 2.2 ADA instances the manifest marks invalid (schema drift) are mapped all the same.
    static func facts(_ path: String) throws -> MessageFacts {
        let data = try Data(contentsOf: TestSupport.corpus.appendingPathComponent(path))
        let validator = TestSupport.validator(TestSupport.fullRegistry)
        guard case .document(let document) = validator.parser.parse(data) else { throw MappingError(code: "test", message: "\(path) does not parse") }
        var report = validator.validate(document)
        #expect(report.kind != nil && [.valid, .invalid, .schemaRequired].contains(report.outcome), "\(path): \(report.outcome)")
        if report.outcome == .invalid { report.outcome = .valid }
        return try mapper.map(document, report: report, raw: data, allowSchemaRequired: true)
    }

    /// Where each fact lives in the canonical facts (`children[i]`/`[i]` is the fact's child index).
    static let paths: [String: String] = [
        "M1": "client.bsn", "M2": "client.birthDate", "M3": "client.address.postcode", "M4": "client.ethnicity.code",
        "C1": "carePeriod.organisation.lvrId", "C2": "carePeriod.start", "C3": "carePeriod.end", "C4": "pregnancy.riskStatusAfterIntake.code",
        "P1": "pregnancy.dossierId", "P2": "pregnancy.gravidity", "P3": "pregnancy.parity", "P4": "pregnancy.dueDate",
        "P5": "pregnancy.firstCheckDate", "P6": "pregnancy.firstCheckGestationalAge", "P7": "pregnancy.plannedPlaceOfBirthCode.code",
        "P9": "pregnancy.outcome.code",
        "B1": "delivery.childrenBorn", "B2": "delivery.riskStatusBeforeLabour.code", "B3": "delivery.activeLabourStart",
        "B4": "delivery.bloodLossMl",
        "K1": "children.i.bsn", "K2": "children.i.birthDateTime", "K3": "children.i.sexCode.code", "K4": "children.i.sequence",
        "K5": "children.i.birthWeightGrams", "K6": "children.i.apgar5", "K7": "children.i.deliveryType.code",
        "K8": "children.i.placeOfBirth.code", "K9": "children.i.birthHospital.lvrId", "K10": "children.i.perinatalDeath",
        "R1": "events.0.time", "R2": "events.0.from.lvrId", "R3": "events.0.to.0.lvrId", "R4": "events.0.code.code",
        "R5": "events.0.reasons.0.code",
        "A1": "client.bsn", "A2": "client.fullName", "A3": "client.birthDate", "A4": "events.0.reasons.0.code", "A5": "events.0.text",
        "A6": "events.0.fromPerson.name", "A7": "events.0.from.name", "A8": "events.0.fromPerson.phone", "A9": "pregnancy.gravidity",
        "A10": "pregnancy.parity", "A11": "pregnancy.dueDate", "A12": "delivery.bloodLossMl", "A13": "pregnancy.bmi",
        "A14": "client.bloodGroup.code", "A15": "client.rhesusD.code", "A16": "delivery.activeLabourStart",
        "A17": "delivery.membranesRuptured", "A18": "obstetricHistory.previousPregnancies.0.birthWeightGrams",
        "A19": "obstetricHistory.previousPregnancies.0.apgar5", "A20": "obstetricHistory.previousPregnancies.0.duration",
    ]
    /// Facts that are dates and date-times (the oracle writes them as HL7v3 digits, `201312092300`)
    /// and durations (the oracle writes days): the oracle's values are put in the canonical form
    /// (`2013-12-09T23:00:00`, `8+3`) and compared with the mapped values exactly.
    static let dates: Set<String> = ["M2", "C2", "C3", "P4", "P5", "B3", "K2", "R1", "A3", "A11", "A16", "A17"]
    static let durations: Set<String> = ["P6", "A20"]
    /// Decimal quantities (the BMI), compared in the canonical decimal form.
    static let decimals: Set<String> = ["A13"]

    /// The fact's value in `facts`, as the oracle writes it; `nil` when absent.
    static func value(_ factId: String, in facts: MessageFacts) throws -> String? {
        let parts = factId.split(separator: ".")
        guard let template = paths[String(parts[0])] else { throw MappingError(code: "test", message: "no path for fact \(factId)") }
        let child = parts.count > 1 ? Int(parts[1]).map { $0 - 1 } : nil
        var current: JSONValue? = try JSONValue.from(facts)
        for key in template.split(separator: ".") {
            switch current {
            case .object(let fields): current = fields[String(key)]
            case .array(let items):
                let index = key == "i" ? child ?? 0 : Int(key) ?? 0
                current = items.indices.contains(index) ? items[index] : nil
            default: current = nil
            }
        }
        let text: String?
        switch current {
        case .string(let value): text = value
        case .number(let value): text = value.rounded() == value ? String(Int(value)) : String(value)
        case .bool(let value): text = value ? "true" : "false"
        default: text = nil
        }
        return text
    }

    /// The oracle's value of a fact in the canonical form the mappers give.
    static func canonical(_ factId: String, _ oracle: String) -> String {
        let fact = String(factId.split(separator: ".")[0])
        if dates.contains(fact) { return (try? NationalDate.iso(oracle, reference: "2020-01-01")) ?? "not a date: \(oracle)" }
        if durations.contains(fact) { return Int(oracle).map(NationalDate.weeksAndDays) ?? oracle }
        if decimals.contains(fact) { return NationalReader.canonicalDecimal(oracle) ?? "not a number: \(oracle)" }
        return oracle
    }

    @Test("both formats of a pair give the same canonical facts, equal to the oracle's values", arguments: pairs)
    func pair(_ pair: Pair) throws {
        let a = try Self.facts(pair.fileA), b = try Self.facts(pair.fileB)
        // Both build into a canonical record.
        #expect(try ClientRecord.build(from: [a]).bsn == ClientRecord.build(from: [b]).bsn)
        for fact in pair.facts {
            let valueA = try Self.value(fact.id, in: a), valueB = try Self.value(fact.id, in: b)
            if fact.status == "=" {
                #expect(valueA == valueB, "\(fact.id) \(fact.name): \(valueA ?? "absent") ≠ \(valueB ?? "absent")")
                #expect(valueA == Self.canonical(fact.id, fact.canonicalA), "\(fact.id) \(fact.name): A \(valueA ?? "absent"), oracle \(fact.canonicalA)")
                #expect(valueB == Self.canonical(fact.id, fact.valueB), "\(fact.id) \(fact.name): B \(valueB ?? "absent"), oracle \(fact.valueB)")
            } else {
                // A known difference: the oracle has it on one side only, and so do we.
                #expect(valueA == (fact.valueA.isEmpty ? nil : Self.canonical(fact.id, fact.canonicalA)), "\(fact.id) (\(fact.status)) A: \(valueA ?? "absent")")
                #expect(valueB == (fact.valueB.isEmpty ? nil : Self.canonical(fact.id, fact.valueB)), "\(fact.id) (\(fact.status)) B: \(valueB ?? "absent")")
            }
        }
    }

    @Test("the oracle covers every pair of the corpus")
    func coverage() {
        #expect(Set(Self.pairs.map(\.id)).count == 20)
        #expect(Self.pairs.count == 21)
        #expect(Self.pairs.map(\.facts.count).reduce(0, +) == 570)
    }

    @Test("the acute handover's embedded birth plan is referenced (type, size), never inlined; author and address by OID")
    func acuteDetails() throws {
        let big = try Self.facts("hl7v3-acute-overdracht/2.1/instances/examples/Scenario_S05-AW.xml")
        #expect(big.attachments.count == 2)
        #expect(big.attachments.map(\.title) == ["Bevalplan", "Echoparameters"])
        #expect(big.attachments.allSatisfy { $0.mimeType == "application/pdf" && ($0.bytes ?? 0) > 100_000 })
        let json = try CanonicalJSON.string(ClientRecord.build(from: [big]))
        #expect(!json.contains("JVBERi0"), "the PDF's base64 must not reach the record")
        #expect(json.utf8.count < 60_000)
        let daphne = try Self.facts("hl7v3-acute-overdracht/2.1/instances/examples/daphne.xml")
        #expect(daphne.client.address?.postcode == "1521 DG" && daphne.client.address?.city == "Wormerveer")
        #expect(daphne.provenance.sender.ura == "00022991")
        #expect(daphne.careTeam.persons.contains { $0.name == "Hugo Heilema" })
        #expect(daphne.events.first?.urgency == "acuut" && daphne.events.first?.subtype == "acute-overdracht")
    }
}

extension NationalOracleTests {
    /// The kernset 2.3.5 pairs of MANIFEST-2026-12.tsv (`ks235-…`): an ADA file and its HL7v3
    /// rendering. The 2.3.5 `voorkeur-zkh` rendering is a bare `subject2` fragment, not a message,
    /// and Nictiz's 2.3.5 `ada-result`/`hl7-result` are copies of 2.2 files without a partner.
    static let ks235Pairs: [CorpusPair] = {
        let rows = CorpusManifest.rows.filter { $0.manifest == "MANIFEST-2026-12.tsv" }
        return Dictionary(grouping: rows.filter { !$0.pairId.isEmpty && $0.pairId.hasPrefix("ks235-") }, by: \.pairId)
            .compactMap { id, rows -> CorpusPair? in
                guard let ada = rows.first(where: { $0.family == "ada-kernset" }), let hl7 = rows.first(where: { $0.family == "hl7v3-kernset" }),
                      id != "ks235-voorkeur-zkh" else { return nil }
                return CorpusPair(id: id, ada: ada.path, hl7: hl7.path)
            }
            .sorted { $0.id < $1.id }
    }()

    struct CorpusPair: Sendable, CustomStringConvertible {
        var id: String
        var ada: String
        var hl7: String
        var description: String { id }
    }

    /// Where the two renderings of one Nictiz scenario say different things (the test data, not
    /// the mapping): asserted as differences, with what each side says.
    static let corpusDifferences: [String: [String: (ada: String, hl7: String)]] = [
        "ks235-999.1 Test_NL": [".children[0].sequence": ("1", "2")],  // rangnummer_kind 1; BirthOrderNumber 2
    ]

    /// Referral reasons only one rendering carries (`system|code`): Nictiz's HL7v3 rendering of
    /// 999.1 leaves out the ADA's third `infectie` (Pyelonefritis) and its `pathologie_vrouw`
    /// (Endometritis).
    static let reasonsOnlyInADA: [String: [String]] = [
        "ks235-999.1 Test_NL": ["2.16.840.1.113883.6.96|45816000", "2.16.840.1.113883.6.96|78623009"],
    ]

    /// Each event's referral reasons as `system|code`, in message order.
    static func reasons(_ facts: MessageFacts) -> [[String]] {
        facts.events.map { $0.reasons.map { "\($0.system ?? "")|\($0.code)" } }
    }

    /// The facts as a tree of canonical values: a code is its system and code (its display text
    /// is a label, not the fact); an event whose time the message does not state has no time
    /// (`timeFromMessage`: its time is when that rendering was made). Left out: the provenance and
    /// the care team, which name the rendering and its envelope, not the scenario — the HL7v3
    /// control act names the sending hospital and its people by URA and UZI, the ADA form names
    /// only the responsible organisation by LVR id (that one is compared, in `carePeriod`).
    static func canonicalTree(_ facts: MessageFacts) throws -> [String: String] {
        var leaves: [String: String] = [:]
        func walk(_ value: JSONValue, _ path: String) {
            switch value {
            case .object(var fields):
                if fields["code"] != nil { fields["display"] = nil }
                if fields["timeFromMessage"] == .bool(true) { fields["time"] = nil }
                for (key, field) in fields { walk(field, path + "." + key) }
            case .array(let items):
                for (index, item) in items.enumerated() { walk(item, path + "[\(index)]") }
            case .string(let text): leaves[path] = text
            case .number(let number): leaves[path] = number.rounded() == number ? String(Int(number)) : String(number)
            case .bool(let flag): leaves[path] = String(flag)
            case .null: break
            }
        }
        walk(try JSONValue.from(facts), "")
        // Reasons are compared as lists of their own (``reasons(_:)``).
        return leaves.filter { !$0.key.hasPrefix(".provenance.") && !$0.key.hasPrefix(".careTeam.") && !$0.key.contains("].reasons[") }
    }

    @Test("every kernset 2.3.5 pair (ADA and its HL7v3 rendering) maps to equal canonical facts", arguments: ks235Pairs)
    func ks235(_ pair: CorpusPair) throws {
        let adaFacts = try Self.facts(pair.ada), hl7Facts = try Self.facts(pair.hl7)
        let ada = try Self.canonicalTree(adaFacts), hl7 = try Self.canonicalTree(hl7Facts)
        #expect(ada.count > 5, "the ADA side maps to facts: \(ada.count)")
        // Referral reasons: the same, in the same order, but for what a rendering leaves out.
        var adaReasons = Self.reasons(adaFacts)
        for extra in Self.reasonsOnlyInADA[pair.id] ?? [] {
            let index = try #require(adaReasons.first?.lastIndex(of: extra), "\(extra) is no longer only in the ADA")
            adaReasons[0].remove(at: index)
        }
        #expect(adaReasons == Self.reasons(hl7Facts))
        let known = Self.corpusDifferences[pair.id] ?? [:]
        for path in Set(ada.keys).union(hl7.keys).sorted() {
            if let difference = known[path] {
                #expect(ada[path] == difference.ada && hl7[path] == difference.hl7, "\(path): the corpus difference changed")
            } else {
                #expect(ada[path] == hl7[path], "\(path): ADA \(ada[path] ?? "absent"), HL7v3 \(hl7[path] ?? "absent")")
            }
        }
    }

    @Test("the kernset 2.3.5 pairs are all there")
    func ks235Coverage() {
        #expect(Self.ks235Pairs.map(\.id) == ["ks235-999.1 Test_NL", "ks235-Minimaal", "ks235-scenario1-23", "ks235-scenario2_1elijn-23",
                                               "ks235-scenario2_2elijn-23", "ks235-scenario3-23", "ks235-scenario4_1elijn-23",
                                               "ks235-scenario4_2elijn-23", "ks235-scenario5-23", "ks235-scenario6-23",
                                               "ks235-voorbeeld-met-wrapper"])
    }
}
