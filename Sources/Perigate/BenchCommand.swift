import ArgumentParser
import Foundation
import PerigateCore
import PerigateSQLite
import PerigateXML

/// `perigate bench …`: benchmarks that print figures (never run as CI assertions).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print figures.",
        subcommands: [BenchValidateCommand.self, BenchIngestCommand.self, BenchDeliverCommand.self, BenchRecordCommand.self])
}

/// `perigate bench validate FILE... [--threads N] [--seconds S]`.
struct BenchValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validation throughput per file: documents/s and MB/s.")

    @OptionGroup var schemaOptions: SchemaOptions

    @Option(help: "Validating threads (the compiled schemas are shared).")
    var threads: Int = 1

    @Option(help: "Seconds to measure per file.")
    var seconds: Double = 3

    @Option(help: "Validate exactly N documents per thread instead of running for --seconds (for valgrind instruction counts).")
    var iterations: Int?

    @Flag(help: "Skip the catalog's semantic checks: parse, detection and XSD only (to compare with xmllint).")
    var skipSemanticChecks = false

    @Argument(help: "Message files to validate repeatedly.")
    var files: [String]

    func run() throws {
        let registry = try schemaOptions.loadRegistry()
        var validator = MessageValidator(registry: registry, parser: SafeXMLParser(maximumBytes: schemaOptions.maximumBytes))
        validator.runsSemanticChecks = !skipSemanticChecks
        let reader = MessageFileReader(maximumBytes: schemaOptions.maximumBytes)
        let bench = ValidationBenchmark(validator: validator, threads: threads, seconds: seconds, iterations: iterations)
        print(TextTable.render([["FILE", "BYTES", "THREADS", "OUTCOME", "DOCS", "DOCS/S", "MB/S", "µS/DOC"]]
            + files.map { file in
                let name = (file as NSString).lastPathComponent
                guard let data = try? reader.read(file) else { return [name, "-", "-", "unreadable", "-", "-", "-", "-"] }
                let result = bench.run(name: name, data: data)
                return [name, "\(result.bytes)", "\(result.threads)", result.outcome.rawValue, "\(result.documents)",
                        String(format: "%.0f", result.documentsPerSecond), String(format: "%.1f", result.megabytesPerSecond),
                        String(format: "%.1f", result.microsecondsPerDocument)]
            }))
    }
}
