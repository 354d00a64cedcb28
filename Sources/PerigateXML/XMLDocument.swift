import CLibXML2

/// A parsed XML document owned by Swift; freed when the last reference goes.
///
/// Not `Sendable`: one document is read by one task at a time (libxml2 trees are not
/// thread-safe to mutate, and XPath contexts are per call).
public final class XMLDocument {
    let pointer: xmlDocPtr

    init(pointer: xmlDocPtr) {
        self.pointer = pointer
    }

    deinit {
        xmlFreeDoc(pointer)
    }

    /// The root element as a node handle (for mappers), or `nil` for a document without one.
    public var rootNode: XMLNode? {
        xmlDocGetRootElement(pointer).map { XMLNode($0, in: self) }
    }

    /// The root element's local name, namespace URI ("" when none) and attributes of interest.
    public var root: RootElement? {
        guard let node = xmlDocGetRootElement(pointer) else { return nil }
        let name = String(cString: node.pointee.name)
        let namespace = node.pointee.ns.flatMap { $0.pointee.href.map { String(cString: $0) } } ?? ""
        var versie: String?
        if let raw = xmlGetNoNsProp(node, "versie") {
            versie = String(cString: raw)
            perigate_xml_free(raw)
        }
        let line = xmlGetLineNo(node)
        return RootElement(localName: name, namespace: namespace, versie: versie, line: line > 0 ? Int(line) : nil)
    }

    /// The root element as seen by detection.
    public struct RootElement: Sendable, Hashable {
        /// Local name, e.g. `verwijzing`.
        public var localName: String
        /// Namespace URI; "" when none.
        public var namespace: String
        /// The `versie` attribute, when present.
        public var versie: String?
        /// Line of the root element's start tag.
        public var line: Int?

        /// `{namespace}local` (Clark notation), as in the corpus manifest.
        public var qualifiedName: String {
            namespace.isEmpty ? localName : "{\(namespace)}\(localName)"
        }

        /// A root element description (detection builds an empty one for a rootless document).
        public init(localName: String, namespace: String, versie: String?, line: Int?) {
            self.localName = localName
            self.namespace = namespace
            self.versie = versie
            self.line = line
        }
    }
}
