import CLibXML2

/// XPath 1.0 over one document, with registered namespace prefixes.
///
/// Namespaced elements need a prefix (`//hl7:patient`, not `//patient`). Create one query per
/// document and use it on one thread (it borrows that thread's XPath context, see `XPathCache`).
final class XPathQuery {
    private let document: XMLDocument
    private let namespaces: [String: String]
    private let token: Int

    /// A node found by an expression: its string value; line and path are worked out only when
    /// asked (for an issue), not for every match.
    struct Match {
        var value: String
        /// The node, valid while the document lives; `nil` for non-node results.
        var node: xmlNodePtr?
        var line: Int? { node.flatMap(XMLNodeInfo.line(of:)) }
        var path: String? { node.flatMap(XMLNodeInfo.path(of:)) }
    }

    enum Failure: Error, CustomStringConvertible {
        case invalidExpression(String)
        var description: String {
            switch self {
            case .invalidExpression(let expression): return "invalid XPath expression: \(expression)"
            }
        }
    }

    init(document: XMLDocument, namespaces: [String: String]) {
        self.document = document
        self.namespaces = namespaces
        token = XPathCache.current.makeToken()
    }

    /// Nodes selected by `expression` (relative to `context`, or the document).
    func matches(_ expression: String, context: xmlNodePtr? = nil) throws -> [Match] {
        try evaluate(expression, context: context) { object in
            guard object.pointee.type == XPATH_NODESET else {
                return [Match(value: Self.stringValue(object), node: nil)]
            }
            guard let set = object.pointee.nodesetval else { return [] }
            return (0..<Int(set.pointee.nodeNr)).compactMap { index in
                guard let node = set.pointee.nodeTab[index] else { return nil }
                return Match(value: XMLNodeInfo.content(of: node), node: node)
            }
        }
    }

    /// Nodes selected by `expression` (relative to `context`, or the document), as raw pointers
    /// valid while the document lives.
    func nodes(_ expression: String, context: xmlNodePtr? = nil) throws -> [xmlNodePtr] {
        try evaluate(expression, context: context) { object in
            guard object.pointee.type == XPATH_NODESET, let set = object.pointee.nodesetval else { return [] }
            return (0..<Int(set.pointee.nodeNr)).compactMap { set.pointee.nodeTab[$0] }
        }
    }

    /// The boolean value of `expression` (XPath `boolean()` semantics).
    func bool(_ expression: String) throws -> Bool {
        try evaluate(expression, context: nil) { xmlXPathCastToBoolean($0) != 0 }
    }

    private func evaluate<R>(_ expression: String, context: xmlNodePtr?,
                             _ body: (xmlXPathObjectPtr) -> R) throws -> R {
        let cache = XPathCache.current
        guard let ctxt = cache.context(token: token, document: document.pointer, namespaces: namespaces),
              let compiled = cache.expression(expression) else {
            throw Failure.invalidExpression(expression)
        }
        ctxt.pointee.node = context
        guard let object = xmlXPathCompiledEval(compiled, ctxt) else {
            throw Failure.invalidExpression(expression)
        }
        defer { xmlXPathFreeObject(object) }
        return body(object)
    }

    private static func stringValue(_ object: xmlXPathObjectPtr) -> String {
        guard let raw = xmlXPathCastToString(object) else { return "" }
        defer { perigate_xml_free(raw) }
        return String(cString: raw)
    }
}
