import Foundation
import Testing
@testable import PerigateCore
import PerigateFHIR
import PerigateTestSupport
import PerigateServer

/// Nictiz's own MedMij certification TestScripts for the XIS-Server role of Geboortezorg 2, run by
/// `scripts/testscript_runner.py` (Python, fhirpathpy for the FHIRPath assertions) against a real
/// gateway on 127.0.0.1 holding the `_reference` patients: loaded as FHIR Bundles by a partner,
/// each woman with a fictitious BSN and a client-portal token in place of the MedMij OAuth token.
@Suite("FHIR: Nictiz's XIS-Server TestScripts", .enabled(if: TestSupport.corpusPresent, "../shared/corpus is absent"))
struct FHIRTestScriptTests {
    static let python = ProcessInfo.processInfo.environment["PERIGATE_PYTHON"]
    static let required = ProcessInfo.processInfo.environment["PERIGATE_REQUIRE_PYTHON"] == "1"

    /// Each TestScript patient: the token variable, her fictitious BSN, and the reference folders
    /// that are her pregnancies (Leonie's second pregnancy's folder holds no Patient: hers is in the first).
    static let patients: [(variable: String, bsn: String, folders: [String])] = [
        ("patient-token-KIMXXX-Zhanganak", "999911004", ["Kraam-Casus1"]),
        ("patient-token-LINDAXXX-Hollanders", "999911016", ["Kraam-Casus2"]),
        ("patient-token-L-XXX-Osse", "999911028", ["Echo-Casus1", "Echo-Casus2"]),
        ("patient-token-M-XXX-Kooijman", "999911041", ["Echo-Casus3"]),
    ]

    // Not yet in the run: Nictiz's reference patients refer to five resources that no folder holds
    // (Patient/JORISXXX-Zhanganak, Patient/LISAXXX-Hollanders, Organization/2-16-839-1-113883-2-4-6-108004321 and two
    // absolute PractitionerRole URLs), which Perigate's Bundle rule (`fhir.reference`) refuses. Next step of issue 23.
    @Test("every XIS-Server TestScript (json and xml) runs; its assertions are counted: passed, failed, not evaluable with the reason",
          .disabled("the reference patients refer to resources no folder holds; the harness does not yet complete them"))
    func testScripts() async throws {
        guard let python = Self.python else {
            #expect(!Self.required, "PERIGATE_REQUIRE_PYTHON=1 but PERIGATE_PYTHON is not set")
            return
        }
        let gateway = try await TestGateway.start(limits: GatewayServer.Configuration(maximumBodyBytes: 4_000_000),
                                                  validator: TestSupport.validator(TestSupport.fullRegistry, maximumBytes: 4_000_000))
        var tokens: [String: String] = [:]
        let pool = try Self.patients.flatMap(\.folders).flatMap { try FHIRCorpus.resources(in: FHIRCorpus.references.appendingPathComponent($0)) }
        for patient in Self.patients {
            for (index, folder) in patient.folders.enumerated() {
                let url = FHIRCorpus.references.appendingPathComponent(folder)
                // What the folder refers to in the other folders (Nictiz loads them all into one server).
                let extra = FHIRCorpus.closure(of: try FHIRCorpus.resources(in: url), from: pool)
                let bundle = try FHIRCorpus.bundle(url, bsn: patient.bsn, format: .json, lastUpdated: "2026-11-2\(index + 1)T10:00:00+01:00",
                                                   identifier: "urn:uuid:\(UUID().uuidString.lowercased())", extra: extra)
                let posted = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, contentType: "application/fhir+json", body: bundle)
                #expect(posted.status == 202, "\(folder): \(posted.text.prefix(500))")
            }
            tokens[patient.variable] = "Bearer " + (try await FHIRIngestTests.portalToken(gateway, bsn: patient.bsn))
        }
        let directory = try TestSupport.temporaryDirectory()
        let tokenFile = directory.appendingPathComponent("tokens.json"), reportFile = directory.appendingPathComponent("report.json")
        try JSONEncoder().encode(tokens).write(to: tokenFile)
        let scripts = TestSupport.files(in: TestSupport.corpus.appendingPathComponent("nictiz-testscripts/geboortezorg-2/XIS-Server"), extension: "xml")
        #expect(scripts.count == 10)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [TestSupport.root.appendingPathComponent("scripts/testscript_runner.py").path, "--base", gateway.base.absoluteString + "fhir/stu3",
                             "--tokens", tokenFile.path, "--report", reportFile.path] + scripts.map(\.path)
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: reportFile)) as? [String: [String: Any]] ?? [:]
        #expect(report.count == 10)
        var totals: [String: Int] = [:]
        var failures: [String] = []
        for (_, script) in report {
            for (outcome, count) in script["counts"] as? [String: Int] ?? [:] { totals[outcome, default: 0] += count }
            for result in script["results"] as? [[String: String]] ?? [] where result["outcome"] == "failed" || result["outcome"] == "warning" {
                failures.append("\(result["test"] ?? ""): \(result["assertion"]?.prefix(120) ?? "") — \(result["detail"]?.prefix(160) ?? "")")
            }
        }
        print("TestScripts: \(totals.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        for failure in failures.sorted() { print("  " + failure) }
        try? FileManager.default.copyItem(at: reportFile, to: URL(fileURLWithPath: ProcessInfo.processInfo.environment["PERIGATE_TEST_OUTPUT"] ?? NSTemporaryDirectory())
            .appendingPathComponent("testscript-report.json"))
        // Every assertion is counted once: 2,304 in the ten scripts (see docs/fhir.md for the split).
        #expect(totals.values.reduce(0, +) == 2_304)
        #expect((totals["passed"] ?? 0) > 0)
        try await gateway.stop()
    }
}
