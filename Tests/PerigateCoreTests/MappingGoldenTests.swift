import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport

/// Every valid sample maps to exactly the canonical JSON stored next to it
/// (`Samples/valid/X.expected.json`). To regenerate after an intended change, run the tests with
/// PERIGATE_UPDATE_GOLDENS=1 and review the diff before committing.
@Suite("Canonical mapping goldens")
struct MappingGoldenTests {
    static let valid = TestSupport.files(in: TestSupport.samples.appendingPathComponent("valid"), extension: "xml")

    static func facts(_ url: URL) throws -> MessageFacts {
        try TestSupport.facts(url)
    }

    @Test("valid sample maps to its golden canonical JSON", arguments: valid)
    func golden(_ file: URL) throws {
        let actual = try CanonicalJSON.string(Self.facts(file)) + "\n"
        let golden = file.deletingPathExtension().appendingPathExtension("expected.json")
        if ProcessInfo.processInfo.environment["PERIGATE_UPDATE_GOLDENS"] == "1" {
            try actual.write(to: golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(actual == expected)
    }

    @Test("absent stays absent: a message without delivery, children or consent has none")
    func absentStaysAbsent() throws {
        let facts = try Self.facts(TestSupport.samples.appendingPathComponent("valid/kraamzorgoverdracht-1-prenataal.xml"))
        #expect(facts.delivery == nil)
        #expect(facts.children.isEmpty)
        #expect(facts.consents.isEmpty)
        #expect(facts.client.email == nil)
        #expect(facts.pregnancy?.plannedPlaceOfBirth == "poliklinisch")
        #expect(facts.postpartum?.indicatedHours == 49)
    }

    @Test("a child without a BSN is identified through the mother's BSN")
    func childIdentity() throws {
        let withoutBSN = try Self.facts(TestSupport.samples.appendingPathComponent("valid/jgzoverdracht-2-signalen.xml"))
        #expect(withoutBSN.children.map(\.identifiedBy) == ["mother-bsn"])
        #expect(withoutBSN.children.first?.bsn == nil)
        let withBSN = try Self.facts(TestSupport.samples.appendingPathComponent("valid/jgzoverdracht-1-eenling.xml"))
        #expect(withBSN.children.first?.bsn == "999990093")
        #expect(withBSN.children.first?.weights.map(\.grams) == [3290, 3175, 3420])
    }

    @Test("invalid messages are not mapped")
    func invalidNotMapped() throws {
        let validator = TestSupport.validator()
        let url = TestSupport.samples.appendingPathComponent("invalid/verwijzing-bsn-elfproef.xml")
        guard case .document(let document) = validator.parser.parse(try Data(contentsOf: url)) else { return }
        let error = try #require(throws: MappingError.self) {
            try CanonicalMapper(registry: TestSupport.ownRegistry).map(document, report: validator.validate(document))
        }
        #expect(error.code == "mapping.not-valid")
    }
}

/// Later versions map into the same canonical model: what an older version lacks stays absent.
@Suite("Schema evolution: upcasting into one model")
struct SchemaEvolutionTests {
    static func facts(_ name: String) throws -> MessageFacts {
        try MappingGoldenTests.facts(TestSupport.samples.appendingPathComponent("valid/\(name)"))
    }

    @Test("verwijzing 1.1 adds VIL indications and the interpreter need; 1.0 has them absent")
    func verwijzing11() throws {
        let old = try Self.facts("verwijzing-1-hypertensie-regulier.xml")
        let new = try Self.facts("verwijzing-3-vil-indicatie-v1.1.xml")
        #expect(old.events.first?.indications == nil)
        #expect(old.client.interpreter == nil)
        #expect(new.provenance.version == "1.1")
        #expect(new.events.first?.indications == [Indication(code: "3.2", category: "B", display: "Zwangerschapshypertensie")])
        #expect(new.client.interpreter == InterpreterNeed(language: "ar", kind: "tolkentelefoon"))
        // Everything else maps the same way.
        #expect(new.events.first?.reasons == old.events.first?.reasons)
        #expect(new.findings == old.findings)
        #expect(new.obstetricHistory == old.obstetricHistory)
    }

    @Test("phbaanmelding 2.0 consent per category upcasts to the same consent record")
    func phb20() throws {
        let old = try Self.facts("phbaanmelding-1-psychosociaal.xml")
        let new = try Self.facts("phbaanmelding-3-per-categorie-v2.0.xml")
        let oldConsent = try #require(old.consents.first)
        let newConsent = try #require(new.consents.first)
        #expect(newConsent.scope == oldConsent.scope)
        #expect(newConsent.scope == ["contactgegevens", "zwangerschap", "kwetsbaarheid"])
        #expect(newConsent.refusedScope == ["medisch"])
        #expect(oldConsent.refusedScope == nil)
        #expect(new.signals == old.signals)
        #expect(new.events.map(\.type) == ["phb-referral"])
    }
}
