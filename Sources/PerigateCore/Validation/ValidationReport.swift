/// The result of validating one message: what it is and everything wrong with it.
public struct ValidationReport: Sendable, Codable, Hashable {
    /// Overall verdict.
    public enum Outcome: String, Sendable, Codable, Hashable {
        /// Well-formed, recognised, schema-valid, no semantic errors (warnings allowed).
        case valid
        /// Recognised, but the XSD or a semantic check found errors.
        case invalid
        /// Not parsed at all: malformed, too large, DOCTYPE, empty.
        case malformed
        /// Well-formed, but no catalog knows this kind or version (or it is retired).
        case unsupported
        /// Recognised, but no XSD is registered for it: the operator must supply one.
        case schemaRequired = "schema-required"
    }

    public var outcome: Outcome
    /// Detected kind, e.g. `verwijzing` (absent when not recognised).
    public var kind: String?
    /// Detected version, e.g. `1.0`.
    public var version: String?
    /// Lifecycle status of the detected version.
    public var status: Catalog.Status?
    /// The root element in `{namespace}local` notation, when the document parsed.
    public var root: String?
    /// The XSD used.
    public var schema: String?
    public var issues: [ValidationIssue]

    public var isValid: Bool { outcome == .valid }
    /// A kind the gateway knows, in a version it does not take (an unknown kind has no `kind`).
    public var isUnsupportedVersion: Bool { outcome == .unsupported && kind != nil }
    public var errors: [ValidationIssue] { issues.filter { $0.severity == .error } }
    public var warnings: [ValidationIssue] { issues.filter { $0.severity == .warning } }

    public init(outcome: Outcome, kind: String? = nil, version: String? = nil, status: Catalog.Status? = nil,
                root: String? = nil, schema: String? = nil, issues: [ValidationIssue] = []) {
        self.outcome = outcome
        self.kind = kind
        self.version = version
        self.status = status
        self.root = root
        self.schema = schema
        self.issues = issues
    }
}
