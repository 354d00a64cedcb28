/// One problem libxml2 (or the parser's own guards) found in a document or a schema: what,
/// where, how serious. A value, never an exception; the domain turns it into its own report.
public struct XMLIssue: Sendable, Hashable {
    /// How serious the problem is.
    public enum Severity: String, Sendable, Hashable {
        /// The document is not usable (not well-formed, not schema-valid, refused).
        case error
        /// Worth reporting, but the document stays usable.
        case warning
    }

    /// Stable machine-readable code, e.g. `xml.malformed`, `schema.invalid`.
    public var code: Code
    /// How serious the problem is (made by this target only: the synthesized initializer,
    /// severity `error` unless given).
    public var severity: Severity = .error
    /// Human-readable explanation (libxml2's own message for parser and schema errors).
    public var message: String
    /// 1-based line in the document, when known.
    public var line: Int?
    /// 1-based column, when known (libxml2 gives none for schema-validity errors).
    public var column: Int?
    /// Element path such as `/verwijzing/client/bsn`, when known.
    public var path: String?
}
