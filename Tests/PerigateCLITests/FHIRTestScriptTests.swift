import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import PerigateCore
import PerigateFHIR
import PerigateTestSupport

/// Nictiz's own MedMij certification TestScripts for the XIS-Server role of Geboortezorg 2, run by
/// `scripts/testscript_runner.py` (Python, fhirpathpy for the FHIRPath assertions) against a real
/// `perigate serve` on 127.0.0.1 holding the `_reference` patients: loaded as FHIR Bundles by a
/// partner, each woman with a fictitious BSN and a client-portal token (`perigate
/// client-credential add`) in place of the MedMij OAuth token.
@Suite("FHIR: Nictiz's XIS-Server TestScripts against perigate serve", .enabled(if: TestSupport.corpusPresent, "../shared/corpus is absent"))
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

    @Test("every XIS-Server TestScript (json and xml) passes: each assertion passed, or not evaluable with the reason")
    func testScripts() async throws {
        guard let python = Self.python else {
            #expect(!Self.required, "PERIGATE_REQUIRE_PYTHON=1 but PERIGATE_PYTHON is not set")
            return
        }
        var tokens: [String: String] = [:]
        let server = try ServeProcess.start(extraArguments: ["--max-bytes", "4000000"]) { db in
            for patient in Self.patients {
                let added = try CLITests.run(["client-credential", "add", "--db", db, "--bsn", patient.bsn])
                #expect(added.status == 0, "\(added.output)")
                tokens[patient.variable] = try "Bearer " + #require(added.output.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
            }
        }
        defer { server.killIfRunning() }
        let pool = try Self.patients.flatMap(\.folders).flatMap { try FHIRCorpus.resources(in: FHIRCorpus.references.appendingPathComponent($0)) }
        for patient in Self.patients {
            for (index, folder) in patient.folders.enumerated() {
                let own = try FHIRCorpus.resources(in: FHIRCorpus.references.appendingPathComponent(folder))
                // What the folder refers to in the other folders (Nictiz loads them all into one server).
                let extra = FHIRCorpus.closure(of: own, from: pool)
                // What no folder holds (her children, one organisation), made from the references' displays.
                let made = try FHIRCorpus.completion(of: own + extra)
                let bundle = try FHIRCorpus.bundle(FHIRCorpus.references.appendingPathComponent(folder), bsn: patient.bsn, format: .json,
                                                   lastUpdated: "2026-11-2\(index + 1)T10:00:00+01:00",
                                                   identifier: "urn:uuid:\(UUID().uuidString.lowercased())", extra: extra + made)
                var request = server.request("POST", "v1/messages", body: bundle)
                request.setValue("application/fhir+json", forHTTPHeaderField: "Content-Type")
                let (body, response) = try await URLSession.shared.data(for: request)
                #expect((response as? HTTPURLResponse)?.statusCode == 202, "\(folder): \(String(decoding: body.prefix(500), as: UTF8.self))")
            }
        }
        let directory = try TestSupport.temporaryDirectory()
        let tokenFile = directory.appendingPathComponent("tokens.json"), reportFile = directory.appendingPathComponent("report.json")
        try JSONEncoder().encode(tokens).write(to: tokenFile)
        let scripts = TestSupport.files(in: TestSupport.corpus.appendingPathComponent("nictiz-testscripts/geboortezorg-2/XIS-Server"), extension: "xml")
        #expect(scripts.count == 10)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [TestSupport.root.appendingPathComponent("scripts/testscript_runner.py").path, "--base", "http://127.0.0.1:\(server.port)/fhir/stu3",
                             "--tokens", tokenFile.path, "--report", reportFile.path] + scripts.map(\.path)
        #expect(try await TestSupport.run(process) == 0)
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
        // Every assertion of the scripts is counted once, and none fails: what is not passed is
        // not evaluable, and only for the reason the runner gives (profile validation).
        let assertions = try scripts.map { try String(contentsOf: $0, encoding: .utf8).components(separatedBy: "<assert>").count - 1 }.reduce(0, +)
        #expect(assertions == 2_274)
        #expect(totals.values.reduce(0, +) == assertions)
        #expect(failures.isEmpty, "\(failures.count) assertions failed")
        #expect(totals["passed"] == assertions - (totals["not-evaluable"] ?? 0))
        let reasons = Set(report.values.flatMap { ($0["results"] as? [[String: String]] ?? []).filter { $0["outcome"] == "not-evaluable" }.compactMap { $0["detail"] } })
        #expect(reasons == ["profile validation needs the Java FHIR validator with package nictiz.fhir.nl.stu3.geboortezorg 1.3.3"])
    }
}
