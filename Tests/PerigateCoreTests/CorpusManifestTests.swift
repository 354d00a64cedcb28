import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport

/// Runs validation over every real Nictiz instance in ../shared/corpus/MANIFEST.tsv and
/// MANIFEST-2026-12.tsv and compares with the manifest's libxml2 (xmllint) verdict, under the
/// version label of the release the message declares. Needs the corpus beside the repo:
/// skipped, visibly, when it is absent (a fresh clone outside CI).
@Suite("Nictiz corpus conformance", .enabled(if: TestSupport.corpusPresent, "../shared/corpus is absent"))
struct CorpusManifestTests {
    typealias Row = CorpusManifest.Row

    static let rows = CorpusManifest.rows

    /// The kind each corpus family is registered as.
    static let kinds = [
        "ada-kernset": "kernset-ada", "hl7v3-kernset": "kernset-hl7v3", "ada-acute-overdracht": "acute-overdracht-ada",
        "hl7v3-acute-overdracht": "acute-overdracht-hl7v3", "hl7v3-jgz-dossieroverdracht": "jgz-dossieroverdracht-hl7v3",
    ]

    static func expectedKind(_ row: Row) -> String {
        if row.family == "ada-zwangerschapskaart" {
            if row.path.contains("/med_mij_kraam_") { return "zwangerschapskaart-kraam-ada" }
            if row.path.contains("/med_mij_echo_") { return "zwangerschapskaart-echo-ada" }
            return "zwangerschapskaart-ada"
        }
        if row.family == "ada-kernset", row.path.contains("/wrapper/") { return "kernset-ada-wrapper" }
        return kinds[row.family] ?? row.family
    }

    @Test("both manifests are read, the 2026-12 one with its new families")
    func manifestsRead() {
        let families = Set(Self.rows.filter { $0.manifest == "MANIFEST-2026-12.tsv" }.map { "\($0.family) \($0.version)" })
        #expect(families.isSuperset(of: ["ada-kernset 2.3.5", "hl7v3-kernset 2.3.5", "hl7v3-jgz-dossieroverdracht 8.0"]))
        #expect(Self.rows.count > 140)
    }

    @Test("instances with a schema get libxml2's verdict (and first error's line) under their own version's label",
          arguments: rows.filter { !$0.schema.isEmpty })
    func withSchema(_ row: Row) throws {
        let expected = CorpusManifest.expectation(for: row)
        let report = TestSupport.validator(TestSupport.fullRegistry).validate(try Data(contentsOf: row.url))
        #expect(report.kind == Self.expectedKind(expected))
        #expect(report.version == expected.packVersion)
        // The release's own XSD: its folder, and the file (the manifest names the 2.2 bare
        // kernset's inner kernset_aanleverbericht.xsd, which ada_kernset_aanleverbericht.xsd wraps).
        let folder = (expected.schema as NSString).deletingLastPathComponent
        let file = (expected.schema as NSString).lastPathComponent
        #expect(report.schema?.contains("/\(folder)/") == true && report.schema?.hasSuffix(file) == true, "schema \(report.schema ?? "-")")
        switch expected.verdict {
        case "valid":
            #expect(report.outcome == .valid, "\(report.errors.map(\.textLine))")
        default:
            #expect(report.outcome == .invalid)
            let expectedLine = expected.firstErrorLine
            #expect(report.errors.first?.line == expectedLine, "first error \(report.errors.first?.textLine ?? "-")")
        }
    }

    @Test("copies of an older release's file in a newer folder are the older release's messages")
    func copiesTakeTheirRelease() throws {
        let copies = Self.rows.filter { CorpusManifest.expectation(for: $0).path != $0.path }
        #expect(Set(copies.map(\.path)) == [
            "ada-kernset/2.3.5/instances/nictiz_test/ada-result.xml", "hl7v3-kernset/2.3.5/instances/nictiz_test/hl7-result.xml",
            "ada-kernset/2.3.5/instances/nictiz_test/voorbeeld-met-wrapper.xml",
        ])
        // The one copy that is not byte-for-byte: it differs from the 2.3 folder's only in the sender's names.
        let newer = try String(contentsOf: TestSupport.corpus.appendingPathComponent("ada-kernset/2.3.5/instances/nictiz_test/voorbeeld-met-wrapper.xml"), encoding: .utf8)
        let older = try String(contentsOf: TestSupport.corpus.appendingPathComponent("ada-kernset/2.3/instances/scenarios/voorbeeld-met-wrapper.xml"), encoding: .utf8)
        let (newLines, oldLines) = (newer.split(separator: "\n"), older.split(separator: "\n"))
        let differing = newLines.difference(from: oldLines).map { change -> String in
            switch change {
            case .insert(_, let line, _), .remove(_, let line, _): return line.trimmingCharacters(in: .whitespaces)
            }
        }
        #expect(!differing.isEmpty)
        #expect(differing.allSatisfy { $0.hasPrefix("<name ") || $0.hasPrefix("<softwareName ") }, "\(differing)")
    }

    @Test("instances without a public schema are recognised under their own version and reported as schema-required",
          arguments: rows.filter { $0.schema.isEmpty })
    func withoutSchema(_ row: Row) throws {
        let expected = CorpusManifest.expectation(for: row)
        let report = TestSupport.validator(TestSupport.fullRegistry).validate(try Data(contentsOf: row.url))
        if row.path.hasSuffix("hl7v3-kernset/2.3.5/instances/nictiz_test/voorkeur-zkh.xml") {
            // A bare subject2 fragment of a kernset message, not a message: refused as an unknown kind.
            #expect(report.outcome == .unsupported)
            #expect(report.issues.first?.code == "message.unknown-kind")
            return
        }
        #expect(report.outcome == .schemaRequired)
        #expect(report.kind == Self.expectedKind(expected))
        #expect(report.version == expected.packVersion)
        let code = report.issues.first { $0.code.hasPrefix("schema.") }?.code
        // JGZ 8.0 has an XSD that is not public (not installed here); the others have none at all.
        #expect(code == (row.family == "hl7v3-jgz-dossieroverdracht" ? "schema.not-installed" : "schema.required"))
    }

    @Test("kernset 2.2 scenario 999.1: care period that ends before it starts is flagged")
    func carePeriodOrder() throws {
        let data = try Data(contentsOf: TestSupport.corpus.appendingPathComponent("ada-kernset/2.2/instances/nictiz_test/999.1_Test_NL.xml"))
        let report = TestSupport.validator(TestSupport.fullRegistry).validate(data)
        #expect(report.outcome == .valid)
        let warning = try #require(report.warnings.first { $0.code == "date.order" })
        #expect(warning.message.contains("2016-07-04T00:00:00"))
        #expect(warning.path?.hasSuffix("datum_einde_zorgverantwoordelijkheid/@value") == true)
    }

    @Test("HL7v3 identifiers are checked by OID: a BSN that fails the elfproef is an error at its id element")
    func hl7BSN() throws {
        let url = TestSupport.corpus.appendingPathComponent("hl7v3-acute-overdracht/2.1/instances/examples/daphne.xml")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains("extension=\"189135293\""))
        let report = TestSupport.validator(TestSupport.fullRegistry)
            .validate(Data(text.replacingOccurrences(of: "extension=\"189135293\"", with: "extension=\"189135294\"").utf8))
        #expect(report.outcome == .invalid)
        let issue = try #require(report.errors.first)
        #expect(issue.code == "bsn.elfproef")
        #expect(issue.message == "BSN (2.16.840.1.113883.2.4.6.3): fails the elfproef (11-check)")
        #expect(issue.path?.hasPrefix("/REPC_IN002120NL/ControlActProcess/subject/") == true)
        #expect(issue.path?.hasSuffix("/patient/id") == true)
    }

    @Test("stale xsi:schemaLocation hints are ignored and nothing is fetched")
    func schemaLocationIgnored() throws {
        let url = TestSupport.corpus.appendingPathComponent("ada-kernset/2.3/instances/scenarios/scenario1-23.xml")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains("noNamespaceSchemaLocation"))
        let report = TestSupport.validator(TestSupport.fullRegistry).validate(Data(text.utf8))
        #expect(report.kind == "kernset-ada")
        #expect(report.version == "2.3.4")
    }
}
