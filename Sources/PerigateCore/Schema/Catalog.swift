/// The on-disk description of message types: `catalog.json` (see docs/schemas.md).
///
/// A catalog lists, per kind and version, how to recognise a message, which XSD validates it,
/// its lifecycle status and the semantic checks to run after the XSD.
public struct Catalog: Sendable, Codable, Hashable {
    /// Human name of the catalog, e.g. `perigate` or `nictiz-perinatal`.
    public var name: String
    /// Namespace prefixes usable in every XPath of this catalog.
    public var namespaces: [String: String]?
    public var entries: [Entry]

    /// One kind + version.
    public struct Entry: Sendable, Codable, Hashable {
        public var kind: String
        public var version: String
        public var status: Status
        /// ISO date after which a deprecated version is retired (informational).
        public var sunset: String?
        public var description: String?
        public var match: Match
        /// XSD path relative to the catalog's schema directory; `nil` when no public schema
        /// exists (the message type is then "schema required").
        public var schema: String?
        /// Name of the mapper that turns this message into canonical facts (docs/mapping.md).
        public var mapper: String?
        public var checks: [SemanticRule]?
    }

    /// Lifecycle of a version: deprecated versions are accepted with a warning, retired
    /// ones refused with the list of supported versions.
    public enum Status: String, Sendable, Codable, Hashable {
        case active
        case deprecated
        case retired
    }

    /// How a document is recognised. Every given condition must hold.
    /// Never uses `xsi:schemaLocation`.
    public struct Match: Sendable, Codable, Hashable {
        /// Local name of the root element.
        public var root: String
        /// Namespace URI of the root element; "" (or absent) for none.
        public var namespace: String?
        /// Required value of the root's `versie` attribute.
        public var versie: String?
        /// HL7v3: required `interactionId/@extension` (child of the root).
        public var interactionId: String?
        /// HL7v3: a `templateId/@root` that must occur somewhere in the message.
        public var templateId: String?
        /// Any further XPath 1.0 condition (evaluated as boolean).
        public var xpath: String?
    }
}

/// A check run after XSD validation on the nodes an XPath selects.
public struct SemanticRule: Sendable, Codable, Hashable {
    public enum Rule: String, Sendable, Codable, Hashable {
        /// BSN: 9 digits (8 get a leading zero) passing the elfproef.
        case bsn
        /// AGB code: exactly 8 digits.
        case agb
        /// URA number: 1 to 8 digits.
        case ura
        /// UZI person number: 9 digits.
        case uzi
        /// A date or date-time not later than today.
        case notInFuture
        /// A due date within 44 weeks after and one year before the reference date.
        case dueDate
        /// The `later` value is not before the `xpath` value (both relative to `context`).
        case order
        /// Several identifier types in one pass: each node `xpath` selects is checked by the rule
        /// its system names in `systems` (system = `systemAttribute`'s value, or the element's
        /// local name; value = `valueAttribute`'s value, or the node's text).
        case identifiers
        /// A number (e.g. a birth weight, a duration in days): outside `minimum`…`maximum` it is
        /// impossible (the rule's severity, default error); outside `plausibleMinimum`…
        /// `plausibleMaximum` but possible, implausible (a warning).
        case range
    }

    public var rule: Rule
    /// Nodes to check (for `order`: the earlier value, relative to `context`).
    public var xpath: String
    /// For `order`: the later value, relative to `context`.
    public var later: String?
    /// For `order`: nodes to evaluate both paths against (default: the document).
    public var context: String?
    /// For `dueDate`: absolute XPath of the reference date (default: today).
    public var reference: String?
    /// For `identifiers`: system → rule (`bsn`, `agb`, `ura`, `uzi`).
    public var systems: [String: Rule]?
    /// For `identifiers`: attribute naming the system (e.g. HL7 `root`); default the element name.
    public var systemAttribute: String?
    /// For `identifiers`: attribute holding the value (e.g. HL7 `extension`); default the text.
    public var valueAttribute: String?
    /// For `range`: the smallest and largest possible and plausible values, and the unit for messages.
    public var minimum: Double?
    public var maximum: Double?
    public var plausibleMinimum: Double?
    public var plausibleMaximum: Double?
    public var unit: String?
    /// Severity of a failed check (default: error).
    public var severity: ValidationIssue.Severity?
    /// Human name of what is checked, used in messages (e.g. "care period").
    public var label: String?
}
