import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport

/// Several tasks validate different documents at once against the shared compiled schemas;
/// every result must equal the single-threaded result for the same document.
@Suite("Concurrent validation")
struct ConcurrencyStressTests {
    struct Fingerprint: Hashable, Sendable {
        var outcome: ValidationReport.Outcome
        var kind: String?
        var issues: [String]
        init(_ report: ValidationReport) {
            outcome = report.outcome
            kind = report.kind
            issues = report.issues.map { "\($0.code)|\($0.line ?? -1)|\($0.path ?? "")|\($0.message)" }
        }
    }

    @Test("8 tasks × 300 mixed documents give exactly the sequential results")
    func stress() async throws {
        var documents = (TestSupport.files(in: TestSupport.samples.appendingPathComponent("valid"), extension: "xml")
            + TestSupport.files(in: TestSupport.samples.appendingPathComponent("invalid"), extension: "xml"))
            .map { try! Data(contentsOf: $0) }
        let registry: SchemaRegistry
        if TestSupport.corpusPresent {
            registry = TestSupport.fullRegistry
            for path in ["hl7v3-acute-overdracht/2.1/instances/examples/daphne.xml",
                         "hl7v3-acute-overdracht/2.1/instances/examples/empty.xml",
                         "ada-kernset/2.3/instances/scenarios/scenario3-23.xml",
                         "ada-kernset/2.2/instances/nictiz_test/999.2_Test_NL.xml"] {
                documents.append(try Data(contentsOf: TestSupport.corpus.appendingPathComponent(path)))
            }
        } else {
            registry = TestSupport.ownRegistry
        }
        let validator = TestSupport.validator(registry)
        let expected = documents.map { Fingerprint(validator.validate($0)) }
        #expect(Set(expected.map(\.outcome)).count >= 4, "the mix covers several outcomes")
        let corpus = documents
        let tasks = 8, perTask = 300
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var wrong = 0
                    for iteration in 0..<perTask {
                        let index = (task * 7 + iteration * 13) % corpus.count
                        if Fingerprint(validator.validate(corpus[index])) != expected[index] { wrong += 1 }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
