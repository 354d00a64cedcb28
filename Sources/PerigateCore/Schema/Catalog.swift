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
        /// Where the XSD may be, relative to the catalog's schema directory: one path or a list
        /// (the corpus layout, the layout of Nictiz's own repositories …); the first present one
        /// is used. `nil` when no public schema exists. In a pack (`--schemas FILE=DIR`) an entry
        /// whose XSD is in none of its places is "schema not installed"; both make its messages
        /// "schema required".
        public var schema: SchemaLocations?
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
        /// HL7v3: required `profileId/@extension` (child of the root).
        public var profileId: String?
        /// ADA: local name of the transaction element (`kernset_geboortezorg`): the root itself, or
        /// the child of the envelope's `data` (`/adaxml/data/…`), never anywhere else (`meta` takes
        /// any content unchecked). The other ADA conditions are read from this element.
        public var transaction: String?
        /// ADA: the `@app` values of the transaction element this entry takes
        /// (`perinatologie-235`): the ADA application, which names the release.
        public var app: [String]?
        /// ADA: required `@transactionRef` of the transaction element (the transaction's id in ART-DECOR).
        public var transactionRef: String?
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

/// The places an entry's XSD may be: `"schema": "a.xsd"` or `"schema": ["a.xsd", "b/a.xsd"]`.
public struct SchemaLocations: Sendable, Codable, Hashable, ExpressibleByStringLiteral {
    public var paths: [String]

    public init(_ paths: [String]) { self.paths = paths }
    public init(stringLiteral value: String) { paths = [value] }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let single = try? container.decode(String.self) {
            paths = [single]
        } else {
            paths = try container.decode([String].self)
            guard !paths.isEmpty else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "an empty list of schema locations")
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if paths.count == 1 { try container.encode(paths[0]) } else { try container.encode(paths) }
    }
}

extension Catalog.Match {
    /// Whether some message certainly meets both entries' conditions: same root and namespace,
    /// and every declared value (versie, interaction, profile, ADA transaction, app,
    /// transactionRef, template) equal or left open by one of them. Entries that differ in a
    /// required template id or in their own XPath may still both match one message; detection
    /// reports that (``Detection/ambiguous(_:)``).
    public func certainlyOverlaps(_ other: Catalog.Match) -> Bool {
        guard root == other.root, (namespace ?? "") == (other.namespace ?? "") else { return false }
        func agree(_ one: String?, _ two: String?) -> Bool { one == nil || two == nil || one == two }
        guard agree(versie, other.versie), agree(interactionId, other.interactionId), agree(profileId, other.profileId),
              agree(transaction, other.transaction), agree(transactionRef, other.transactionRef),
              templateId == nil || other.templateId == nil || templateId == other.templateId,
              xpath == other.xpath else { return false }
        if let app, let otherApp = other.app, Set(app).isDisjoint(with: otherApp) { return false }
        return true
    }
}
