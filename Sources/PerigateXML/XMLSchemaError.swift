/// An XSD that cannot be compiled: which file, why, and libxml2's errors (at most five).
public struct XMLSchemaError: Error, Sendable, Hashable {
    /// Why compilation failed.
    public enum Reason: String, Sendable, Hashable {
        /// libxml2 could not even create a schema parser for the file.
        case unreadable
        /// The file was read but is not a valid XSD (or an include/import failed).
        case broken
    }

    /// Why compilation failed.
    public var reason: Reason
    /// The XSD file given to ``XMLSchema/compile(path:)``.
    public var path: String
    /// libxml2's errors, in order (empty for ``Reason/unreadable``).
    public var issues: [XMLIssue]

    /// An error for `path`.
    public init(reason: Reason, path: String, issues: [XMLIssue]) {
        self.reason = reason
        self.path = path
        self.issues = issues
    }
}
