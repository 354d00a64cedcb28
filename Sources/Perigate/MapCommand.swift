import ArgumentParser
import Foundation
import PerigateCore
import PerigateDrivers

/// `perigate map FILE...`: the canonical facts of each valid message, as JSON.
struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Print the canonical facts of each message as JSON (messages must be valid).",
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
    }

    func run() throws {
        let registry = try schemaOptions.loadRegistry()
        let validator = MessageValidator(registry: registry, parser: SafeXMLParser(maximumBytes: schemaOptions.maximumBytes))
        let mapper = CanonicalMapper(registry: registry)
        let reader = MessageFileReader(maximumBytes: schemaOptions.maximumBytes)
        var results: [FileResult] = []
        for file in files {
            do {
                switch try mapper.read(try reader.read(file), validator: validator) {
                case .mapped(let facts):
                    results.append(FileResult(file: file, facts: facts))
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
