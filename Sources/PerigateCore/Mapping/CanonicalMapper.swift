/// Turns a validated message into canonical facts, choosing the mapper by kind and version.
///
/// Stateless and `Sendable`: share one between tasks; each call works on its own document.
public struct CanonicalMapper: Sendable {
    public let registry: SchemaRegistry

    public init(registry: SchemaRegistry) {
        self.registry = registry
    }

    /// Maps `document`, which `report` says is valid. Throws ``MappingError`` for an invalid
    /// message or a kind/version without a mapper.
    public func map(_ document: XMLDocument, report: ValidationReport) throws -> MessageFacts {
        guard report.isValid, let kind = report.kind, let version = report.version else {
            throw MappingError(code: "mapping.not-valid", message: "only valid messages are mapped (outcome: \(report.outcome.rawValue))")
        }
        guard let type = registry.messageTypes.first(where: { $0.kind == kind && $0.version == version }),
              let mapperName = type.entry.mapper, mapperName.hasPrefix(kind + ".v"),
              let namespace = type.entry.match.namespace, namespace.hasPrefix("urn:perigate:") else {
            throw MappingError(code: "mapping.no-mapper", message: "no mapper for \(kind) \(version) yet")
        }
        return try PerigateMessageMapper(document: document, kind: kind, version: version, namespace: namespace).map()
    }
}
