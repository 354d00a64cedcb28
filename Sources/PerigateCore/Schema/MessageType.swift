import PerigateXML

/// One registered kind + version with its compiled schema: the unit detection yields.
public struct MessageType: Sendable {
    /// The catalog entry: how to recognise it, its XSD, status, mapper and checks.
    public let entry: Catalog.Entry
    /// Name of the catalog that registered it.
    public let catalogName: String
    /// Namespace prefixes for this entry's XPaths (the catalog's plus built-ins).
    let namespaces: [String: String]
    /// The compiled XSD, or `nil` when the type is "schema required".
    public let schema: XMLSchema?

    /// The kind, e.g. `verwijzing`.
    public var kind: String { entry.kind }
    /// The version, e.g. `1.0`.
    public var version: String { entry.version }
    /// The lifecycle status of this version.
    public var status: Catalog.Status { entry.status }

    /// A short label such as `verwijzing 1.0`.
    public var label: String { "\(kind) \(version)" }

    /// Status shown in listings: the lifecycle, or `schema-required` when no XSD is registered.
    public var displayStatus: String {
        schema == nil ? "\(status.rawValue), schema-required" : status.rawValue
    }

    /// Whether messages of this type name their sender by URA (Perigate's own kinds must); a
    /// national message without one is attributed to the authenticated partner.
    var requiresSenderURA: Bool {
        entry.match.namespace?.hasPrefix("urn:perigate:") ?? true
    }

    /// Built-in prefixes available to every catalog XPath.
    static let builtinNamespaces = [
        "hl7": "urn:hl7-org:v3",
        "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    ]
}
