import CLibXML2

/// A parsed element as plain Swift values: for formats that are read element by element rather
/// than by XPath (FHIR XML, whose every element has a meaning). Built once from an
/// ``XMLDocument`` and `Sendable`, so it outlives the libxml2 tree.
public struct XMLElementTree: Sendable, Hashable {
    /// Local name, e.g. `Patient`, `birthDate`.
    public var name: String
    /// Namespace URI; "" when none.
    public var namespace: String
    /// Attributes without a namespace, in document order (`value`, `url`, `id`).
    public var attributes: [Attribute]
    /// Child elements, in document order.
    public var children: [XMLElementTree]
    /// The element's own non-whitespace text (not its children's), trimmed; "" when none.
    public var text: String
    /// Source line of the start tag, when known.
    public var line: Int?
    /// The element serialized as XML, for elements of a namespace the caller keeps whole
    /// (e.g. XHTML narrative); its children are then not listed.
    public var outerXML: String?

    public struct Attribute: Sendable, Hashable {
        public var name: String
        public var value: String
        /// The attribute's namespace URI; "" when none.
        public var namespace: String
    }

    /// The attribute `name` without namespace.
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name && $0.namespace.isEmpty }?.value
    }
}

extension XMLDocument {
    /// The root element as a tree. Elements in a namespace of `keptWhole` become one node with
    /// their ``XMLElementTree/outerXML``. The parser's depth limit (``XMLComplexity``) bounds
    /// the recursion.
    public func elementTree(keptWhole: Set<String> = []) -> XMLElementTree? {
        xmlDocGetRootElement(pointer).map { Self.tree(of: $0, document: pointer, keptWhole: keptWhole) }
    }

    private static func tree(of node: xmlNodePtr, document: xmlDocPtr, keptWhole: Set<String>) -> XMLElementTree {
        let namespace = node.pointee.ns.flatMap { $0.pointee.href.map { String(cString: $0) } } ?? ""
        let line = xmlGetLineNo(node)
        var element = XMLElementTree(name: String(cString: node.pointee.name), namespace: namespace, attributes: [], children: [],
                                     text: "", line: line > 0 ? Int(line) : nil, outerXML: nil)
        if keptWhole.contains(namespace) {
            element.outerXML = serialized(node, document: document)
            return element
        }
        var attribute = node.pointee.properties
        while let item = attribute {
            let attributeNamespace = item.pointee.ns.flatMap { $0.pointee.href.map { String(cString: $0) } } ?? ""
            let value = XMLNodeInfo.content(of: UnsafeMutableRawPointer(item).assumingMemoryBound(to: xmlNode.self))
            element.attributes.append(.init(name: String(cString: item.pointee.name), value: value, namespace: attributeNamespace))
            attribute = item.pointee.next
        }
        var text = ""
        var child = node.pointee.children
        while let item = child {
            switch item.pointee.type {
            case XML_ELEMENT_NODE:
                element.children.append(tree(of: item, document: document, keptWhole: keptWhole))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                text += XMLNodeInfo.content(of: item)
            default:
                break
            }
            child = item.pointee.next
        }
        element.text = text.trimmingXMLWhitespace()
        return element
    }

    private static func serialized(_ node: xmlNodePtr, document: xmlDocPtr) -> String {
        guard let buffer = xmlBufferCreate() else { return "" }
        defer { xmlBufferFree(buffer) }
        _ = xmlNodeDump(buffer, document, node, 0, 0)
        guard let content = xmlBufferContent(buffer) else { return "" }
        return String(cString: content)
    }
}

extension String {
    /// Without leading and trailing XML whitespace (space, tab, CR, LF).
    func trimmingXMLWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
