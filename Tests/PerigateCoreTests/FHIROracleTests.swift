import Foundation
@testable import PerigateCore
import PerigateFHIR
import PerigateTestSupport
import Testing

/// Oracle (b): what Perigate serves for a scenario (Nictiz's folder posted as a Bundle, merged
/// into her canonical record, written back by ``FHIRRecordWriter``) compared with Nictiz's own
/// folder, resource by resource: the same profiles, the same codings (system + code, by where
/// they are) and the same values. Every difference is listed; each kind of difference is
/// explained below, and the test fails on one that is not (and on an explanation nothing needs).
@Suite("FHIR oracle (b): her record as FHIR against Nictiz's resources")
struct FHIROracleTests {
    /// One comparable fact of a resource: `profile`, `coding` (path, system, code) or `value` (path, value).
    static func facts(_ resource: FHIRResource) throws -> Set<String> {
        var found = Set(resource.profiles.map { "profile \($0)" })
        func walk(_ element: FHIRElement, _ path: String) {
            for child in element.children {
                let childPath = path.isEmpty ? child.name : "\(path).\(child.name)"
                // Not compared: narrative, ids, meta, references (ids are Perigate's own), and extensions.
                if ["text", "id", "meta", "extension", "modifierExtension", "reference", "display", "identifier", "fullUrl"].contains(child.name) { continue }
                if child.name == "coding" {
                    let system = child.element.children(named: "system").first?.primitive ?? ""
                    let code = child.element.children(named: "code").first?.primitive ?? ""
                    found.insert("coding \(childPath) \(FHIRCodeSystems.normalised(system) ?? "")|\(code)")
                    continue
                }
                if let value = child.element.primitive {
                    let canonical = NationalReader.canonicalDecimal(value) ?? value
                    found.insert("value \(childPath) \(childPath.hasSuffix("system") ? FHIRCodeSystems.normalised(value) ?? value : canonical)")
                }
                walk(child.element, childPath)
            }
        }
        walk(try FHIRTreeEncoder.encode(resource), "")
        return found
    }

    /// Which served resource stands for a resource of Nictiz's folder: a statement by its id,
    /// the woman, her pregnancy and her insurance as the one of their kind, a care provider or
    /// professional by identifier (else name), a contact person by name or relationship.
    static func counterpart(of sent: FHIRResource, among all: [FHIRResource], in served: [FHIRResource], woman: String?) -> FHIRResource? {
        let isChild = { (resource: FHIRResource) in resource.resourceType == "Patient" && resource.profiles.contains(FHIRProfiles.child) }
        let sameType = served.filter { $0.resourceType == sent.resourceType }
        switch sent {
        case .patient(let patient):
            if patient.id == woman { return sameType.first { !isChild($0) } }
            // A child by its place among her children (the sequence the record gives it).
            let children = all.filter(isChild), ours = sameType.filter(isChild)
            guard isChild(sent), let index = children.firstIndex(of: sent), index < ours.count else { return nil }
            return ours[index]
        case .episodeOfCare, .coverage, .relatedPerson, .bodySite:  // a fetus: one per scenario
            return sameType.count == 1 ? sameType.first : nil
        case .organization(let organization):
            let keys = Set((organization.identifier ?? []).compactMap(\.value?.value) + [organization.name?.value].compactMap { $0 })
            return sameType.first { candidate in
                guard case .organization(let other) = candidate else { return false }
                return !keys.isDisjoint(with: (other.identifier ?? []).compactMap(\.value?.value) + [other.name?.value].compactMap { $0 })
            }
        case .practitioner(let practitioner):
            let keys = Set((practitioner.identifier ?? []).compactMap(\.value?.value))
            return sameType.first { candidate in
                guard case .practitioner(let other) = candidate else { return false }
                return !keys.isDisjoint(with: (other.identifier ?? []).compactMap(\.value?.value))
            }
        default:
            return sameType.first { $0.id == sent.id }
        }
    }

    /// Every difference of one scenario as `Type kind path` (`lost`: in Nictiz's, not in ours;
    /// `added`: in ours only; `unwritten`/`extra`: a whole resource) with the detail.
    static func differences(_ scenario: String) throws -> [(key: String, detail: String)] {
        let (sent, served) = try FHIROutTests.written(scenario, includeBSN: true)
        return try differences(sent: sent, served: served)
    }

    static func differences(sent: [FHIRResource], served: [FHIRResource]) throws -> [(key: String, detail: String)] {
        let tree = FHIROutTests.bundle(sent)
        guard case .bundle(let bundle) = tree else { return [] }
        let woman = try FHIRBundleRules.woman(in: bundle, index: FHIRBundleRules.referenceIndex(bundle)).id
        var result: [(String, String)] = []
        var matched = Set<Int>()
        for resource in sent {
            guard let other = counterpart(of: resource, among: sent, in: served, woman: woman) else {
                result.append(("\(resource.resourceType) unwritten", "\(resource.resourceType)/\(resource.id ?? "") \(resource.profiles.first ?? "")"))
                continue
            }
            if let index = served.firstIndex(of: other) { matched.insert(index) }
            let ours = try facts(other), theirs = try facts(resource)
            let name = { (fact: String) in "\(resource.resourceType) \(fact.split(separator: " ").prefix(2).joined(separator: " "))" }
            for fact in theirs.subtracting(ours) { result.append((name(fact) + " lost", "\(resource.resourceType)/\(resource.id ?? ""): \(fact)")) }
            for fact in ours.subtracting(theirs) { result.append((name(fact) + " added", "\(resource.resourceType)/\(resource.id ?? ""): \(fact)")) }
        }
        for (index, resource) in served.enumerated() where !matched.contains(index) {
            result.append(("\(resource.resourceType) extra", "\(resource.resourceType)/\(resource.id ?? "")"))
        }
        return result
    }

    /// Each kind of difference (a key, or the start of keys) and why it is there. Whatever is
    /// not listed here — a statement's profile, code, category, value, component, time, status;
    /// her name, birth date, address, language; her pregnancy; her insurer and contacts; her
    /// children's and fetuses' resources — Perigate gives back as Nictiz wrote it.
    /// The differences of every scenario by kind, each detail with its scenario.
    static func byKind(_ differences: (String) throws -> [(key: String, detail: String)]) throws -> [String: [String]] {
        var all: [String: [String]] = [:]
        for scenario in FHIRCorpus.scenarioNames {
            for (key, detail) in try differences(scenario) { all[key, default: []].append("\(scenario.split(separator: "/").last ?? ""): \(detail)") }
        }
        return all
    }

    /// Every kind of difference found is explained (an entry is a key or the start of keys), and
    /// every explanation still explains something.
    static func expectExplained(_ found: [String: [String]], by explained: [String: String]) {
        let unexplained = found.keys.filter { key in !explained.keys.contains { key.hasPrefix($0) } }
        #expect(unexplained.isEmpty, "\(unexplained.sorted().map { "\($0): \(found[$0]?.first ?? "")" })")
        let stale = explained.keys.filter { entry in !found.keys.contains { $0.hasPrefix(entry) } }
        #expect(stale.isEmpty, "explained but no longer found: \(stale.sorted())")
    }

    static let explained: [String: String] = [
        "Organization coding type.coding lost": "the care team knows an organisation by its identifiers (URA, AGB) and name; its type is not in the record",
        "Organization value address.": "the care team keeps no address of an organisation",
        "Practitioner value name.": "the care team keeps a professional's name as one display text (HumanName.text), not in parts",
        "PractitionerRole unwritten": "a professional's role is read into the care team (specialty, organisation) and written on the Practitioner's references; "
            + "no PractitionerRole resource is written",
        "Location unwritten": "a location (the place of a contact) is not in the record",
        "Patient coding maritalStatus.coding lost": "her marital status is not in the canonical record",
        "Patient value multipleBirthBoolean lost": "whether she (or a child) was born of a multiple birth is not in the record; children carry their sequence",
        "Patient value address.country lost": "the record's address has street, number, postcode and city: a Dutch address; country, use and type are not kept",
        "Patient value address.type lost": "see address.country",
        "Patient value address.use lost": "see address.country",
        "Patient value telecom.use lost": "the record keeps her phone number and e-mail, not their use (home, mobile); Perigate writes none rather than a wrong one",
        "Patient value name.family": "her surname as she uses it (with her partner's, 'XXX_Zhanganak-XXX_Visser') is not kept: the record has her own "
            + "surname and prefix; a child's surname is not kept",
        "Patient value name.given": "a child's given names are one text in the record (Eduard Ed), Nictiz gives them one by one",
    ]

    @Test("every difference between Perigate's FHIR and Nictiz's folder is a known and explained one")
    func differencesAreExplained() throws {
        try #require(TestSupport.corpusPresent)
        let all = try Self.byKind(Self.differences)
        for (key, details) in all.sorted(by: { $0.key < $1.key }) {
            print("\(key) ×\(details.count)  e.g. \(details.first ?? "")")
        }
        Self.expectExplained(all, by: Self.explained)
        let compared = try FHIRCorpus.scenarioNames.map { scenario in
            try FHIRCorpus.resources(in: FHIRCorpus.scenarios.appendingPathComponent(scenario)).map { try Self.facts($0).count }.reduce(0, +)
        }.reduce(0, +)
        print("oracle (b): \(compared) profiles, codings and values of Nictiz's resources compared; \(all.count) kinds of difference, "
              + "\(all.values.map(\.count).reduce(0, +)) differences")
    }

    @Test("the comparison sees a changed value, a lost coding and a resource not written")
    func comparisonCanFail() throws {
        try #require(TestSupport.corpusPresent)
        let scenario = "med_mij_01_beschikbaarstellen_integrale_zwangerschapskaart/gz-izb-kwa-1-V1_actieve_zwschap"
        let (sent, served) = try FHIROutTests.written(scenario, includeBSN: true)
        let baseline = Set(try Self.differences(sent: sent, served: served).map(\.key))
        var changed = served
        let quantity = try #require(changed.firstIndex { if case .observation(let o) = $0 { o.valueQuantity?.value != nil } else { false } })
        guard case .observation(var o) = changed[quantity] else { return }
        o.valueQuantity?.value = FHIRDecimal("12345.6")
        let codings = Array((o.code?.coding ?? []).dropFirst())
        o.code?.coding = codings
        changed[quantity] = .observation(o)
        let condition = try #require(changed.firstIndex { $0.resourceType == "Condition" })
        changed.remove(at: condition)
        let found = Set(try Self.differences(sent: sent, served: changed).map(\.key)).subtracting(baseline)
        #expect(found.contains("Observation value valueQuantity.value lost"))
        #expect(found.contains("Observation value valueQuantity.value added"))
        #expect(found.contains("Observation coding code.coding lost"))
        #expect(found.contains("Condition unwritten"))
    }

    /// What Perigate writes from the ADA card of a scenario (its own mapping of the national
    /// dataset, not Nictiz's conversion) against Nictiz's FHIR of the same scenario: every
    /// profile, coding and value Perigate writes must be in the counterpart Nictiz wrote (an
    /// observation by its code and time). The ADA mapper reads less than the FHIR folder holds,
    /// so only what Perigate adds counts.
    static func adaDifferences(_ scenario: String) throws -> [(key: String, detail: String)] {
        let record = try ClientRecord.build(from: [try FHIRMappingTests.adaFacts(scenario)])
        let served = FHIRRecordWriter(includeBSN: true).resources(record)
        let sent = try FHIRCorpus.resources(in: FHIRCorpus.scenarios.appendingPathComponent(scenario))
        guard case .bundle(let bundle) = FHIROutTests.bundle(sent) else { return [] }
        let woman = try FHIRBundleRules.woman(in: bundle, index: FHIRBundleRules.referenceIndex(bundle)).id
        var result: [(String, String)] = [("compared", "\(try served.map { try facts($0).count }.reduce(0, +))")]
        for resource in served {
            let theirs: FHIRResource?
            if case .observation(let o) = resource {
                let codes = Set((o.code?.coding ?? []).compactMap(\.code?.value))
                theirs = sent.first { candidate in
                    guard case .observation(let other) = candidate else { return false }
                    return !codes.isDisjoint(with: (other.code?.coding ?? []).compactMap(\.code?.value))
                        && (o.effectiveDateTime == nil || FHIRBundleMapper.date(o.effectiveDateTime) == FHIRBundleMapper.when(other.effectiveDateTime, other.effectivePeriod).0)
                }
            } else {
                theirs = sent.first { counterpart(of: $0, among: sent, in: [resource], woman: woman) != nil }
            }
            guard let theirs else {
                result.append(("\(resource.resourceType) extra", "\(resource.resourceType)/\(resource.id ?? "") \(resource.profiles.first ?? "")"))
                continue
            }
            for fact in try facts(resource).subtracting(try facts(theirs)) {
                result.append(("\(resource.resourceType) \(fact.split(separator: " ").prefix(2).joined(separator: " ")) added", "\(resource.resourceType): \(fact)"))
            }
        }
        return result
    }

    static let adaExplained: [String: String] = [
        "Observation value valueDateTime added": "the due date: Nictiz's test data give another day in the ADA card than in its FHIR (1-V1: T+94D against "
            + "+99; 3B: T+2D against +10), as oracle (a) lists",
        "Patient value name.family added": "her surname: the ADA card gives her own surname (naamgebruik NL1 is not read), Nictiz's FHIR the name "
            + "she uses with her partner's (XXX_Zhanganak-XXX_Visser)",
    ]

    @Test("the ADA card's record as FHIR says only what Nictiz's FHIR of the same scenario says, except the explained")
    func adaRecordAgrees() throws {
        try #require(TestSupport.corpusPresent)
        var all = try Self.byKind(Self.adaDifferences)
        let compared = (all.removeValue(forKey: "compared") ?? []).compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
        print("oracle (b), ADA: \(compared) profiles, codings and values Perigate writes from the ADA cards compared with Nictiz's FHIR")
        #expect(compared > 300)
        for (key, details) in all.sorted(by: { $0.key < $1.key }) { print("ADA \(key) ×\(details.count)  e.g. \(details.first ?? "")") }
        Self.expectExplained(all, by: Self.adaExplained)
    }
}
