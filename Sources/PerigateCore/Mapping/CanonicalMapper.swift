import Foundation

/// Turns a validated message into canonical facts, choosing the mapper by kind and version:
/// Perigate's own kinds, and the national perinatal standards of the Nictiz pack (HL7v3 acute
/// handover 2.1, kernset geboortezorg 2.2/2.3 as ADA and HL7v3, the acute handover as ADA).
///
/// Stateless and `Sendable`: share one between tasks; each call works on its own document.
public struct CanonicalMapper: Sendable {
    public let registry: SchemaRegistry
    /// The day (`yyyy-mm-dd`) that relative ADA test dates (`T-306D`) count from; `nil`: such
    /// dates are a mapping error. Real messages never carry them.
    public var referenceDate: String?

    public init(registry: SchemaRegistry, referenceDate: String? = nil) {
        self.registry = registry
        self.referenceDate = referenceDate
    }

    /// A mapper for the messages `validator` checks, with its reference date.
    public init(validator: MessageValidator) {
        self.init(registry: validator.registry, referenceDate: validator.referenceDate)
    }

    /// Maps `document`, which `report` says is valid (or, with `allowSchemaRequired`, recognised
    /// but without the schema to check it: `perigate map` reads such messages). `raw` names a
    /// message that carries no id of its own (by its SHA-256). Throws ``MappingError`` for an
    /// invalid message or a kind/version without a mapper.
    public func map(_ document: XMLDocument, report: ValidationReport, raw: Data? = nil,
                    allowSchemaRequired: Bool = false) throws -> MessageFacts {
        guard report.isValid || (allowSchemaRequired && report.outcome == .schemaRequired),
              let kind = report.kind, let version = report.version else {
            throw MappingError(code: "mapping.not-valid", message: "only valid messages are mapped (outcome: \(report.outcome.rawValue))")
        }
        guard let type = registry.messageTypes.first(where: { $0.kind == kind && $0.version == version }),
              let mapperName = type.entry.mapper else {
            throw MappingError(code: "mapping.no-mapper", message: "no mapper for \(kind) \(version) yet")
        }
        if mapperName.hasPrefix(kind + ".v"), let namespace = type.entry.match.namespace, namespace.hasPrefix("urn:perigate:") {
            return try PerigateMessageMapper(document: document, kind: kind, version: version, namespace: namespace).map()
        }
        let message = NationalMessage(document: document, kind: kind, version: version, hl7: type.entry.match.namespace == "urn:hl7-org:v3",
                                      reference: referenceDate, raw: raw ?? Data())
        switch mapperName {
        case "acute-overdracht-hl7v3.v2_1": return try AcuteOverdrachtHL7Mapper(message).map()
        case "acute-overdracht-ada.v2_1": return try AcuteOverdrachtADAMapper(message).map()
        case "kernset-ada.v2_2", "kernset-ada.v2_3": return try KernsetADAMapper(message).map()
        case "kernset-hl7v3.v2_2", "kernset-hl7v3.v2_3": return try KernsetHL7Mapper(message).map()
        case "jgz-dossieroverdracht-hl7v3.v7_0": return try JGZDossierHL7Mapper(message).map()
        default:
            throw MappingError(code: "mapping.no-mapper", message: "no mapper for \(kind) \(version) yet")
        }
    }

    /// Whether messages of this kind name their sender by URA (Perigate's own kinds must); a
    /// national message without one is attributed to the authenticated partner.
    public func requiresSenderURA(kind: String) -> Bool {
        registry.messageTypes.first { $0.kind == kind }?.entry.match.namespace?.hasPrefix("urn:perigate:") ?? true
    }

    /// `facts` with the sender's URA filled in from `ura` (the authenticated partner that sent it)
    /// when the message names none and its kind does not have to (ADA); else unchanged.
    public func attributed(_ facts: MessageFacts, toSender ura: String?) -> MessageFacts {
        guard facts.provenance.sender.ura == nil, let ura, !requiresSenderURA(kind: facts.provenance.kind) else { return facts }
        var attributed = facts
        attributed.provenance.sender.ura = ura
        return attributed
    }
}
