import CLibXML2
#if canImport(Glibc)
import Glibc
#endif

/// Compiled XPath expressions, one cache per OS thread.
///
/// Compiling an expression costs about as much as evaluating it on a small message, and the
/// catalogs use a fixed set of expressions. libxml2 writes a lookup cache into a compiled
/// expression while evaluating function calls, so compiled expressions are not shared between
/// threads: each thread keeps its own (bounded by the number of distinct catalog expressions).
/// A validation runs synchronously on one thread, so the cache is never touched concurrently.
final class XPathCache {
    private var compiled: [String: xmlXPathCompExprPtr] = [:]

    deinit {
        for expression in compiled.values { xmlXPathFreeCompExpr(expression) }
    }

    /// The compiled form of `expression`, or `nil` when it does not compile.
    func expression(_ expression: String) -> xmlXPathCompExprPtr? {
        if let hit = compiled[expression] { return hit }
        guard let fresh = xmlXPathCompile(expression) else { return nil }
        compiled[expression] = fresh
        return fresh
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            guard let pointer else { return }
            Unmanaged<XPathCache>.fromOpaque(pointer).release()
        }
        return key
    }()

    /// This thread's cache.
    static var current: XPathCache {
        if let pointer = pthread_getspecific(key) {
            return Unmanaged<XPathCache>.fromOpaque(pointer).takeUnretainedValue()
        }
        let cache = XPathCache()
        pthread_setspecific(key, Unmanaged.passRetained(cache).toOpaque())
        return cache
    }
}
