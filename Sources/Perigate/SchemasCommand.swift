import ArgumentParser
import Foundation
import PerigateCore

/// `perigate schemas`: list every registered kind and version.
struct SchemasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schemas",
        abstract: "List the schema catalog: kind, version, status, XSD.")

    @OptionGroup var schemaOptions: SchemaOptions

    @Option(help: "Output format: text or json.")
    var format: ValidateCommand.Format = .text

    /// One row of the listing.
    struct Row: Encodable {
        var catalog: String
        var kind: String
        var version: String
        var status: String
        var schema: String?
        var root: String
    }

    func run() throws {
        let registry = try schemaOptions.loadRegistry()
        let rows = registry.messageTypes.map { type in
            Row(catalog: type.catalogName, kind: type.kind, version: type.version, status: type.displayStatus,
                schema: type.schema?.path ?? type.entry.schema, root: rootLabel(type.entry.match))
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        case .text:
            let table = [["CATALOG", "KIND", "VERSION", "STATUS", "ROOT", "XSD"]]
                + rows.map { [$0.catalog, $0.kind, $0.version, $0.status, $0.root, $0.schema ?? "-"] }
            print(TextTable.render(table))
        }
    }

    private func rootLabel(_ match: Catalog.Match) -> String {
        var label = (match.namespace ?? "").isEmpty ? match.root : "{\(match.namespace!)}\(match.root)"
        if let versie = match.versie { label += " versie=\(versie)" }
        if let interaction = match.interactionId, interaction != match.root { label += " interaction=\(interaction)" }
        if let template = match.templateId { label += " template=\(template)" }
        return label
    }
}

/// Left-aligned columns for terminal output.
enum TextTable {
    static func render(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
