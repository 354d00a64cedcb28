import ArgumentParser
import Foundation
import PerigateCore
import PerigateSQLite

/// `perigate record FILE...` (``Merge``, the default) and `perigate record rebuild`.
struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Merge messages into client records (default), or rebuild the gateway's stored records.",
        subcommands: [Merge.self, Rebuild.self], defaultSubcommand: Merge.self)
}

extension RecordCommand {
    /// `perigate record [merge] FILE...`: merge messages into client records and print them as JSON.
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Merge messages (in creation-time order) into one record per client and print it as JSON.",
            discussion: "Invalid messages are refused (exit status 1) and named on standard error; nothing is merged then. A recognised national message whose XSD is not installed is merged as `perigate map` reads it: without schema validation, said on standard error and flagged in its provenance (schemaValidated: false).")

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
                    switch try mapper.read(try reader.read(file), validator: validator, allowSchemaRequired: true) {
                    case .mapped(let mapped):
                        if mapped.provenance.schemaValidated == false {
                            FileHandle.standardError.write(Data("\(file): merged without schema validation: no schema for \(mapped.provenance.kind) \(mapped.provenance.version) is installed\n".utf8))
                        }
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
}

extension RecordCommand {
    /// `perigate record rebuild [--check]`: re-derives every client's stored index and record
    /// from her raw messages (after a mapper change, or a partner's new LVR id); `--check` only
    /// reports the clients whose stored rows differ (exit status 1 when any does).
    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-derive the stored client records from the raw messages (--check: only report differences).",
            discussion: "Clients are named by masked reference (bsn:******123), never by BSN. One audit line records the run.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var schemaOptions: SchemaOptions
        @Flag(help: "Compare only: write nothing, exit with status 1 when a stored record differs.")
        var check = false

        func run() async throws {
            let validator = try schemaOptions.validator(try schemaOptions.loadRegistry())
            let differences = try await database.withStore { store in
                let records = ClientRecords(store: store, validator: validator, partners: store)
                let (clients, differences) = try await records.rebuildAll(check: check)
                let counts = ["missing", "index", "record", "facts", "unreadable"].map { part in
                    "\(part) \(differences.filter { $0.parts.contains(part) }.count)"
                }.joined(separator: ", ")
                try await store.appendAudit([AuditEntry(time: Date().formatted(.iso8601), actor: "operator:cli",
                                                        event: check ? "record.rebuild-check" : "record.rebuild", action: check ? "R" : "U",
                                                        object: "records", outcome: "success",
                                                        detail: "\(clients) clients, \(differences.count) differed (\(counts))")])
                for difference in differences {
                    print("\(Receipt.maskedReference(bsn: difference.bsn)): \(difference.parts.joined(separator: ", "))")
                }
                print("\(clients) clients, \(differences.count) \(check ? "differ" : "rebuilt") (\(counts))")
                return differences
            }
            if check, !differences.isEmpty { throw ExitCode(1) }
        }
    }
}
