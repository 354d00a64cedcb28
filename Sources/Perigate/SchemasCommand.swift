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
        /// The XSD in use, or the place in the pack it is missing from.
        var schema: String?
        /// `installed`, `not installed` or `no public XSD`.
        var installation: String
        var root: String
    }

    func run() throws {
        let registry = try schemaOptions.loadRegistry()
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(Self.rows(registry)), as: UTF8.self))
        case .text:
            print(Self.table(registry))
        }
    }

    static func rows(_ registry: SchemaRegistry) -> [Row] {
        registry.messageTypes.map { type in
            let (installation, schema): (String, String?) = switch type.installation {
            case .installed(let path): ("installed", path)
            case .notInstalled: ("not installed", type.entry.schema?.paths.first)
            case .noPublicSchema: ("no public XSD", nil)
            }
            return Row(catalog: type.catalogName, kind: type.kind, version: type.version, status: type.status.rawValue,
                       schema: schema, installation: installation, root: rootLabel(type.entry.match))
        }
    }

    /// What is installed and what is missing, one row per kind and version: `perigate schemas`
    /// prints it, and `serve` at start-up.
    static func table(_ registry: SchemaRegistry) -> String {
        let header: [[String]] = [["CATALOG", "KIND", "VERSION", "STATUS", "XSD", "ROOT", "FILE"]]
        let body: [[String]] = rows(registry).map { row in
            [row.catalog, row.kind, row.version, row.status, row.installation, row.root, row.schema ?? "-"]
        }
        return TextTable.render(header + body)
    }

    private static func rootLabel(_ match: Catalog.Match) -> String {
        var label = (match.namespace ?? "").isEmpty ? match.root : "{\(match.namespace!)}\(match.root)"
        if let versie = match.versie { label += " versie=\(versie)" }
        if let interaction = match.interactionId, interaction != match.root { label += " interaction=\(interaction)" }
        if let template = match.templateId { label += " template=\(template)" }
        if let transaction = match.transaction { label += " transaction=\(transaction)" }
        if let apps = match.app { label += " app=\(apps.joined(separator: "|"))" }
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
