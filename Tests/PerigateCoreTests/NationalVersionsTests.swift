import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport
import PerigateXML

/// Versions told apart (each entry matches only its own release), packs that grow (appended
/// vendor packs, XSDs that are present or not), over the real Nictiz corpus.
@Suite("National standards: versions and packs", .enabled(if: TestSupport.corpusPresent, "../shared/corpus is absent"))
struct NationalVersionsTests {
    static let kernset235 = TestSupport.corpus.appendingPathComponent("ada-kernset/2.3.5/instances/kernset_geboortezorg/scenario1-23.xml")

    /// The 2.3.5 scenario as a 2.3.6 message (`app="perinatologie-236"`): a release the project's pack does not know.
    static func as236() throws -> Data {
        let text = try String(contentsOf: kernset235, encoding: .utf8)
        #expect(text.contains("app=\"perinatologie-235\""))
        return Data(text.replacingOccurrences(of: "app=\"perinatologie-235\"", with: "app=\"perinatologie-236\"").utf8)
    }

    /// A pack file written in the test (no code): `entries` is its JSON array.
    static func pack(_ entries: String, name: String = "vendor") throws -> String {
        let file = try TestSupport.temporaryDirectory().appendingPathComponent("\(name).json")
        try Data(#"{"name": "\#(name)", "entries": \#(entries)}"#.utf8).write(to: file)
        return file.path
    }

    static let projectSources: [CatalogSource] = [.directory(TestSupport.schemas), .pack(TestSupport.packFile, schemaDirectory: TestSupport.corpus.path)]

    @Test("a release no entry covers is unsupported-version naming what it declares and the supported releases, never another release's XSD")
    func unknownRelease() throws {
        let report = TestSupport.validator(TestSupport.fullRegistry).validate(try Self.as236())
        #expect(report.outcome == .unsupported)
        #expect(report.kind == "kernset-ada")
        #expect(report.schema == nil)
        let issue = try #require(report.issues.first)
        #expect(issue.code == "message.unsupported-version")
        #expect(issue.message == #"unsupported version app="perinatologie-236" of kernset-ada; supported versions: 2.2, 2.3.4, 2.3.5"#)
    }

    @Test("a decoy transaction in adaxml/meta (unchecked by the XSD) does not choose the release")
    func decoyInMeta() throws {
        let text = String(decoding: try Self.as236(), as: UTF8.self)
        let decoy = text.replacingOccurrences(of: "<data>", with: #"<meta><kernset_geboortezorg app="perinatologie-235"/></meta><data>"#)
        #expect(decoy != text)
        let report = TestSupport.validator(TestSupport.fullRegistry).validate(Data(decoy.utf8))
        #expect(report.outcome == .unsupported)
        #expect(report.schema == nil)
        #expect(report.issues.first?.message.contains(#"app="perinatologie-236""#) == true)
    }

    @Test("what a message declares is quoted in the error bounded and without its quotes or control characters")
    func declarationQuoted() throws {
        let text = try String(contentsOf: Self.kernset235, encoding: .utf8)
        let hostile = String(repeating: "x", count: 200) + "&quot;&#10;"
        let report = TestSupport.validator(TestSupport.fullRegistry)
            .validate(Data(text.replacingOccurrences(of: "app=\"perinatologie-235\"", with: "app=\"\(hostile)\"").utf8))
        let message = try #require(report.issues.first?.message)
        #expect(message.contains("app=\"" + String(repeating: "x", count: 64) + "…\""))
        #expect(!message.contains("\n") && message.count < 200)
    }

    @Test("a catalog's transaction and template id must be a name and an OID: they go into XPath")
    func catalogNamesChecked() throws {
        for match in [#"{"root": "adaxml", "transaction": "x' or '1'='1"}"#, #"{"root": "R", "templateId": "1.2'] | //*[@a='"}"#] {
            let file = try Self.pack(#"[{"kind": "v", "version": "1", "status": "active", "match": \#(match)}]"#)
            let error = try #require(throws: CatalogError.self) { try SchemaRegistry.load([.pack(file, schemaDirectory: "/nonexistent")]) }
            #expect(error.code == "catalog.invalid")
        }
    }

    @Test("a vendor pack appended after the project's adds a release without code, and is used")
    func appendedPack() throws {
        let vendor = try Self.pack("""
        [{"kind": "kernset-ada", "version": "2.3.6", "status": "active",
          "match": {"root": "adaxml", "transaction": "kernset_geboortezorg", "app": ["perinatologie-236"]},
          "schema": ["ada_2_hl7/peri/2.3.6/kernset_geboortezorg/ada_schemas/ada_kernset_geboortezorg.xsd",
                     "ada-kernset/2.3.5/schemas/ada_schemas/ada_kernset_geboortezorg.xsd"],
          "mapper": "kernset-ada.v2_3"}]
        """)
        let registry = try SchemaRegistry.load(Self.projectSources + [.pack(vendor, schemaDirectory: TestSupport.corpus.path)])
        let validator = TestSupport.validator(registry)
        let report = validator.validate(try Self.as236())
        #expect(report.kind == "kernset-ada")
        #expect(report.version == "2.3.6")
        #expect(report.outcome == .valid, "\(report.errors.map(\.textLine))")
        #expect(report.schema?.hasSuffix("ada-kernset/2.3.5/schemas/ada_schemas/ada_kernset_geboortezorg.xsd") == true)
        guard case .mapped(let facts) = try CanonicalMapper(registry: registry, referenceDate: "2020-01-01").read(try Self.as236(), validator: validator) else {
            Issue.record("the 2.3.6 message was not mapped")
            return
        }
        #expect(facts.provenance.kind == "kernset-ada")
        #expect(facts.provenance.version == "2.3.6")
        // The releases the project's pack covers keep their own labels beside it.
        #expect(validator.validate(try Data(contentsOf: Self.kernset235)).version == "2.3.5")
    }

    @Test("a pack entry that claims a release another entry claims is a load error naming both, whatever the order")
    func duplicateClaim() throws {
        let vendor = try Self.pack("""
        [{"kind": "kernset-ada-vendor", "version": "2.3.5", "status": "active",
          "match": {"root": "adaxml", "transaction": "kernset_geboortezorg", "app": ["perinatologie-235", "perinatologie-236"]}}]
        """)
        for sources in [Self.projectSources + [.pack(vendor, schemaDirectory: "/nonexistent")],
                        [.pack(vendor, schemaDirectory: "/nonexistent")] + Self.projectSources] {
            let error = try #require(throws: CatalogError.self) { try SchemaRegistry.load(sources) }
            #expect(error.code == "catalog.duplicate")
            #expect(error.message.contains("kernset-ada 2.3.5"))
            #expect(error.message.contains("kernset-ada-vendor 2.3.5"))
        }
        // The same kind and version from a second catalog file is refused too, whatever its name.
        let again = try Self.pack("""
        [{"kind": "kernset-ada", "version": "2.3.5", "status": "active",
          "match": {"root": "adaxml", "transaction": "kernset_geboortezorg", "app": ["perinatologie-299"]}}]
        """, name: "nictiz-perinatal")
        let error = try #require(throws: CatalogError.self) {
            try SchemaRegistry.load(Self.projectSources + [.pack(again, schemaDirectory: "/nonexistent")])
        }
        #expect(error.message == "kernset-ada 2.3.5 is declared again; it is already declared by catalog 'nictiz-perinatal'")
    }

    @Test("two entries whose template conditions both hold for one message: detection refuses it naming both")
    func ambiguousAtDetection() throws {
        let vendor = try Self.pack("""
        [{"kind": "kernset-hl7v3-vendor", "version": "1.0", "status": "active",
          "match": {"root": "REPC_IN004014NL", "namespace": "urn:hl7-org:v3", "interactionId": "REPC_IN004014NL",
                    "templateId": "2.16.840.1.113883.2.4.6.10.90.900118"}}]
        """)
        let registry = try SchemaRegistry.load(Self.projectSources + [.pack(vendor, schemaDirectory: "/nonexistent")])
        let message = TestSupport.corpus.appendingPathComponent("hl7v3-kernset/2.3.5/instances/kernset_geboortezorg/scenario1-23.xml")
        let report = TestSupport.validator(registry).validate(try Data(contentsOf: message))
        #expect(report.outcome == .unsupported)
        let issue = try #require(report.issues.first)
        #expect(issue.code == "message.ambiguous-version")
        #expect(issue.message.contains("kernset-hl7v3 2.3 (catalog 'nictiz-perinatal') and kernset-hl7v3-vendor 1.0 (catalog 'vendor')"))
    }

    @Test("a pack over a directory with only some XSDs loads them, in the Nictiz repository layout, and reports the rest as not installed")
    func partialPack() throws {
        // An operator's unpacked HL7-mappings release holding only kernset 2.3.5.
        let directory = try TestSupport.temporaryDirectory()
        let nictiz = directory.appendingPathComponent("ada_2_hl7/peri/2.3.5/kernset_geboortezorg")
        try FileManager.default.createDirectory(at: nictiz, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestSupport.corpus.appendingPathComponent("ada-kernset/2.3.5/schemas/ada_schemas"),
                                         to: nictiz.appendingPathComponent("ada_schemas"))
        let registry = try SchemaRegistry.load([.directory(TestSupport.schemas), .pack(TestSupport.packFile, schemaDirectory: directory.path)])
        let national = registry.messageTypes.filter { $0.catalogName == "nictiz-perinatal" }
        let installed = national.filter { if case .installed = $0.installation { return true } else { return false } }
        #expect(installed.map(\.label) == ["kernset-ada 2.3.5"])
        #expect(installed.first?.schema?.path == nictiz.appendingPathComponent("ada_schemas/ada_kernset_geboortezorg.xsd").path)
        let missing = national.filter { if case .notInstalled = $0.installation { return true } else { return false } }
        #expect(missing.contains { $0.label == "kernset-ada 2.3.4" })
        #expect(missing.contains { $0.label == "jgz-dossieroverdracht-hl7v3 8.0" })
        let lookedFor = try #require(missing.first { $0.label == "kernset-ada 2.3.4" }?.missingSchema)
        #expect(lookedFor == [directory.appendingPathComponent("ada-kernset/2.3/schemas/ada_schemas/ada_kernset_geboortezorg.xsd").path,
                              directory.appendingPathComponent("ada_2_hl7/peri/2_3/kernset_geboortezorg/ada_schemas/ada_kernset_geboortezorg.xsd").path])
        #expect(national.contains { $0.installation == .noPublicSchema && $0.label == "kernset-hl7v3 2.3" })

        let validator = TestSupport.validator(registry)
        #expect(validator.validate(try Data(contentsOf: Self.kernset235)).outcome == .valid)
        let older = validator.validate(try Data(contentsOf: TestSupport.corpus.appendingPathComponent("ada-kernset/2.3/instances/scenarios/scenario1-23.xml")))
        #expect(older.outcome == .schemaRequired)
        #expect(older.version == "2.3.4")
        let issue = try #require(older.issues.first)
        #expect(issue.code == "schema.not-installed")
        // Named by its place in the pack, not by the gateway's own directories.
        #expect(issue.message == "the XSD for kernset-ada 2.3.4 is not installed on this gateway: ada-kernset/2.3/schemas/ada_schemas/ada_kernset_geboortezorg.xsd (catalog 'nictiz-perinatal'); the operator must add it to the pack's schema directory")
        #expect(!issue.message.contains(directory.path))
    }

    @Test("Perigate's own catalog directory still fails start-up on a missing XSD")
    func ownCatalogStrict() throws {
        let directory = try TestSupport.temporaryDirectory()
        try Data(#"{"name": "own", "entries": [{"kind": "t", "version": "1.0", "status": "active", "match": {"root": "t"}, "schema": ["a.xsd", "b/a.xsd"]}]}"#.utf8)
            .write(to: directory.appendingPathComponent("catalog.json"))
        let error = try #require(throws: CatalogError.self) { try SchemaRegistry.load([.directory(directory.path)]) }
        #expect(error.code == "schema.missing")
    }

    @Test("JGZ 8.0 (REPC_IN902120NL04) is recognised as 8.0 and mapped like 7.0, with the documents 8.0 appends")
    func jgz80() throws {
        let url = TestSupport.corpus.appendingPathComponent("hl7v3-jgz-dossieroverdracht/8.0/instances/hl7_instance/DOB-4.0.0-KWAL_versturen_hl7.xml")
        let validator = TestSupport.validator(TestSupport.fullRegistry)
        guard case .mapped(let facts) = try CanonicalMapper(registry: TestSupport.fullRegistry).read(try Data(contentsOf: url), validator: validator, allowSchemaRequired: true) else {
            Issue.record("JGZ 8.0 was not mapped")
            return
        }
        #expect(facts.provenance.kind == "jgz-dossieroverdracht-hl7v3")
        #expect(facts.provenance.version == "8.0")
        #expect(facts.client.bsn == "999901795")
        #expect(facts.events.map(\.type) == ["jgz-dossier-transfer"])
        #expect(facts.attachments.map(\.title) == ["Verwijsbrief", "Integraal dossier JGZ"])
        #expect(facts.attachments.allSatisfy { $0.mimeType == "application/pdf" && ($0.bytes ?? 0) > 1000 })
        // 7.0 has no appended documents in the corpus: same mapper, no attachments.
        let seven = TestSupport.corpus.appendingPathComponent("hl7v3-jgz-dossieroverdracht/7.0/instances/hl7_instance/DOB-3.0.0-CR_test_JGZ-rubriek_R010_hl7.xml")
        guard case .mapped(let older) = try CanonicalMapper(registry: TestSupport.fullRegistry).read(try Data(contentsOf: seven), validator: validator) else {
            Issue.record("JGZ 7.0 was not mapped")
            return
        }
        #expect(older.provenance.version == "7.0")
        #expect(older.attachments.isEmpty)
    }

    @Test("the 3.2.6 pregnancy card (ADA: integrated card, maternity care, ultrasound) maps into her record, every corpus instance",
          arguments: CorpusManifest.rows.filter { $0.family == "ada-zwangerschapskaart" })
    func pregnancyCard(_ row: CorpusManifest.Row) throws {
        let data = try Data(contentsOf: row.url)
        let validator = TestSupport.validator(TestSupport.fullRegistry)
        guard case .document(let document) = validator.parser.parse(data) else { throw MappingError(code: "test", message: "no parse") }
        var report = validator.validate(document)
        #expect(report.kind?.hasPrefix("zwangerschapskaart") == true && report.version == "3.2.6")
        // Mapping, not validation: most of Nictiz's instances drift from their own XSD.
        report.outcome = .valid
        let facts = try CanonicalMapper(registry: TestSupport.fullRegistry, referenceDate: "2020-01-01").map(document, report: report, raw: data)
        let text = String(decoding: data, as: UTF8.self)
        let bsn = try #require(text.firstMatch(of: /identificatienummer value="(\d{9})"\s+root="2.16.840.1.113883.2.4.6.3"/).map { String($0.1) })
        #expect(facts.client.bsn == bsn)
        #expect(facts.provenance.kind == report.kind && facts.events.isEmpty)
        // Every provider the card names by name is in her care team (the "no card" case names none).
        #expect(facts.careTeam.organisations.isEmpty == !text.contains("<organisatie_naam value="))
    }

    @Test("the integrated card of scenario 1 (active pregnancy): her, the dossier, gravidity, parity, due date, provider, blood pressures")
    func pregnancyCardValues() throws {
        let url = TestSupport.corpus.appendingPathComponent(
            "ada-zwangerschapskaart/3.2.6/med_mij_01_beschikbaarstellen_integrale_zwangerschapskaart/instances/gz-izb-kwa-1-V1_actieve_zwschap.xml")
        let validator = TestSupport.validator(TestSupport.fullRegistry)
        let data = try Data(contentsOf: url)
        guard case .document(let document) = validator.parser.parse(data) else { throw MappingError(code: "test", message: "no parse") }
        var report = validator.validate(document)
        report.outcome = .valid
        let facts = try CanonicalMapper(registry: TestSupport.fullRegistry, referenceDate: "2020-01-01").map(document, report: report, raw: data)
        #expect(facts.client.bsn == "999900717")
        #expect(facts.client.givenNames == "Hanna" && facts.client.surname == "XXX_Kooij" && facts.client.birthDate == "1985-10-18")
        #expect(facts.client.address == Address(street: "Knolweg", houseNumber: "1002", postcode: "9999ZZ", city: "STITSWERD"))
        #expect(facts.pregnancy?.dossierId == "5465498897")
        #expect(facts.pregnancy?.gravidity == 3 && facts.pregnancy?.parity == 1)
        #expect(facts.pregnancy?.dueDate == "2020-04-04")  // T+94D from 2020-01-01
        #expect(facts.carePeriod?.start == "2019-08-15")   // T-139D
        #expect(facts.provenance.sender == OrganisationRef(agb: "08001234", name: "Verloskundigenpraktijk 't Groen"))
        #expect(facts.careTeam.persons.first?.agb == nil || facts.careTeam.persons.first?.name != nil)
        #expect(facts.findings?.bloodPressure.map { [$0.systolic, $0.diastolic] } == [[133, 89], [155, 97]])
        #expect(facts.findings?.bloodPressure.first?.time == "2019-08-15")
        // It builds into her record.
        #expect(try ClientRecord.build(from: [facts]).bsn == "999900717")
    }
}
