import CLibXML2

/// A node of a parsed document (element, attribute or text), as mappers and checks see it.
///
/// Holds its document, so the node stays valid as long as the handle does. Not `Sendable`, like
/// ``XMLDocument``: a node is read by the task that owns its document. Children are found with
/// XPath relative to the node (``XPathQuery/nodes(_:context:)``), never by walking pointers.
public struct XMLNode {
    let pointer: xmlNodePtr
    /// Keeps the tree alive while this handle exists.
    let document: XMLDocument

    init(_ pointer: xmlNodePtr, in document: XMLDocument) {
        self.pointer = pointer
        self.document = document
    }

    /// The local name of an element or attribute (`bsn`, `code`).
    public var localName: String {
        XMLNodeInfo.localName(of: pointer)
    }

    /// The value of the attribute `name` (without namespace), or `nil` when absent.
    public func attribute(_ name: String) -> String? {
        XMLNodeInfo.attribute(name, of: pointer)
    }

    /// The string value: the text content of an element, the value of an attribute.
    public var stringValue: String {
        XMLNodeInfo.content(of: pointer)
    }

    /// The element path by local names, e.g. `/verwijzing/client/bsn`, `/a/b[2]/@code`.
    public var path: String? {
        XMLNodeInfo.path(of: pointer)
    }

    /// Source line (the owning element's line for attributes and text), when known.
    public var line: Int? {
        XMLNodeInfo.line(of: pointer)
    }
}
