import CLibXML2

/// XPath 1.0 over one document, with registered namespace prefixes.
///
/// Namespaced elements need a prefix (`//hl7:patient`, not `//patient`). Create one query per
/// document and use it on one thread: it keeps one libxml2 XPath context for all its evaluations.
final class XPathQuery {
    private let document: XMLDocument
    private let context: xmlXPathContextPtr?

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
        context = xmlXPathNewContext(document.pointer)
        if let context {
            for (prefix, uri) in namespaces { xmlXPathRegisterNs(context, prefix, uri) }
        }
    }

    deinit {
        if let context { xmlXPathFreeContext(context) }
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

    /// Nodes selected by `expression`, as raw pointers valid while the document lives.
    func nodes(_ expression: String) throws -> [xmlNodePtr] {
        try evaluate(expression, context: nil) { object in
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
        guard let ctxt = self.context, let compiled = XPathCache.current.expression(expression) else {
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
