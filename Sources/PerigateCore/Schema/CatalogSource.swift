import Foundation

/// Where a catalog comes from: a catalog file and the directory its schema paths are relative to.
public struct CatalogSource: Sendable, Hashable {
    public var catalogFile: String
    public var schemaDirectory: String
    /// Whether an entry whose XSD is absent loads as "schema not installed" (a pack over the
    /// operator's schemas) rather than failing start-up (a catalog that ships its XSDs).
    public var schemasOptional: Bool

    public init(catalogFile: String, schemaDirectory: String, schemasOptional: Bool = false) {
        self.catalogFile = catalogFile
        self.schemaDirectory = schemaDirectory
        self.schemasOptional = schemasOptional
    }

    /// `DIR/catalog.json`, with schema paths relative to `DIR` (`--schemas DIR`): a catalog that
    /// ships its XSDs, so a missing one is a start-up error.
    public static func directory(_ directory: String) -> CatalogSource {
        CatalogSource(catalogFile: (directory as NSString).appendingPathComponent("catalog.json"),
                      schemaDirectory: directory)
    }

    /// A catalog kept apart from its schemas (`--schemas FILE=DIR`): a pack in `Schemas/packs/`
    /// whose paths are relative to the operator's directory of official schemas. It loads with
    /// the XSDs present in `DIR`; the others are "schema not installed".
    public static func pack(_ catalogFile: String, schemaDirectory: String) -> CatalogSource {
        CatalogSource(catalogFile: catalogFile, schemaDirectory: schemaDirectory, schemasOptional: true)
    }

    /// Parses `FILE=DIR` (pack) or `DIR` (directory with catalog.json).
    public static func parse(_ argument: String) -> CatalogSource {
        if let separator = argument.firstIndex(of: "=") {
            return .pack(String(argument[..<separator]),
                         schemaDirectory: String(argument[argument.index(after: separator)...]))
        }
        return .directory(argument)
    }

    func load() throws -> Catalog {
        guard let data = FileManager.default.contents(atPath: catalogFile) else {
            throw CatalogError(code: "catalog.unreadable", file: catalogFile, message: "catalog file not found or unreadable")
        }
        do {
            return try JSONDecoder().decode(Catalog.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw CatalogError(code: "catalog.invalid", file: catalogFile,
                               message: "not valid catalog JSON: \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw CatalogError(code: "catalog.invalid", file: catalogFile,
                               message: "missing field '\(key.stringValue)' at \(Self.describe(context.codingPath))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw CatalogError(code: "catalog.invalid", file: catalogFile,
                               message: "\(context.debugDescription) at \(Self.describe(context.codingPath))")
        }
    }

    private static func describe(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}
