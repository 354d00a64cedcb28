import CLibXML2
#if canImport(Glibc)
import Glibc
#endif

/// Compiled XPath expressions and one reusable XPath context, per OS thread.
///
/// Creating an XPath context registers every XPath function in a fresh hash table, which costs
/// more than evaluating a simple expression; the context is reused by re-pointing it at the
/// document and re-registering namespaces when another query takes it over.
///
/// Compiling an expression costs about as much as evaluating it on a small message, and the
/// catalogs use a fixed set of expressions. libxml2 writes a lookup cache into a compiled
/// expression while evaluating function calls, so compiled expressions are not shared between
/// threads: each thread keeps its own (bounded by the number of distinct catalog expressions).
/// A validation runs synchronously on one thread, so the cache is never touched concurrently.
final class XPathCache {
    private var compiled: [String: xmlXPathCompExprPtr] = [:]
    private var sharedContext: xmlXPathContextPtr?
    /// The query whose namespaces are registered in `sharedContext`.
    private var owner = 0
    private var lastToken = 0

    deinit {
        for expression in compiled.values { xmlXPathFreeCompExpr(expression) }
        if let sharedContext { xmlXPathFreeContext(sharedContext) }
    }

    /// A token that identifies one query for the lifetime of this thread (never reused).
    func makeToken() -> Int {
        lastToken += 1
        return lastToken
    }

    /// This thread's context, set up for the query `token` on `document`.
    func context(token: Int, document: xmlDocPtr, namespaces: [String: String]) -> xmlXPathContextPtr? {
        if sharedContext == nil { sharedContext = xmlXPathNewContext(nil) }
        guard let context = sharedContext else { return nil }
        if owner != token {
            xmlXPathRegisteredNsCleanup(context)
            for (prefix, uri) in namespaces { xmlXPathRegisterNs(context, prefix, uri) }
            owner = token
        }
        context.pointee.doc = document
        context.pointee.node = nil
        context.pointee.contextSize = -1
        context.pointee.proximityPosition = -1
        return context
    }

    /// The compiled form of `expression`, or `nil` when it does not compile.
    func expression(_ expression: String) -> xmlXPathCompExprPtr? {
        if let hit = compiled[expression] { return hit }
        guard let fresh = xmlXPathCompile(expression) else { return nil }
        compiled[expression] = fresh
        return fresh
    }

    private static let perThread = PerThread { XPathCache() }

    /// This thread's cache.
    static var current: XPathCache { perThread.current }
}
