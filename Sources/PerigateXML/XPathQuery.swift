import CLibXML2

/// XPath 1.0 over one document, with registered namespace prefixes.
///
/// Namespaced elements need a prefix (`//hl7:patient`, not `//patient`). Create one query per
/// document and use it on one thread (it borrows that thread's XPath context, see `XPathCache`).
public final class XPathQuery {
    private let document: XMLDocument
    private let namespaces: [String: String]
    private let token: Int

    /// A node found by an expression: its string value; line and path are worked out only when
    /// asked (for an issue), not for every match.
    public struct Match {
        /// The string value of the node (or of a non-node result).
        public var value: String
        /// The node; `nil` for non-node results.
        public var node: XMLNode?
        /// The node's source line, when known.
        public var line: Int? { node?.line }
        /// The node's element path, when known.
        public var path: String? { node?.path }

        /// A match with `value` found at `node`.
        public init(value: String, node: XMLNode?) {
            self.value = value
            self.node = node
        }
    }

    /// Why an expression could not be evaluated.
    public enum Failure: Error, CustomStringConvertible {
        /// The expression does not compile, or libxml2 could not evaluate it.
        case invalidExpression(String)

        /// `invalid XPath expression: …`.
        public var description: String {
            switch self {
            case .invalidExpression(let expression): return "invalid XPath expression: \(expression)"
            }
        }
    }

    /// A query over `document`; `namespaces` maps the prefixes its expressions use to URIs.
    public init(document: XMLDocument, namespaces: [String: String]) {
        self.document = document
        self.namespaces = namespaces
        token = XPathCache.current.makeToken()
    }

    /// Whether `expression` compiles as XPath 1.0 (prefixes are not checked).
    public static func compiles(_ expression: String) -> Bool {
        LibXML.ensureInitialized()
        guard let compiled = xmlXPathCompile(expression) else { return false }
        xmlXPathFreeCompExpr(compiled)
        return true
    }

    /// Nodes selected by `expression` (relative to `context`, or the document), with their
    /// string values; a non-node result is one match without a node.
    public func matches(_ expression: String, context: XMLNode? = nil) throws -> [Match] {
        try evaluate(expression, context: context) { object in
            guard object.pointee.type == XPATH_NODESET else {
                return [Match(value: Self.stringValue(object), node: nil)]
            }
            guard let set = object.pointee.nodesetval else { return [] }
            return (0..<Int(set.pointee.nodeNr)).compactMap { index in
                guard let node = set.pointee.nodeTab[index] else { return nil }
                return Match(value: XMLNodeInfo.content(of: node), node: XMLNode(node, in: document))
            }
        }
    }

    /// Nodes selected by `expression` (relative to `context`, or the document).
    public func nodes(_ expression: String, context: XMLNode? = nil) throws -> [XMLNode] {
        try evaluate(expression, context: context) { object in
            guard object.pointee.type == XPATH_NODESET, let set = object.pointee.nodesetval else { return [] }
            return (0..<Int(set.pointee.nodeNr)).compactMap { set.pointee.nodeTab[$0].map { XMLNode($0, in: document) } }
        }
    }

    /// The boolean value of `expression` (XPath `boolean()` semantics).
    public func bool(_ expression: String) throws -> Bool {
        try evaluate(expression, context: nil) { xmlXPathCastToBoolean($0) != 0 }
    }

    private func evaluate<R>(_ expression: String, context: XMLNode?,
                             _ body: (xmlXPathObjectPtr) -> R) throws -> R {
        let cache = XPathCache.current
        guard let ctxt = cache.context(token: token, document: document.pointer, namespaces: namespaces),
              let compiled = cache.expression(expression) else {
            throw Failure.invalidExpression(expression)
        }
        precondition(context.map { $0.document === document } ?? true, "an XPath context node must belong to the query's document")
        ctxt.pointee.node = context?.pointer
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
