import Foundation
@testable import PerigateCore
import PerigateFHIR
import PerigateTestSupport
import PerigateXML
import Testing

/// FHIR Bundles of the pregnancy card into canonical facts, and the first oracle: for every shared
/// scenario, the ADA file and Nictiz's FHIR folder (as one Bundle) give the same canonical facts
/// wherever both say something.
@Suite("FHIR mapping: pregnancy-card Bundles into canonical facts")
struct FHIRMappingTests {
    static let mapper = CanonicalMapper(registry: TestSupport.fullRegistry, referenceDate: FHIRCorpus.reference)
    static let validator = TestSupport.validator(TestSupport.fullRegistry)

    /// The ADA scenario's facts (mapped although most instances drift from their XSD).
    static func adaFacts(_ scenario: String) throws -> MessageFacts {
        let data = try Data(contentsOf: FHIRCorpus.adaFile(scenario))
        guard case .document(let document) = validator.parser.parse(data) else { throw MappingError(code: "test", message: "no parse") }
        var report = validator.validate(document)
        report.outcome = .valid
        return try mapper.map(document, report: report, raw: data)
    }

    static func fhirFacts(_ scenario: String, format: FHIRFormat) throws -> (MessageFacts, ValidationReport) {
        let bsn = try adaFacts(scenario).client.bsn
        let bundle = try FHIRCorpus.bundle(FHIRCorpus.scenarios.appendingPathComponent(scenario), bsn: bsn, format: format, identifier: scenario)
        switch try mapper.read(bundle, validator: validator) {
        case .mapped(let facts): return (facts, ValidationReport(outcome: .valid))
        case .rejected(let report): throw MappingError(code: "test", message: "\(scenario): \(report.issues.prefix(5).map { "\($0.code) \($0.path ?? "") \($0.message)" })")
        }
    }

    @Test("every scenario folder as a JSON and an XML Bundle maps, with one statement per clinical resource",
          arguments: FHIRCorpus.scenarioNames)
    func scenarioMaps(_ scenario: String) throws {
        try #require(TestSupport.corpusPresent)
        let resources = try FHIRCorpus.resources(in: FHIRCorpus.scenarios.appendingPathComponent(scenario))
        let clinical = resources.filter { ["Observation", "Condition", "Procedure", "Encounter", "DiagnosticReport", "ReferralRequest"].contains($0.resourceType) }
        let (json, _) = try Self.fhirFacts(scenario, format: .json)
        let (xml, _) = try Self.fhirFacts(scenario, format: .xml)
        #expect(json == xml, "the two formats give the same facts")
        #expect(json.provenance.kind == "fhir-stu3" && json.provenance.version == "3.0.2" && json.provenance.messageId == scenario)
        #expect(json.client.bsn == (try Self.adaFacts(scenario)).client.bsn)
        #expect((json.findings?.statements ?? []).count == clinical.count)
        #expect(Set((json.findings?.statements ?? []).map(\.id)) == Set(clinical.compactMap(\.id)))
        let record = try ClientRecord.build(from: [json])
        #expect(record.pregnancies.first?.findings.statements?.count == clinical.count)
        // The published canonical schema describes the statements too.
        let factsErrors = CanonicalSchemaTests.errors(try JSONValue.from(json), ["$ref": .string("#/$defs/MessageFacts")])
        let recordErrors = CanonicalSchemaTests.errors(try JSONValue.from(record), ["$ref": .string("#/$defs/ClientRecord")])
        #expect(factsErrors == [])
        #expect(recordErrors == [])
    }

    /// Every difference between the two renderings of a scenario, by path, and why it is there.
    static let reasons: [String: String] = [
        "carePeriod.organisation": "Nictiz's FHIR rendering names neither a managing organisation nor a care manager for the pregnancy; "
            + "the ADA mapper gives the care period to the card's first care provider",
        "pregnancy.dossierId": "the ADA card carries no episode number; Nictiz's conversion generated one for the EpisodeOfCare",
        "pregnancy.dueDate": "Nictiz's test data: the two renderings give another day (1-V1: T+94D against +99; 3B: T+2D against +10), "
            + "or the due date is an ultrasound finding outside zwangerschapsgegevens, which the ADA mapper does not read (3A, echo)",
        "pregnancy.dueDateMethod": "the ADA names the method by its dataset code, the FHIR rendering by another coding "
            + "(NullFlavor OTH 'Anders', or the SNOMED concept), or only FHIR has a due date (see pregnancy.dueDate)",
        "careTeam.persons": "Nictiz's test data: in 3B the ADA professional has no given name, the FHIR one is 'Eduard'",
    ]

    /// The differing paths per scenario (each with its reason above).
    static let explained: [String: Set<String>] = [
        "med_mij_01_beschikbaarstellen_integrale_zwangerschapskaart/gz-izb-kwa-1-V1_actieve_zwschap":
            ["carePeriod.organisation", "pregnancy.dueDate", "pregnancy.dueDateMethod"],
        "med_mij_01_beschikbaarstellen_integrale_zwangerschapskaart/gz-izb-kwa-2-V1_vorige_zwschap": ["carePeriod.organisation", "pregnancy.dueDateMethod"],
        "med_mij_01_beschikbaarstellen_integrale_zwangerschapskaart/gz-izb-kwa-3A-V2_meerling_1elijn":
            ["carePeriod.organisation", "pregnancy.dueDate", "pregnancy.dueDateMethod"],
        "med_mij_01_beschikbaarstellen_integrale_zwangerschapskaart/gz-izb-kwa-3B-V2_meerling_2elijn":
            ["carePeriod.organisation", "pregnancy.dueDate", "pregnancy.dueDateMethod", "careTeam.persons"],
        "med_mij_echo_beschikbaarstellen/gz-ize-kwa-casus1": ["carePeriod.organisation", "pregnancy.dossierId", "pregnancy.dueDate", "pregnancy.dueDateMethod"],
        "med_mij_echo_beschikbaarstellen/gz-ize-kwa-casus2": ["carePeriod.organisation", "pregnancy.dossierId", "pregnancy.dueDate", "pregnancy.dueDateMethod"],
        "med_mij_echo_beschikbaarstellen/gz-ize-kwa-casus3": ["carePeriod.organisation", "pregnancy.dossierId", "pregnancy.dueDate", "pregnancy.dueDateMethod"],
        "med_mij_kraam_beschikbaarstellen/gz-izk-kwa-casus1": ["pregnancy.dossierId"],
        "med_mij_kraam_beschikbaarstellen/gz-izk-kwa-casus2": ["carePeriod.organisation", "pregnancy.dossierId"],
    ]

    @Test("oracle (a): ADA and FHIR of each scenario give the same facts where both say something", arguments: FHIRCorpus.scenarioNames)
    func adaAgreesWithFHIR(_ scenario: String) throws {
        try #require(TestSupport.corpusPresent)
        let ada = try Self.adaFacts(scenario)
        let (fhir, _) = try Self.fhirFacts(scenario, format: .json)
        let differences = Self.differences(ada, fhir)
        let paths = Set(differences.map { String($0.prefix { $0 != ":" }) })
        #expect(paths == Self.explained[scenario] ?? [], "\(scenario): \(differences)")
        #expect(paths.allSatisfy { Self.reasons[$0] != nil })
    }

    @Test("her insurer and her contact person are read from the ADA card and from FHIR (Coverage, RelatedPerson) alike")
    func insuranceAndContacts() throws {
        try #require(TestSupport.corpusPresent)
        let scenario = "med_mij_kraam_beschikbaarstellen/gz-izk-kwa-casus1"
        for facts in [try Self.adaFacts(scenario), try Self.fhirFacts(scenario, format: .xml).0] {
            let insurance = facts.client.insurance
            #expect(insurance?.insurer == "Veilige Haven Verzekeringen")
            #expect(insurance?.uzovi == "1000")
            #expect(insurance?.start == "2024-01-01")
            #expect(insurance?.end == "2025-12-31")
            let contact = facts.client.contactPersons?.first
            #expect(facts.client.contactPersons?.count == 1)
            #expect(contact?.givenNames == "Toon")
            #expect(contact?.surname == "XXX_Visser")
            #expect(contact?.relationship?.code == "HUSB")
            #expect(FHIRCodeSystems.normalised(contact?.relationship?.system) == "http://hl7.org/fhir/v3/RoleCode")
        }
    }

    /// The canonical values both mappers read, path by path; a path only one side has is listed too.
    static func differences(_ ada: MessageFacts, _ fhir: MessageFacts) -> [String] {
        var found: [String] = []
        func compare<T: Equatable>(_ path: String, _ a: T?, _ b: T?) {
            if a != b { found.append("\(path): ADA \(a.map { "\($0)" } ?? "-") FHIR \(b.map { "\($0)" } ?? "-")") }
        }
        compare("client.bsn", ada.client.bsn, fhir.client.bsn)
        compare("client.givenNames", ada.client.givenNames, fhir.client.givenNames)
        compare("client.initials", ada.client.initials, fhir.client.initials)
        compare("client.surnamePrefix", ada.client.surnamePrefix, fhir.client.surnamePrefix)
        compare("client.surname", ada.client.surname, fhir.client.surname)
        compare("client.birthDate", ada.client.birthDate, fhir.client.birthDate)
        compare("client.address", ada.client.address, fhir.client.address)
        // Codes by code and code system, whichever way each format names the system (OID or URI).
        let code = { (value: CodedValue?) in value.map { "\(FHIRCodeSystems.normalised($0.system) ?? "")|\($0.code)" } }
        let insurance = { (facts: MessageFacts) in facts.client.insurance.map { i in
            [i.insurer, i.uzovi, i.policyNumber, code(i.kind), i.start, i.end].map { $0 ?? "-" }.joined(separator: " ")
        } }
        compare("client.insurance", insurance(ada), insurance(fhir))
        let contacts = { (facts: MessageFacts) in (facts.client.contactPersons ?? []).map { c in
            [c.givenNames, c.initials, c.surnamePrefix, c.surname, code(c.relationship), c.phone].map { $0 ?? "-" }.joined(separator: " ")
        } }
        compare("client.contactPersons", contacts(ada), contacts(fhir))
        compare("pregnancy.dossierId", ada.pregnancy?.dossierId, fhir.pregnancy?.dossierId)
        compare("pregnancy.gravidity", ada.pregnancy?.gravidity, fhir.pregnancy?.gravidity)
        compare("pregnancy.parity", ada.pregnancy?.parity, fhir.pregnancy?.parity)
        compare("pregnancy.dueDate", ada.pregnancy?.dueDate, fhir.pregnancy?.dueDate)
        compare("pregnancy.dueDateMethod", ada.pregnancy?.dueDateMethod, fhir.pregnancy?.dueDateMethod)
        compare("carePeriod.start", ada.carePeriod?.start, fhir.carePeriod?.start)
        compare("carePeriod.end", ada.carePeriod?.end, fhir.carePeriod?.end)
        compare("carePeriod.organisation", ada.carePeriod?.organisation, fhir.carePeriod?.organisation)
        let organisations = { (facts: MessageFacts) in Set(facts.careTeam.organisations.map { "\($0.ura ?? "")|\($0.agb ?? "")|\($0.name ?? "")" }) }
        compare("careTeam.organisations", organisations(ada).sorted(), organisations(fhir).sorted())
        let persons = { (facts: MessageFacts) in Set(facts.careTeam.persons.map { "\($0.uzi ?? "")|\($0.agb ?? "")|\($0.name ?? "")" }) }
        compare("careTeam.persons", persons(ada).sorted(), persons(fhir).sorted())
        let pressures = { (facts: MessageFacts) in (facts.findings?.bloodPressure ?? []).map { "\($0.time ?? "") \($0.systolic ?? 0)/\($0.diastolic ?? 0)" }.sorted() }
        compare("findings.bloodPressure", pressures(ada), pressures(fhir))
        return found
    }
}
