import CLibXML2

/// A compiled XSD, shared read-only by concurrent validations.
///
/// `@unchecked Sendable`: libxml2 never mutates a compiled `xmlSchema` during validation; each
/// validation creates its own `xmlSchemaValidCtxt` (measured safe: 2 threads × 20,000
/// documents, helgrind/drd clean — docs/performance.md). Compilation itself is not thread-safe:
/// call ``compile(path:)`` once per file, at startup, on one thread.
public final class XMLSchema: @unchecked Sendable {
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
    /// files are ever loaded). Not thread-safe: compile on one thread, before validating.
    public static func compile(path: String) throws(XMLSchemaError) -> XMLSchema {
        LibXML.ensureInitialized()
        guard let parserContext = xmlSchemaNewParserCtxt(path) else {
            throw XMLSchemaError(reason: .unreadable, path: path, issues: [])
        }
        defer { xmlSchemaFreeParserCtxt(parserContext) }
        let collector = XMLErrorCollector(code: .schemaCompile, limit: 5)
        let schema = collector.withSink { sink -> xmlSchemaPtr? in
            perigate_schema_parser_sink(parserContext, sink)
            return xmlSchemaParse(parserContext)
        }
        guard let schema else {
            throw XMLSchemaError(reason: .broken, path: path, issues: collector.issues)
        }
        return XMLSchema(pointer: schema, path: path)
    }

    /// Validates `document`, one fresh validation context per call (thread-safe). Empty when
    /// the document is valid; warnings may come with a valid document.
    public func validate(_ document: XMLDocument) -> [XMLIssue] {
        guard let context = xmlSchemaNewValidCtxt(pointer) else {
            return [XMLIssue(code: .schemaUnavailable, message: "cannot create a validation context")]
        }
        defer { xmlSchemaFreeValidCtxt(context) }
        let collector = XMLErrorCollector(code: .schemaInvalid)
        let result = collector.withSink { sink -> Int32 in
            perigate_schema_valid_sink(context, sink)
            return xmlSchemaValidateDoc(context, document.pointer)
        }
        var issues = collector.issues
        if result != 0 && collector.errorCount == 0 {
            issues.append(XMLIssue(code: .schemaInvalid, message: "schema validation failed (libxml2 code \(result))"))
        }
        return issues
    }
}
