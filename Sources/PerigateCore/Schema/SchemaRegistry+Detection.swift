import PerigateXML

/// What detection found for a document.
public enum Detection {
    /// Exactly this kind and version.
    case matched(MessageType)
    /// The root element is known, but not this version (or a retired one): `found` says what the
    /// message declares (`app="perinatologie-236"`), the supported versions are listed.
    case unsupportedVersion(found: String?, supported: [MessageType], retired: MessageType?)
    /// More than one entry claims the message (catalogs whose own XPath or template conditions
    /// overlap, which load cannot see): never "first wins".
    case ambiguous([MessageType])
    /// Nothing in any catalog matches the root element.
    case unknown(XMLDocument.RootElement)
}

extension SchemaRegistry {
    /// Detects kind and version from what the message declares: the root element's namespace
    /// and `versie`; for HL7v3 the interaction, template and profile ids; for ADA the transaction
    /// element's `@app` and `@transactionRef`. An entry matches only its own version. Never reads
    /// `xsi:schemaLocation`.
    public func detect(_ document: XMLDocument) -> Detection {
        guard let root = document.root else { return .unknown(.init(localName: "", namespace: "", versie: nil, line: nil)) }
        let candidates = types(forRoot: root)
        guard !candidates.isEmpty else {
            let otherMajors = types(forRootNameOnly: root).filter { $0.status != .retired }
            if otherMajors.isEmpty { return .unknown(root) }
            return .unsupportedVersion(found: root.versie, supported: otherMajors, retired: nil)
        }
        let places = TransactionPlaces()
        let matching = candidates.filter { conditionsHold($0.entry.match, type: $0, document: document, root: root, places: places) }
        guard let type = matching.first else {
            return unsupported(document, root: root, candidates: candidates)
        }
        guard matching.count == 1 else { return .ambiguous(matching) }
        if type.status == .retired {
            return .unsupportedVersion(found: type.version, supported: sameKind(as: type, in: candidates), retired: type)
        }
        return .matched(type)
    }

    /// No entry matched: the versions of the kind the message is (its ADA transaction, its
    /// interaction), and what it declares instead.
    private func unsupported(_ document: XMLDocument, root: XMLDocument.RootElement, candidates: [MessageType]) -> Detection {
        // ADA: candidates of the transaction the message carries (adaxml holds many kinds).
        let present = candidates.filter { type in
            guard let transaction = type.entry.match.transaction else { return true }
            return transactionElement(transaction, in: document, type: type) != nil
        }
        // Every version of the kinds found (kernset-ada 2.2 is another transaction, still the kind).
        let kinds = Set(present.map(\.kind))
        let supported = (present.isEmpty ? candidates : candidates.filter { kinds.contains($0.kind) }).filter { $0.status != .retired }
        return .unsupportedVersion(found: declaration(of: document, root: root, for: present.isEmpty ? candidates : present),
                                   supported: supported, retired: nil)
    }

    private func sameKind(as type: MessageType, in candidates: [MessageType]) -> [MessageType] {
        candidates.filter { $0.kind == type.kind && $0.status != .retired }
    }

    /// What the message declares in the places `types` look at: `versie="1.9"`,
    /// `app="perinatologie-236"`, `interactionId="…"`, `templateId` none of the known ones.
    private func declaration(of document: XMLDocument, root: XMLDocument.RootElement, for types: [MessageType]) -> String? {
        var parts: [String] = []
        let matches = types.map(\.entry.match)
        if let type = types.first(where: { $0.entry.match.transaction != nil }), let transaction = type.entry.match.transaction {
            if let element = transactionElement(transaction, in: document, type: type) {
                if matches.contains(where: { $0.app != nil }) { parts.append("app=" + Self.quoted(element.attribute("app"))) }
                if matches.contains(where: { $0.transactionRef != nil }) {
                    parts.append("transactionRef=" + Self.quoted(element.attribute("transactionRef")))
                }
            } else {
                parts.append("no ADA transaction of \(matches.compactMap(\.transaction).uniqued().joined(separator: ", "))")
            }
        }
        if let type = types.first, matches.contains(where: { $0.interactionId != nil || $0.profileId != nil }) {
            let query = rootQuery(document, type: type)
            if matches.contains(where: { $0.interactionId != nil }) {
                parts.append("interactionId=" + Self.quoted(first(query.path("interactionId/@extension"), in: query)))
            }
            if matches.contains(where: { $0.profileId != nil }) {
                parts.append("profileId=" + Self.quoted(first(query.path("profileId/@extension"), in: query)))
            }
        }
        let templates = matches.compactMap(\.templateId).uniqued()
        if !templates.isEmpty { parts.append("no templateId of \(templates.joined(separator: ", "))") }
        guard !parts.isEmpty else { return root.versie.map(Self.cleaned) }
        if matches.contains(where: { $0.versie != nil }) { parts.insert("versie=" + Self.quoted(root.versie), at: 0) }
        return parts.joined(separator: " ")
    }

    private func conditionsHold(_ match: Catalog.Match, type: MessageType, document: XMLDocument,
                                root: XMLDocument.RootElement, places: TransactionPlaces) -> Bool {
        if let versie = match.versie, versie != root.versie { return false }
        guard match.interactionId != nil || match.templateId != nil || match.profileId != nil || match.xpath != nil
            || match.transaction != nil else { return true }
        let query = rootQuery(document, type: type)
        if let interaction = match.interactionId {
            guard first(query.path("interactionId/@extension"), in: query) == interaction else { return false }
        }
        if let profile = match.profileId {
            guard first(query.path("profileId/@extension"), in: query) == profile else { return false }
        }
        if let template = match.templateId {
            guard (try? query.query.bool("boolean(//\(query.prefix)templateId[@root='\(template)'])")) == true else { return false }
        }
        if let transaction = match.transaction {
            guard let element = transactionElement(transaction, in: query, places: places) else { return false }
            if let apps = match.app, !apps.contains(element.attribute("app") ?? "") { return false }
            if let reference = match.transactionRef, element.attribute("transactionRef") != reference { return false }
        }
        if let xpath = match.xpath {
            guard (try? query.query.bool(xpath)) == true else { return false }
        }
        return true
    }

    /// The ADA transaction element, in the only two places an ADA message has it: the root
    /// itself, or the child of the envelope's `data` (`/adaxml/data/kernset_geboortezorg`). Never
    /// anywhere else: `adaxml/meta` takes any content unchecked, and a decoy there must not choose
    /// the release. The national mappers read the transaction from the same places.
    private func transactionElement(_ name: String, in document: XMLDocument, type: MessageType) -> XMLNode? {
        transactionElement(name, in: rootQuery(document, type: type), places: TransactionPlaces())
    }

    /// The same, with the query the caller already made for this entry and the places already
    /// read for this message: `(/ns:name | /*/ns:data/ns:name)[1]`, with the elements in those two
    /// places (of the entry's namespace, in document order) read once per namespace — one query
    /// per message instead of one per ADA entry.
    private func transactionElement(_ name: String, in query: RootQuery, places: TransactionPlaces) -> XMLNode? {
        let elements = places.elements(for: query.namespace) {
            let own = query.prefix.isEmpty ? "*[namespace-uri()='']" : query.prefix + "*"
            return (try? query.query.nodes("/\(own) | /*/\(query.prefix)data/\(own)")) ?? []
        }
        return elements.first { $0.localName == name }
    }

    /// The elements where an ADA message may carry its transaction, by namespace, for one detection.
    private final class TransactionPlaces {
        private var byNamespace: [String: [XMLNode]] = [:]

        func elements(for namespace: String, read: () -> [XMLNode]) -> [XMLNode] {
            if let known = byNamespace[namespace] { return known }
            let found = read()
            byNamespace[namespace] = found
            return found
        }
    }

    private struct RootQuery {
        var query: XPathQuery
        /// The namespace `pgroot:` stands for in `query` ("" when the entry has none): what the
        /// places a transaction may be are read by.
        var namespace: String
        /// `pgroot:` when the root has a namespace, else empty.
        var prefix: String
        /// `/*/<prefix>name…`: a path below the root.
        func path(_ relative: String) -> String {
            "/*/" + relative.split(separator: "/").map { $0.hasPrefix("@") ? String($0) : prefix + $0 }.joined(separator: "/")
        }
    }

    private func rootQuery(_ document: XMLDocument, type: MessageType) -> RootQuery {
        let namespace = type.entry.match.namespace ?? ""
        let namespaces = type.namespaces.merging(["pgroot": namespace]) { own, _ in own }
        return RootQuery(query: XPathQuery(document: document, namespaces: namespaces),
                         namespace: namespace.isEmpty ? "" : namespaces["pgroot"] ?? namespace, prefix: namespace.isEmpty ? "" : "pgroot:")
    }

    /// A value the message declares, as it may appear in an error text: at most 64 characters,
    /// quotes and control characters replaced (the sender controls every byte of it).
    static func quoted(_ value: String?) -> String {
        "\"" + cleaned(value ?? "") + "\""
    }

    /// At most 64 characters, quotes and control characters replaced.
    static func cleaned(_ value: String) -> String {
        let cleaned = String(value.unicodeScalars.map { scalar -> Character in
            scalar == "\"" || scalar.properties.generalCategory == .control ? "?" : Character(scalar)
        })
        return cleaned.count > 64 ? cleaned.prefix(64) + "…" : cleaned
    }

    private func first(_ expression: String, in query: RootQuery) -> String? {
        (try? query.query.matches(expression))?.first?.value
    }
}
