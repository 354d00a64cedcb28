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
        public var localName: String
        public var namespace: String
        public var versie: String?
        /// Line of the root element's start tag.
        public var line: Int?

        /// `{namespace}local` (Clark notation), as in the corpus manifest.
        public var qualifiedName: String {
            namespace.isEmpty ? localName : "{\(namespace)}\(localName)"
        }
    }
}
