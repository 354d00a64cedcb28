import Foundation
import PerigateXML

/// Turns a validated message into canonical facts, choosing the mapper by kind and version:
/// Perigate's own kinds, and the national perinatal standards of the Nictiz pack (HL7v3 acute
/// handover 2.1, kernset geboortezorg 2.2/2.3.x as ADA and HL7v3, the acute handover as ADA, JGZ
/// dossier transfer 7.0 and 8.0, the 3.2.6 pregnancy card as ADA).
///
/// Stateless and `Sendable`: share one between tasks; each call works on its own document.
public struct CanonicalMapper: Sendable {
    /// The message types whose mappers it chooses from.
    public let registry: SchemaRegistry
    /// The day (`yyyy-mm-dd`) that relative ADA test dates (`T-306D`) count from; `nil`: such
    /// dates are a mapping error. Real messages never carry them.
    public var referenceDate: String?

    /// A mapper over `registry`'s types; `referenceDate` for ADA relative test dates.
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
    /// invalid message or a kind/version without a mapper. Looks the message type up by the
    /// report's kind and version; a fresh validation hands it over instead (``read(_:validator:allowSchemaRequired:)``).
    public func map(_ document: XMLDocument, report: ValidationReport, raw: Data? = nil,
                    allowSchemaRequired: Bool = false) throws -> MessageFacts {
        try Self.requireMappable(report, allowSchemaRequired: allowSchemaRequired)
        // A message stored under a version label the pack has since made precise (kernset-ada
        // 2.3 is now 2.3.4) is found by detecting it again.
        guard let kind = report.kind, let version = report.version,
              let type = registry.messageTypes.first(where: { $0.kind == kind && $0.version == version })
                ?? detected(document, kind: kind) else {
            throw MappingError(code: .noMapper, message: "no mapper for \(report.kind ?? "") \(report.version ?? "") yet")
        }
        return try map(document, as: type, report: report, raw: raw, allowSchemaRequired: allowSchemaRequired)
    }

    /// Maps `document` as `type`, the message type its validation matched (no second lookup).
    func map(_ document: XMLDocument, as type: MessageType, report: ValidationReport, raw: Data? = nil,
             allowSchemaRequired: Bool = false) throws -> MessageFacts {
        try Self.requireMappable(report, allowSchemaRequired: allowSchemaRequired)
        let (kind, version) = (type.kind, type.version)
        guard let mapperName = type.entry.mapper else {
            throw MappingError(code: .noMapper, message: "no mapper for \(kind) \(version) yet")
        }
        if mapperName.hasPrefix(kind + ".v"), let namespace = type.entry.match.namespace, namespace.hasPrefix("urn:perigate:") {
            return try PerigateMessageMapper(document: document, kind: kind, version: version, namespace: namespace).map()
        }
        var facts = try mapNational(document, as: type, mapper: mapperName, raw: raw)
        if report.outcome == .schemaRequired { facts.provenance.schemaValidated = false }
        return facts
    }

    private func mapNational(_ document: XMLDocument, as type: MessageType, mapper mapperName: String, raw: Data?) throws -> MessageFacts {
        let (kind, version) = (type.kind, type.version)
        let message = NationalMessage(document: document, kind: kind, version: version, hl7: type.entry.match.namespace == "urn:hl7-org:v3",
                                      reference: referenceDate, raw: raw ?? Data())
        switch mapperName {
        case "acute-overdracht-hl7v3.v2_1": return try AcuteOverdrachtHL7Mapper(message).map()
        case "acute-overdracht-ada.v2_1": return try AcuteOverdrachtADAMapper(message).map()
        case "kernset-ada.v2_2", "kernset-ada.v2_3": return try KernsetADAMapper(message).map()
        case "kernset-hl7v3.v2_2", "kernset-hl7v3.v2_3": return try KernsetHL7Mapper(message).map()
        case "jgz-dossieroverdracht-hl7v3.v7_0", "jgz-dossieroverdracht-hl7v3.v8_0": return try JGZDossierHL7Mapper(message).map()
        case "zwangerschapskaart-ada.v3_2_6": return try ZwangerschapskaartADAMapper(message).map()
        default:
            throw MappingError(code: .noMapper, message: "no mapper for \(kind) \(version) yet")
        }
    }

    private func detected(_ document: XMLDocument, kind: String) -> MessageType? {
        guard case .matched(let type) = registry.detect(document), type.kind == kind else { return nil }
        return type
    }

    /// Only valid messages are mapped (and, when allowed, recognised ones without a schema).
    private static func requireMappable(_ report: ValidationReport, allowSchemaRequired: Bool) throws {
        guard report.isValid || (allowSchemaRequired && report.outcome == .schemaRequired),
              report.kind != nil, report.version != nil else {
            throw MappingError(code: .notValid, message: "only valid messages are mapped (outcome: \(report.outcome.rawValue))")
        }
    }

    /// Whether messages of this kind name their sender by URA (Perigate's own kinds must); a
    /// national message without one is attributed to the authenticated partner.
    public func requiresSenderURA(kind: String) -> Bool {
        registry.messageTypes.first { $0.kind == kind }?.requiresSenderURA ?? true
    }

    /// `facts` with the sender's URA filled in from `ura` (the authenticated partner that sent it)
    /// when the message names none and its kind does not have to (ADA); else unchanged.
    public func attributed(_ facts: MessageFacts, toSender ura: String?) -> MessageFacts {
        attributed(facts, toSender: ura, requiresURA: requiresSenderURA(kind: facts.provenance.kind))
    }

    /// ``attributed(_:toSender:)`` for a message whose type is known: `requiresURA` is
    /// ``MessageType/requiresSenderURA`` of that type (no lookup).
    func attributed(_ facts: MessageFacts, toSender ura: String?, requiresURA: Bool) -> MessageFacts {
        guard facts.provenance.sender.ura == nil, let ura, !requiresURA else { return facts }
        var attributed = facts
        attributed.provenance.sender.ura = ura
        return attributed
    }
}
