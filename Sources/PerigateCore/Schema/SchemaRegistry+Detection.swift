import PerigateXML

/// What detection found for a document.
public enum Detection {
    /// Exactly this kind and version.
    case matched(MessageType)
    /// The root element is known, but not this version (or a retired one): the supported
    /// versions of that root are listed.
    case unsupportedVersion(found: String?, supported: [MessageType], retired: MessageType?)
    /// Nothing in any catalog matches the root element.
    case unknown(XMLDocument.RootElement)
}

extension SchemaRegistry {
    /// Detects kind and version from the root element's namespace and `versie` attribute and,
    /// for HL7v3, the interaction id and template id. Never reads `xsi:schemaLocation`.
    public func detect(_ document: XMLDocument) -> Detection {
        guard let root = document.root else { return .unknown(.init(localName: "", namespace: "", versie: nil, line: nil)) }
        let candidates = types(forRoot: root)
        guard !candidates.isEmpty else {
            let otherMajors = types(forRootNameOnly: root).filter { $0.status != .retired }
            if otherMajors.isEmpty { return .unknown(root) }
            return .unsupportedVersion(found: root.versie, supported: otherMajors, retired: nil)
        }
        var matching: [MessageType] = []
        for type in candidates where conditionsHold(type.entry.match, type: type, document: document) {
            matching.append(type)
        }
        let exact = matching.filter { $0.entry.match.versie == nil || $0.entry.match.versie == root.versie }
        if let type = exact.first {
            if type.status == .retired {
                return .unsupportedVersion(found: type.version, supported: candidates.filter { $0.status != .retired }, retired: type)
            }
            return .matched(type)
        }
        return .unsupportedVersion(found: root.versie, supported: candidates.filter { $0.status != .retired }, retired: nil)
    }

    private func conditionsHold(_ match: Catalog.Match, type: MessageType, document: XMLDocument) -> Bool {
        guard match.interactionId != nil || match.templateId != nil || match.xpath != nil else { return true }
        let namespacePrefix = (match.namespace ?? "").isEmpty ? "" : "pgroot:"
        let query = XPathQuery(document: document, namespaces: type.namespaces.merging(["pgroot": match.namespace ?? ""]) { own, _ in own })
        if let interaction = match.interactionId {
            let expression = "/*/\(namespacePrefix)interactionId/@extension"
            guard let values = try? query.matches(expression), values.contains(where: { $0.value == interaction }) else { return false }
        }
        if let template = match.templateId {
            let expression = "boolean(//\(namespacePrefix)templateId[@root='\(template)'])"
            guard (try? query.bool(expression)) == true else { return false }
        }
        if let xpath = match.xpath {
            guard (try? query.bool(xpath)) == true else { return false }
        }
        return true
    }
}
