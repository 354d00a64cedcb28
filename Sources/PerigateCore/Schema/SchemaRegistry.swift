import Foundation
import PerigateXML

/// Every message type Perigate knows, with its XSD compiled once.
///
/// Built once at startup by ``load(_:)`` (which fails fast, naming the broken file) and then
/// read-only: safe to share between any number of concurrent validations.
public final class SchemaRegistry: Sendable {
    /// All registered types, in catalog order.
    public let messageTypes: [MessageType]

    init(messageTypes: [MessageType]) {
        self.messageTypes = messageTypes
    }

    /// Loads the catalogs in order and compiles every XSD (each file once). An entry of a pack
    /// (``CatalogSource/pack(_:schemaDirectory:)``) whose XSD is in none of its places is loaded
    /// as "schema not installed"; in Perigate's own catalog directory that is a start-up error.
    /// Two entries that claim the same messages, or the same kind and version twice, are an error
    /// naming both: never "first wins".
    public static func load(_ sources: [CatalogSource]) throws -> SchemaRegistry {
        LibXML.ensureInitialized()
        var compiled: [String: XMLSchema] = [:]
        var types: [MessageType] = []
        for source in sources {
            let catalog = try source.load()
            let namespaces = MessageType.builtinNamespaces.merging(catalog.namespaces ?? [:]) { _, own in own }
            for entry in catalog.entries {
                var namespaces = namespaces
                if let own = entry.match.namespace, !own.isEmpty { namespaces["m"] = own }
                try checkXPaths(of: entry, namespaces: namespaces, file: source.catalogFile)
                try checkClaim(of: entry, against: types, file: source.catalogFile)
                var schema: XMLSchema?
                var missing: [String]?
                if let locations = entry.schema {
                    let directory = URL(fileURLWithPath: source.schemaDirectory, isDirectory: true)
                    let paths = locations.paths.map { URL(fileURLWithPath: $0, relativeTo: directory).standardizedFileURL.path }
                    if let path = paths.first(where: { FileManager.default.isReadableFile(atPath: $0) }) {
                        if compiled[path] == nil { compiled[path] = try compileSchema(path: path) }
                        schema = compiled[path]
                    } else if source.schemasOptional {
                        missing = paths
                    } else {
                        throw CatalogError(code: "schema.missing", file: paths[0],
                                           message: "XSD for \(entry.kind) \(entry.version) (catalog \(source.catalogFile)) not found")
                    }
                }
                types.append(MessageType(entry: entry, catalogName: catalog.name, catalogFile: source.catalogFile, namespaces: namespaces,
                                         schema: schema, missingSchema: missing))
            }
        }
        return SchemaRegistry(messageTypes: types)
    }

    /// A kind + version that another catalog registered already, or an entry whose conditions
    /// certainly take messages another entry takes (``Catalog/Match/certainlyOverlaps(_:)``), is
    /// a load error naming both. (One catalog file may give one version several forms: the
    /// kernset 2.2 in its envelope and bare.)
    private static func checkClaim(of entry: Catalog.Entry, against types: [MessageType], file: String) throws {
        if let twin = types.first(where: { $0.kind == entry.kind && $0.version == entry.version && $0.catalogFile != file }) {
            throw CatalogError(code: "catalog.duplicate", file: file,
                               message: "\(entry.kind) \(entry.version) is declared again; it is already declared by catalog '\(twin.catalogName)'")
        }
        if let clash = types.first(where: { $0.entry.match.certainlyOverlaps(entry.match) }) {
            throw CatalogError(code: "catalog.duplicate", file: file,
                               message: "\(entry.kind) \(entry.version) matches the same messages as \(clash.label) from catalog '\(clash.catalogName)'")
        }
    }

    /// Rejects a catalog whose XPaths do not compile, at load time rather than per message.
    private static func checkXPaths(of entry: Catalog.Entry, namespaces: [String: String], file: String) throws {
        // Names and ids that detection puts into XPath: an element name, an OID.
        if let transaction = entry.match.transaction, transaction.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_.\-]*/) == nil {
            throw CatalogError(code: "catalog.invalid", file: file, message: "\(entry.kind) \(entry.version): transaction '\(transaction)' is not an element name")
        }
        if let template = entry.match.templateId, template.wholeMatch(of: /[0-9]+(\.[0-9]+)*/) == nil {
            throw CatalogError(code: "catalog.invalid", file: file, message: "\(entry.kind) \(entry.version): templateId '\(template)' is not an OID")
        }
        var expressions = [entry.match.xpath].compactMap { $0 }
        let identifierRules: Set<SemanticRule.Rule> = [.bsn, .agb, .ura, .uzi]
        for rule in entry.checks ?? [] where rule.rule == .identifiers {
            guard let systems = rule.systems, !systems.isEmpty, systems.values.allSatisfy(identifierRules.contains) else {
                throw CatalogError(code: "catalog.invalid", file: file,
                                   message: "\(entry.kind) \(entry.version): an identifiers rule needs 'systems' mapping to bsn, agb, ura or uzi")
            }
        }
        for rule in entry.checks ?? [] {
            expressions += [rule.xpath, rule.later, rule.context, rule.reference].compactMap { $0 }
        }
        for expression in expressions {
            guard XPathQuery.compiles(expression) else {
                throw CatalogError(code: "catalog.invalid", file: file,
                                   message: "\(entry.kind) \(entry.version): invalid XPath '\(expression)'")
            }
            for prefix in Self.prefixes(in: expression) where namespaces[prefix] == nil {
                throw CatalogError(code: "catalog.invalid", file: file,
                                   message: "\(entry.kind) \(entry.version): XPath '\(expression)' uses undeclared prefix '\(prefix)'")
            }
        }
    }

    /// Namespace prefixes used in an XPath: a name directly followed by `:` and a name or `*`
    /// (axes such as `child::` have two colons and are not prefixes). A plain scan: this runs for
    /// every catalog XPath at start-up, where compiling a regular expression each time cost more
    /// than loading the catalogs.
    static func prefixes(in expression: String) -> Set<String> {
        let characters = Array(expression.unicodeScalars)
        func isNameStart(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c == "_" }
        func isNameChar(_ c: Unicode.Scalar) -> Bool { isNameStart(c) || ("0"..."9").contains(c) || c == "." || c == "-" }
        var result = Set<String>()
        var index = 0
        while index < characters.count {
            guard isNameStart(characters[index]), index == 0 || !isNameChar(characters[index - 1]) else {
                index += 1
                continue
            }
            var end = index
            while end < characters.count, isNameChar(characters[end]) { end += 1 }
            if end + 1 < characters.count, characters[end] == ":",
               isNameStart(characters[end + 1]) || characters[end + 1] == "*" {
                result.insert(String(String.UnicodeScalarView(characters[index..<end])))
            }
            index = end
        }
        return result
    }

    /// Versions registered for the root element, used in "unsupported version" errors.
    func types(forRoot root: XMLDocument.RootElement) -> [MessageType] {
        messageTypes.filter { $0.entry.match.root == root.localName && ($0.entry.match.namespace ?? "") == root.namespace }
    }

    /// Types with the same root name in another namespace: another major version of a kind.
    func types(forRootNameOnly root: XMLDocument.RootElement) -> [MessageType] {
        messageTypes.filter { $0.entry.match.root == root.localName && ($0.entry.match.namespace ?? "") != root.namespace }
    }

    /// A sorted list `kind version, …` of everything supported (not retired).
    public var supportedSummary: String {
        messageTypes.filter { $0.status != .retired }.map(\.label).uniqued().joined(separator: ", ")
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}

extension SchemaRegistry {
    /// Every kind the gateway knows, once each, in catalog order (the console's choice of kinds).
    public var kinds: [String] {
        messageTypes.map(\.kind).uniqued()
    }
}
