import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport
import PerigateXML

/// The semantic checks the national schemas cannot make (docs/national-standards.md, "Checks"):
/// impossible values are errors, implausible ones warnings, the care period order a warning.
@Suite("National standards: semantic checks", .enabled(if: TestSupport.corpusPresent, "../shared/corpus is absent"))
struct NationalChecksTests {
    static func report(_ path: String, replacing old: String, with new: String) throws -> ValidationReport {
        let text = try String(contentsOf: TestSupport.corpus.appendingPathComponent(path), encoding: .utf8)
        #expect(text.contains(old), "\(path) no longer contains \(old)")
        return TestSupport.validator(TestSupport.fullRegistry).validate(Data(text.replacingOccurrences(of: old, with: new).utf8))
    }

    static let kernset23 = "ada-kernset/2.3/instances/scenarios/scenario1-23.xml"
    static let acute = "hl7v3-acute-overdracht/2.1/instances/examples/daphne.xml"

    @Test("birth weight: impossible is an error, implausible a warning, usual passes (ADA and HL7v3)", arguments: [
        (kernset23, #"value="3450" unit="gram""#, #"value="9000" unit="gram""#, "value.impossible", ValidationIssue.Severity.error),
        (kernset23, #"value="3450" unit="gram""#, #"value="6400" unit="gram""#, "value.implausible", .warning),
        (acute, #"value="3320" unit="g""#, #"value="40" unit="g""#, "value.impossible", .error),
        (acute, #"value="3320" unit="g""#, #"value="250" unit="g""#, "value.implausible", .warning),
    ])
    func birthWeight(_ path: String, _ old: String, _ new: String, _ code: String, _ severity: ValidationIssue.Severity) throws {
        let report = try Self.report(path, replacing: old, with: new)
        let issue = try #require(report.issues.first { $0.code.hasPrefix("value.") })
        #expect(issue.code == code && issue.severity == severity)
        #expect(issue.message.hasPrefix("birth weight"))
        #expect(report.outcome == (severity == .error ? .invalid : .valid))
        #expect(try Self.report(path, replacing: old, with: old).issues.filter { $0.code.hasPrefix("value.") }.isEmpty)
    }

    @Test("a pregnancy duration beyond 45 weeks is impossible; beyond 43 weeks implausible", arguments: [
        (kernset23, #"value="59" unit="d""#, #"value="330" unit="d""#, "value.impossible"),
        (acute, #"value="283" unit="d""#, #"value="305" unit="d""#, "value.implausible"),
    ])
    func duration(_ path: String, _ old: String, _ new: String, _ code: String) throws {
        let issue = try #require(try Self.report(path, replacing: old, with: new).issues.first { $0.code.hasPrefix("value.") })
        #expect(issue.code == code)
        #expect(issue.message.contains("pregnancy duration") && issue.message.contains("days"))
    }

    @Test("a child's BSN is held to the elfproef in ADA too")
    func childBSN() throws {
        let report = try Self.report(Self.kernset23, replacing: #"value="999910383""#, with: #"value="999910384""#)
        #expect(report.outcome == .invalid)
        #expect(report.errors.first?.code == "bsn.elfproef")
        #expect(report.errors.first?.path?.hasSuffix("bsn_kind/@value") == true)
    }

    @Test("the HL7v3 kernset, once an operator installs its schema, gets the care-period check as a warning")
    func hl7CarePeriod() throws {
        let type = try #require(TestSupport.fullRegistry.messageTypes.first { $0.kind == "kernset-hl7v3" && $0.version == "2.2" })
        let text = try String(contentsOf: TestSupport.corpus.appendingPathComponent("hl7v3-kernset/2.2/instances/nictiz_test/999.1_Test_NL.xml"),
                              encoding: .utf8)
        guard case .document(let document) = SafeXMLParser().parse(Data(text.utf8)) else { Issue.record("does not parse"); return }
        let issues = SemanticChecker(type: type, today: TestSupport.today).check(document)
        let order = try #require(issues.first { $0.code == "date.order" })
        #expect(order.severity == .warning)
        #expect(order.message.hasPrefix("care period"))
    }
}
