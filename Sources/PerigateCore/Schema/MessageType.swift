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
    /// The places the XSD was looked for when the entry names one but none is present ("schema
    /// not installed"); `nil` when it is installed or no public XSD exists.
    public let missingSchema: [String]?

    init(entry: Catalog.Entry, catalogName: String, namespaces: [String: String], schema: XMLSchema?,
         missingSchema: [String]? = nil) {
        self.entry = entry
        self.catalogName = catalogName
        self.namespaces = namespaces
        self.schema = schema
        self.missingSchema = missingSchema
    }

    /// The kind, e.g. `verwijzing`.
    public var kind: String { entry.kind }
    /// The version, e.g. `1.0`.
    public var version: String { entry.version }
    /// The lifecycle status of this version.
    public var status: Catalog.Status { entry.status }

    /// A short label such as `verwijzing 1.0`.
    public var label: String { "\(kind) \(version)" }

    /// Status shown in listings: the lifecycle, with `schema not installed` or `no public XSD`
    /// when there is no XSD to validate with.
    public var displayStatus: String {
        switch installation {
        case .installed: return status.rawValue
        case .notInstalled: return "\(status.rawValue), schema not installed"
        case .noPublicSchema: return "\(status.rawValue), no public XSD"
        }
    }

    /// Whether this type's XSD is installed (and which file), not installed (and where it was
    /// looked for), or not published at all.
    public enum Installation: Sendable, Hashable {
        case installed(path: String)
        case notInstalled(lookedFor: [String])
        case noPublicSchema
    }

    public var installation: Installation {
        if let schema { return .installed(path: schema.path) }
        if let missingSchema { return .notInstalled(lookedFor: missingSchema) }
        return .noPublicSchema
    }

    /// Whether messages of this type name their sender by URA (Perigate's own kinds must); a
    /// national message without one is attributed to the authenticated partner.
    var requiresSenderURA: Bool { isPerigateKind }

    /// One of Perigate's own kinds (namespace `urn:perigate:…`), as opposed to a national standard.
    public var isPerigateKind: Bool {
        (entry.match.namespace ?? "").hasPrefix("urn:perigate:")
    }

    /// Where this message names its sending organisation, as a path in the message itself (for
    /// an issue about the sender): Perigate's `header/afzender/organisatie/ura`, HL7v3's control
    /// act author's URA `id`; `nil` for ADA, which names no sender URA.
    func senderPath(in document: XMLDocument) -> String? {
        let expression: String
        if isPerigateKind {
            expression = "(/*/m:header/m:afzender | /*/m:header/m:afzender/m:organisatie/m:ura)[last()]"
        } else if entry.match.namespace == "urn:hl7-org:v3" {
            expression = "(/*/hl7:ControlActProcess/hl7:authorOrPerformer | /*/hl7:ControlActProcess/hl7:authorOrPerformer/hl7:participant//hl7:id[@root='2.16.528.1.1007.3.3'])[last()]"
        } else {
            return nil
        }
        return (try? XPathQuery(document: document, namespaces: namespaces).nodes(expression))?.first?.path
    }

    /// Built-in prefixes available to every catalog XPath.
    static let builtinNamespaces = [
        "hl7": "urn:hl7-org:v3",
        "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    ]
}
