import Foundation
@testable import PerigateCore
import PerigateFHIR
import PerigateTestSupport
import Testing

/// Her record as FHIR: what `FHIRRecordWriter` makes of every scenario, checked by an
/// implementation no one here wrote (Python `fhir.resources` STU3, oracle (c)), and compared with
/// Nictiz's own resources (profiles, codings, values).
@Suite("FHIR out: her record as STU3 resources")
struct FHIROutTests {
    static let python = ProcessInfo.processInfo.environment["PERIGATE_PYTHON"]
    static let required = ProcessInfo.processInfo.environment["PERIGATE_REQUIRE_PYTHON"] == "1"

    /// The record the scenario's Bundle gives, written back as resources.
    static func written(_ scenario: String, includeBSN: Bool) throws -> (sent: [FHIRResource], served: [FHIRResource]) {
        let (facts, _) = try FHIRMappingTests.fhirFacts(scenario, format: .json)
        let record = try ClientRecord.build(from: [facts])
        return (try FHIRCorpus.resources(in: FHIRCorpus.scenarios.appendingPathComponent(scenario)),
                FHIRRecordWriter(includeBSN: includeBSN).resources(record))
    }

    static func bundle(_ resources: [FHIRResource]) -> FHIRResource {
        var bundle = FHIR.Bundle()
        bundle.type = "collection"
        bundle.entry = resources.map { resource in
            var entry = FHIR.Bundle.Entry()
            entry.fullUrl = FHIRURI("https://perigate.test/fhir/stu3/\(resource.resourceType)/\(resource.id ?? "")")
            entry.resource = resource
            return entry
        }
        return .bundle(bundle)
    }

    @Test("oracle (c): every scenario's record, as a JSON and an XML Bundle, is valid for Python fhir.resources (STU3)")
    func validForFHIRResources() async throws {
        try #require(TestSupport.corpusPresent)
        guard let python = Self.python else {
            #expect(!Self.required, "PERIGATE_REQUIRE_PYTHON=1 but PERIGATE_PYTHON is not set")
            return
        }
        let directory = try TestSupport.temporaryDirectory()
        var files: [String] = []
        for (index, scenario) in FHIRCorpus.scenarioNames.enumerated() {
            for includeBSN in [false, true] {
                let bundle = Self.bundle(try Self.written(scenario, includeBSN: includeBSN).served)
                for format in FHIRFormat.allCases {
                    let url = directory.appendingPathComponent("s\(index)-\(includeBSN ? "partner" : "client").\(format.rawValue)")
                    try FHIRCodec.write(bundle, format: format).write(to: url)
                    files.append(url.path)
                }
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [TestSupport.root.appendingPathComponent("scripts/fhir_check.py").path] + files
        let output = Pipe()
        process.standardOutput = output
        // The answer is a few kB (one line per file): it fits the pipe while the process runs.
        #expect(try await TestSupport.run(process) == 0)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let results = try JSONDecoder().decode([String: String].self, from: data)
        #expect(results.count == files.count)
        let failures = results.filter { $0.value != "ok" }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
    }

    @Test("every statement comes back as the resource it came from: type, id, profiles, code and value codings", arguments: FHIRCorpus.scenarioNames)
    func statementsComeBack(_ scenario: String) throws {
        try #require(TestSupport.corpusPresent)
        let (sent, served) = try Self.written(scenario, includeBSN: false)
        let clinical = sent.filter { ["Observation", "Condition", "Procedure", "Encounter", "DiagnosticReport", "ReferralRequest"].contains($0.resourceType) }
        for original in clinical {
            let back = served.first { $0.resourceType == original.resourceType && $0.id == original.id }
            #expect(back != nil, "\(original.resourceType)/\(original.id ?? "")")
            #expect(back?.profiles == original.profiles)
            if case .observation(let o)? = Optional(original), case .observation(let b)? = back {
                #expect(b.code?.coding?.first?.code?.value == o.code?.coding?.first(where: { $0.code?.value != nil })?.code?.value)
                #expect(b.valueQuantity?.value?.value.flatMap(NationalReader.canonicalDecimal) == o.valueQuantity?.value?.value.flatMap(NationalReader.canonicalDecimal))
                #expect(b.valueCodeableConcept?.coding?.first?.code?.value == o.valueCodeableConcept?.coding?.first?.code?.value)
                #expect(b.component?.count == o.component?.count)
            }
        }
    }
}
