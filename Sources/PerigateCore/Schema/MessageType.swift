/// One registered kind + version with its compiled schema: the unit detection yields.
public struct MessageType: Sendable {
    public let entry: Catalog.Entry
    /// Name of the catalog that registered it.
    public let catalogName: String
    /// Namespace prefixes for this entry's XPaths (the catalog's plus built-ins).
    let namespaces: [String: String]
    /// The compiled XSD, or `nil` when the type is "schema required".
    public let schema: CompiledSchema?

    public var kind: String { entry.kind }
    public var version: String { entry.version }
    public var status: Catalog.Status { entry.status }

    /// A short label such as `verwijzing 1.0`.
    public var label: String { "\(kind) \(version)" }

    /// Status shown in listings: the lifecycle, or `schema-required` when no XSD is registered.
    public var displayStatus: String {
        schema == nil ? "\(status.rawValue), schema-required" : status.rawValue
    }

    /// Built-in prefixes available to every catalog XPath.
    static let builtinNamespaces = [
        "hl7": "urn:hl7-org:v3",
        "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    ]
}
