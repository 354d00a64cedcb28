import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport

/// Runs validation over every real Nictiz instance in ../shared/corpus/MANIFEST.tsv and
/// compares with the manifest's libxml2 (xmllint) verdict. Needs the corpus beside the repo:
/// skipped, visibly, when it is absent (a fresh clone outside CI).
@Suite("Nictiz corpus conformance", .enabled(if: TestSupport.corpusPresent, "../shared/corpus is absent"))
struct CorpusManifestTests {
    typealias Row = CorpusManifest.Row

    static let rows = CorpusManifest.rows

    @Test("instances with a schema get the manifest's verdict (and the first error's line)",
          arguments: rows.filter { !$0.schema.isEmpty })
    func withSchema(_ row: Row) throws {
        let report = TestSupport.validator(TestSupport.fullRegistry)
            .validate(try Data(contentsOf: TestSupport.corpus.appendingPathComponent(row.path)))
        #expect(report.version == row.version)
        #expect(report.schema?.hasSuffix(row.schema.components(separatedBy: "/").last!) == true, "schema \(report.schema ?? "-")")
        switch row.verdict {
        case "valid":
            #expect(report.outcome == .valid, "\(report.errors.map(\.textLine))")
        default:
            #expect(report.outcome == .invalid)
            let expectedLine = Int(row.firstError.prefix { $0.isNumber })
            #expect(report.errors.first?.line == expectedLine, "first error \(report.errors.first?.textLine ?? "-")")
        }
    }

    @Test("instances without a public schema are recognised and reported as schema-required",
          arguments: rows.filter { $0.schema.isEmpty })
    func withoutSchema(_ row: Row) throws {
        let report = TestSupport.validator(TestSupport.fullRegistry)
            .validate(try Data(contentsOf: TestSupport.corpus.appendingPathComponent(row.path)))
        #expect(report.outcome == .schemaRequired)
        #expect(report.version == row.version)
        #expect(report.kind == (row.family.hasPrefix("hl7v3-kernset") ? "kernset-hl7v3" : "acute-overdracht-ada"))
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
        #expect(report.version == "2.3")
    }
}
