import ArgumentParser
import Foundation
import PerigateCore
import PerigateSQLite

/// `perigate record FILE...`: merge messages into client records and print them as JSON.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Merge messages (in creation-time order) into one record per client and print it as JSON.",
        discussion: "Invalid messages are refused (exit status 1) and named on standard error; nothing is merged then.")

    @OptionGroup var schemaOptions: SchemaOptions

    @Flag(name: .customLong("no-history"), help: "Leave superseded values out (conflicts stay).")
    var noHistory = false

    @Option(help: "Show the record as this partner type may receive it (verloskundigenpraktijk, ziekenhuis, kraamzorg, jgz, huisarts).")
    var view: String?

    @Option(help: "View policy file (default: views.json in the schema directory).")
    var views: String?

    @Argument(help: "Message files; '-' reads standard input.")
    var files: [String]

    func run() throws {
        let registry = try schemaOptions.loadRegistry()
        let policy = try view.map { _ in
            do {
                return try ViewPolicy.load(views ?? (schemaOptions.ownDirectory as NSString).appendingPathComponent("views.json"))
            } catch let error as CatalogError {
                throw ValidationError("cannot load the view policy: \(error)")
            }
        }
        let validator = try schemaOptions.validator(registry)
        let mapper = CanonicalMapper(validator: validator)
        let reader = MessageFileReader(maximumBytes: schemaOptions.maximumBytes)
        var facts: [MessageFacts] = []
        var failures: [String] = []
        for file in files {
            do {
                switch try mapper.read(try reader.read(file), validator: validator) {
                case .mapped(let mapped):
                    facts.append(mapped)
                case .rejected(let report):
                    failures.append("\(file): not valid (\(report.outcome.rawValue)): "
                                    + report.errors.map(\.textLine).joined(separator: "; "))
                }
            } catch {
                failures.append("\(file): \(error)")
            }
        }
        guard failures.isEmpty else {
            FileHandle.standardError.write(Data((failures.joined(separator: "\n") + "\n").utf8))
            throw ExitCode(1)
        }
        let records = try Dictionary(grouping: facts, by: \.client.bsn).keys.sorted().map { bsn in
            var record = try ClientRecord.build(from: facts.filter { $0.client.bsn == bsn })
            if let policy, let view { record = try policy.view(record, for: view) }
            return noHistory ? record.withoutHistory() : record
        }
        print(try CanonicalJSON.string(records))
    }
}
