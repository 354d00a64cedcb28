import Foundation
import PerigateCore
import PerigateXML

/// The core entry point as ingest runs it: detect + parse + validate + map (+ record). Every
/// input must end in a structured outcome; the invariants below turn a wrong one into a crash
/// that libFuzzer reports and keeps.
///
/// Environment: `PERIGATE_FUZZ_SCHEMAS` (default `Schemas`), `PERIGATE_FUZZ_PACK`
/// (`PACK.json=DIR`, e.g. the Nictiz pack over ../shared/corpus), `PERIGATE_FUZZ_MAP_INVALID=1`
/// (also map documents whose kind is known but that failed validation: hardening beyond ingest).
struct FuzzPipeline: Sendable {
    let validator: MessageValidator
    let mapper: CanonicalMapper
    let mapInvalid: Bool

    static let shared: FuzzPipeline = {
        let environment = ProcessInfo.processInfo.environment
        var sources: [CatalogSource] = [.directory(environment["PERIGATE_FUZZ_SCHEMAS"] ?? "Schemas")]
        if let pack = environment["PERIGATE_FUZZ_PACK"] { sources.append(.parse(pack)) }
        do {
            let registry = try SchemaRegistry.load(sources)
            var validator = MessageValidator(registry: registry, parser: SafeXMLParser(maximumBytes: 1 << 20))
            validator.referenceDate = "2020-01-01"
            return FuzzPipeline(validator: validator, mapper: CanonicalMapper(validator: validator),
                                mapInvalid: environment["PERIGATE_FUZZ_MAP_INVALID"] == "1")
        } catch {
            fatalError("cannot load schemas for fuzzing: \(error)")
        }
    }()

    func run(_ data: Data) {
        switch validator.parser.parse(data) {
        case .rejected(let issues):
            precondition(!issues.isEmpty, "a rejection names its reason")
        case .document(let document):
            let report = validator.validate(document)
            precondition(report.isValid == report.errors.isEmpty || report.outcome == .schemaRequired,
                         "valid exactly when there is no error: \(report.outcome) with \(report.errors.count) errors")
            precondition((try? JSONEncoder().encode(report)) != nil, "every report encodes")
            if report.isValid {
                record(try? mapper.map(document, report: report, raw: data))
            } else if mapInvalid, report.kind != nil, report.version != nil {
                var forced = report
                forced.outcome = .valid
                forced.issues = []
                record(try? mapper.map(document, report: forced, raw: data))
            }
        }
    }

    /// A mapped message becomes a record and canonical JSON, as the client file does.
    private func record(_ facts: MessageFacts?) {
        guard let facts else { return }
        if let record = try? ClientRecord.build(from: [facts]) {
            precondition((try? CanonicalJSON.data(record)) != nil, "every record encodes")
        }
    }
}
