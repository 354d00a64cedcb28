import PerigateXML

/// One registered kind + version with its compiled schema: the unit detection yields.
public struct MessageType: Sendable {
    /// The catalog entry: how to recognise it, its XSD, status, mapper and checks.
    public let entry: Catalog.Entry
    /// Name of the catalog that registered it.
    public let catalogName: String
    /// The catalog file it came from.
    public let catalogFile: String
    /// Namespace prefixes for this entry's XPaths (the catalog's plus built-ins).
    let namespaces: [String: String]
    /// The compiled XSD, or `nil` when the type is "schema required".
    public let schema: XMLSchema?
    /// The places the XSD was looked for when the entry names one but none is present ("schema
    /// not installed"); `nil` when it is installed or no public XSD exists.
    public let missingSchema: [String]?

    init(entry: Catalog.Entry, catalogName: String, catalogFile: String = "", namespaces: [String: String], schema: XMLSchema?,
         missingSchema: [String]? = nil) {
        self.entry = entry
        self.catalogName = catalogName
        self.catalogFile = catalogFile
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
    /// an issue about the sender): Perigate's `header/afzender/organisatie/ura`; in HL7v3 the URA
    /// `id` that carries the URA the mapper read as the sender (`claimedURA`: the acute handover
    /// names it at the care provision's author, the kernset at the control act's), else the
    /// control act's author; `nil` for ADA, which names no sender URA.
    func senderPath(in document: XMLDocument, claimedURA: String?) -> String? {
        var expressions: [String] = []
        if isPerigateKind {
            expressions = ["(/*/m:header/m:afzender | /*/m:header/m:afzender/m:organisatie/m:ura)[last()]"]
        } else if entry.match.namespace == "urn:hl7-org:v3" {
            // The URA goes into the expression only as digits: the sender wrote it.
            if let ura = claimedURA, (1...16).contains(ura.count), ura.allSatisfy({ ("0"..."9").contains($0) }) {
                expressions.append("(//hl7:id[@root='2.16.528.1.1007.3.3'][@extension='\(ura)'])[1]")
            }
            expressions.append("(/*/hl7:ControlActProcess/hl7:authorOrPerformer | /*/hl7:ControlActProcess/hl7:authorOrPerformer/hl7:participant//hl7:id[@root='2.16.528.1.1007.3.3'])[last()]")
        }
        let query = XPathQuery(document: document, namespaces: namespaces)
        return expressions.lazy.compactMap { (try? query.nodes($0))?.first?.path }.first
    }

    /// Built-in prefixes available to every catalog XPath.
    static let builtinNamespaces = [
        "hl7": "urn:hl7-org:v3",
        "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    ]
}
