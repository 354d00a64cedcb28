/// A catalog or schema that cannot be loaded. Startup fails fast with this error.
public struct CatalogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable code, e.g. `catalog.unreadable`, `catalog.invalid`, `schema.missing`, `schema.broken`.
    public var code: String
    /// The file at fault.
    public var file: String
    public var message: String

    public init(code: String, file: String, message: String) {
        self.code = code
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message) [\(code)]" }
}
