import PerigateXML

extension SchemaRegistry {
    /// Compiles the XSD at `path`, or throws a ``CatalogError`` naming the file and (for a broken
    /// schema) libxml2's first errors. Single-threaded: only ``load(_:)`` calls it.
    static func compileSchema(path: String) throws -> XMLSchema {
        do {
            return try XMLSchema.compile(path: path)
        } catch {
            switch error.reason {
            case .unreadable:
                throw CatalogError(code: "schema.unreadable", file: path, message: "cannot create a schema parser")
            case .broken:
                let details = error.issues.map { issue in
                    "\(issue.line.map { "line \($0): " } ?? "")\(issue.message)"
                }
                throw CatalogError(code: "schema.broken", file: path,
                                   message: details.isEmpty ? "the XSD could not be compiled" : details.joined(separator: "; "))
            }
        }
    }
}
