import ArgumentParser
import Foundation
import PerigateCore
import PerigateXML

/// Where the catalogs come from; shared by every command that validates.
///
/// Precedence: flags > environment (`PERIGATE_SCHEMA_DIR`, `PERIGATE_SCHEMAS`) > defaults.
struct SchemaOptions: ParsableArguments {
    @Option(name: .customLong("schema-dir"),
            help: "Perigate's own schema directory with catalog.json (default: $PERIGATE_SCHEMA_DIR, ./Schemas, Schemas beside or above the executable, /usr/local/share/perigate/Schemas, /usr/share/perigate/Schemas, /opt/perigate/Schemas).")
    var schemaDirectory: String?

    @Option(name: .customLong("schemas"),
            help: ArgumentHelp("Extra catalog: DIR (holding catalog.json) or CATALOG.json=DIR (a pack whose XSD paths are relative to DIR). Repeatable; also $PERIGATE_SCHEMAS, ':'-separated.",
                               valueName: "DIR | CATALOG=DIR"))
    var extra: [String] = []

    @Option(name: .customLong("max-bytes"), help: "Largest accepted message in bytes.")
    var maximumBytes: Int = SafeXMLParser.defaultMaximumBytes

    @Option(name: .customLong("reference-date"),
            help: ArgumentHelp("The day relative ADA test dates (T-306D, T-39Y) count from, e.g. 2020-01-01 for the kernset 2.3 test files (default: $PERIGATE_REFERENCE_DATE; none: such dates do not map).",
                               valueName: "yyyy-mm-dd"))
    var referenceDate: String?

    /// The reference date from the flag or `$PERIGATE_REFERENCE_DATE`, checked.
    func checkedReferenceDate() throws -> String? {
        guard let value = referenceDate ?? ProcessInfo.processInfo.environment["PERIGATE_REFERENCE_DATE"] else { return nil }
        guard NationalDate.isReferenceDay(value) else {
            throw ValidationError("reference date '\(value)' is not a calendar date yyyy-mm-dd")
        }
        return value
    }

    /// A validator for these options (size limit, reference date).
    func validator(_ registry: SchemaRegistry) throws -> MessageValidator {
        var validator = MessageValidator(registry: registry, parser: SafeXMLParser(maximumBytes: maximumBytes))
        validator.referenceDate = try checkedReferenceDate()
        return validator
    }

    /// Perigate's own schema directory.
    var ownDirectory: String {
        schemaDirectory ?? ProcessInfo.processInfo.environment["PERIGATE_SCHEMA_DIR"] ?? SchemaLocation.found()
    }

    /// The catalog sources in load order: Perigate's own first, then `$PERIGATE_SCHEMAS`, then extras.
    static func sources(ownDirectory: String, extra: [String]) -> [CatalogSource] {
        let fromEnvironment = (ProcessInfo.processInfo.environment["PERIGATE_SCHEMAS"] ?? "").split(separator: ":").map(String.init)
        return [.directory(ownDirectory)] + (fromEnvironment + extra).map(CatalogSource.parse)
    }

    /// Loads and compiles every catalog, or exits with a clear message naming the broken file.
    func loadRegistry() throws -> SchemaRegistry {
        try Self.loadRegistry(ownDirectory: ownDirectory, extra: extra)
    }

    static func loadRegistry(ownDirectory: String, extra: [String]) throws -> SchemaRegistry {
        do {
            return try SchemaRegistry.load(sources(ownDirectory: ownDirectory, extra: extra))
        } catch let error as CatalogError {
            throw ValidationError("cannot load schemas: \(error)")
        }
    }
}
