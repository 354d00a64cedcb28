import ArgumentParser
import Foundation
import PerigateCore
import PerigateSQLite
import PerigateXML

/// `perigate validate FILE...`: detect, validate and report each message.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate messages: kind/version detection, XSD and semantic checks.",
        discussion: "Exit status: 0 when every file is valid, 1 when any is not, 64 on usage errors."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var schemaOptions: SchemaOptions

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Argument(help: "Message files; '-' reads standard input.")
    var files: [String]

    func run() throws {
        let registry = try schemaOptions.loadRegistry()
        let validator = MessageValidator(registry: registry, parser: SafeXMLParser(maximumBytes: schemaOptions.maximumBytes))
        let reader = MessageFileReader(maximumBytes: schemaOptions.maximumBytes)
        var results: [FileResult] = []
        for file in files {
            do {
                results.append(FileResult(file: file, report: validator.validate(try reader.read(file)), error: nil))
            } catch {
                results.append(FileResult(file: file, report: nil, error: String(describing: error)))
            }
        }
        try print(render(results))
        if !results.allSatisfy({ $0.report?.isValid == true }) {
            throw ExitCode(1)
        }
    }

    /// One file's result in the JSON output.
    struct FileResult: Encodable {
        var file: String
        var report: ValidationReport?
        var error: String?
    }

    private func render(_ results: [FileResult]) throws -> String {
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(results), as: UTF8.self)
        case .text:
            return results.flatMap { result in
                result.report?.textLines(source: result.file) ?? ["\(result.file): ERROR \(result.error ?? "")"]
            }.joined(separator: "\n")
        }
    }
}
