/// One finding about a message: where it is and what is wrong.
///
/// Issues are values, never exceptions: a malformed or invalid message yields a report
/// with issues, not a thrown error.
public struct ValidationIssue: Sendable, Codable, Hashable {
    /// How serious the finding is. Only errors make a message invalid.
    public enum Severity: String, Sendable, Codable, Hashable {
        case error
        case warning
    }

    /// Stable machine-readable code, e.g. `xml.malformed`, `schema.invalid`, `bsn.elfproef`.
    public var code: String
    public var severity: Severity
    /// Human-readable explanation (libxml2's own message for parser and schema errors).
    public var message: String
    /// 1-based line in the message, when known.
    public var line: Int?
    /// 1-based column, when known (libxml2 gives none for schema-validity errors).
    public var column: Int?
    /// Element path such as `/verwijzing/client/bsn`, when known.
    public var path: String?

    public init(
        code: String, severity: Severity = .error, message: String,
        line: Int? = nil, column: Int? = nil, path: String? = nil
    ) {
        self.code = code
        self.severity = severity
        self.message = message
        self.line = line
        self.column = column
        self.path = path
    }
}
