import CLibXML2

/// A compiled XSD, shared read-only by concurrent validations.
///
/// `@unchecked Sendable`: libxml2 never mutates a compiled `xmlSchema` during validation; each
/// validation creates its own `xmlSchemaValidCtxt` (measured safe: 2 threads × 20,000
/// documents, helgrind/drd clean — docs/performance.md). Compilation itself is not thread-safe
/// and happens once, at registry load, on one thread.
public final class CompiledSchema: @unchecked Sendable {
    let pointer: xmlSchemaPtr
    /// The XSD file it was compiled from.
    public let path: String

    private init(pointer: xmlSchemaPtr, path: String) {
        self.pointer = pointer
        self.path = path
    }

    deinit {
        xmlSchemaFree(pointer)
    }

    /// Compiles the XSD at `path` (includes and imports resolve relative to it; only local
    /// files are ever loaded). Throws a ``CatalogError`` naming the file and libxml2's errors.
    static func compile(path: String) throws -> CompiledSchema {
        LibXML.ensureInitialized()
        guard let parserContext = xmlSchemaNewParserCtxt(path) else {
            throw CatalogError(code: "schema.unreadable", file: path, message: "cannot create a schema parser")
        }
        defer { xmlSchemaFreeParserCtxt(parserContext) }
        let collector = XMLErrorCollector(code: "schema.compile", limit: 5)
        let schema = collector.withSink { sink -> xmlSchemaPtr? in
            perigate_schema_parser_sink(parserContext, sink)
            return xmlSchemaParse(parserContext)
        }
        guard let schema else {
            let details = collector.issues.map { issue in
                "\(issue.line.map { "line \($0): " } ?? "")\(issue.message)"
            }
            throw CatalogError(code: "schema.broken", file: path,
                               message: details.isEmpty ? "the XSD could not be compiled" : details.joined(separator: "; "))
        }
        return CompiledSchema(pointer: schema, path: path)
    }

    /// Validates `document`, one fresh validation context per call (thread-safe).
    func validate(_ document: XMLDocument) -> [ValidationIssue] {
        guard let context = xmlSchemaNewValidCtxt(pointer) else {
            return [ValidationIssue(code: "schema.unavailable", message: "cannot create a validation context")]
        }
        defer { xmlSchemaFreeValidCtxt(context) }
        let collector = XMLErrorCollector(code: "schema.invalid")
        let result = collector.withSink { sink -> Int32 in
            perigate_schema_valid_sink(context, sink)
            return xmlSchemaValidateDoc(context, document.pointer)
        }
        var issues = collector.issues
        if result != 0 && collector.errorCount == 0 {
            issues.append(ValidationIssue(code: "schema.invalid", message: "schema validation failed (libxml2 code \(result))"))
        }
        return issues
    }
}
