import ArgumentParser
import Foundation
import PerigateCore
import PerigateSQLite

/// `perigate map FILE...`: the canonical facts of each valid message, as JSON.
struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Print the canonical facts of each message as JSON (messages must be valid, or recognised when their schema is not installed).",
        discussion: "Exit status: 0 when every file was mapped, 1 otherwise (the reason is printed per file).")

    @OptionGroup var schemaOptions: SchemaOptions

    @Argument(help: "Message files; '-' reads standard input.")
    var files: [String]

    /// One file's result.
    struct FileResult: Encodable {
        var file: String
        var facts: MessageFacts?
        var error: String?
        var issues: [ValidationIssue]?
        /// Set when the message was mapped without schema validation (its schema is not installed).
        var warning: String?
    }

    func run() throws {
        let registry = try schemaOptions.loadRegistry()
        let validator = try schemaOptions.validator(registry)
        let mapper = CanonicalMapper(validator: validator)
        let reader = MessageFileReader(maximumBytes: schemaOptions.maximumBytes)
        var results: [FileResult] = []
        for file in files {
            do {
                let bytes = try reader.read(file)
                switch try mapper.read(bytes, validator: validator, allowSchemaRequired: true) {
                case .mapped(let facts):
                    results.append(FileResult(file: file, facts: facts, warning: facts.provenance.schemaValidated == false
                        ? "mapped without schema validation: no schema for \(facts.provenance.kind) \(facts.provenance.version) is installed" : nil))
                case .rejected(let report):
                    results.append(FileResult(file: file, error: "not valid (\(report.outcome.rawValue))", issues: report.errors))
                }
            } catch {
                results.append(FileResult(file: file, error: String(describing: error)))
            }
        }
        print(try CanonicalJSON.string(results))
        if results.contains(where: { $0.facts == nil }) { throw ExitCode(1) }
    }
}
