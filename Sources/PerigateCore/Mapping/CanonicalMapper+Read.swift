import Foundation
import PerigateFHIR
import PerigateXML

extension CanonicalMapper {
    /// The result of reading one message end to end.
    public enum Outcome: Sendable {
        /// Valid and mapped.
        case mapped(MessageFacts)
        /// Not mapped: the validation report says why (malformed, unsupported, invalid).
        case rejected(ValidationReport)
    }

    /// The facts of a stored, accepted message: kept ones, or re-derived from its raw bytes with
    /// its stored report (it was validated when it was received; the mapping is a pure function
    /// of the message).
    public func facts(of message: StoredMessage, parser: SafeXMLParser) throws -> MessageFacts {
        if let facts = message.facts { return facts }
        if FHIRMessage.isJSON(message.raw), let facts = try fhirFacts(of: message, document: nil) {
            return attributed(facts, toSender: message.senderURA)
        }
        switch parser.parse(message.raw) {
        case .rejected:
            throw MappingError(code: .storeDamaged, message: "stored message \(message.id) no longer parses")
        case .document(let document):
            if let facts = try fhirFacts(of: message, document: document) { return attributed(facts, toSender: message.senderURA) }
            // A national message that names no URA was attributed to the partner that sent it.
            // Accepted once: one taken without schema validation (ingest.acceptWithoutSchema)
            // maps again as it did then, flagged again.
            return attributed(try map(document, report: message.report, raw: message.raw, allowSchemaRequired: true),
                              toSender: message.senderURA)
        }
    }

    /// Parses, validates and maps one message held in memory. Throws only ``MappingError`` for a
    /// valid message that has no mapper. With `allowSchemaRequired`, a recognised message whose
    /// schema is not installed (the HL7v3 kernset) is mapped without schema validation.
    public func read<Bytes: ContiguousBytes>(_ bytes: Bytes, validator: MessageValidator, allowSchemaRequired: Bool = false) throws -> Outcome {
        switch read(bytes, validator: validator, waiver: allowSchemaRequired ? .all : .none, validated: nil) {
        case .unparsed(let issues): return .rejected(ValidationReport(unparsed: issues))
        case .refused(let report): return .rejected(report)
        case .unmapped(_, let error): throw error
        case .mapped(let facts, _, _): return .mapped(facts)
        }
    }

    /// The one parse → validate → map pipeline. `validated` is told each parsed message's report
    /// and how long its validation took (metrics). Detection runs once: the mapper gets the
    /// message type the validator matched. A recognised message without an XSD is mapped only
    /// when `waiver` allows it; its facts then say `schemaValidated: false`.
    func read<Bytes: ContiguousBytes>(_ bytes: Bytes, validator: MessageValidator, waiver: SchemaWaiver,
                                      validated: ((ValidationReport, Duration) -> Void)?) -> MessageReading {
        let raw = { bytes.withUnsafeBytes { Data($0) } }
        // FHIR JSON by its first byte; FHIR XML by its root's namespace, after the same safe parse.
        if FHIRMessage.isJSON(bytes) {
            let data = raw()
            if data.count > validator.parser.maximumBytes {
                return .unparsed([XMLIssue.tooLarge(data.count, maximum: validator.parser.maximumBytes)])
            }
            return readFHIR(FHIRElement.parseJSON(data), format: .json, raw: data, validated: validated)
        }
        let document: XMLDocument
        switch validator.parser.parse(bytes) {
        case .rejected(let issues): return .unparsed(issues)
        case .document(let parsed): document = parsed
        }
        if FHIRMessage.isFHIR(document) {
            return readFHIR(FHIRElement.fromXML(document), format: .xml, raw: raw(), validated: validated)
        }
        let start = ContinuousClock.now
        let result = validator.validation(of: document)
        validated?(result.report, ContinuousClock.now - start)
        let report = result.report
        guard waiver.allows(report), let type = result.type else {
            return .refused(report)
        }
        do {
            return .mapped(try map(document, as: type, report: report, raw: raw(), allowSchemaRequired: true), report, type)
        } catch {
            return .unmapped(report, error)
        }
    }
}
