import Foundation

extension CanonicalMapper {
    /// The result of reading one message end to end.
    public enum Outcome: Sendable {
        case mapped(MessageFacts)
        /// Not mapped: the validation report says why (malformed, unsupported, invalid).
        case rejected(ValidationReport)
    }

    /// The facts of a stored, accepted message: kept ones, or re-derived from its raw bytes with
    /// its stored report (it was validated when it was received; the mapping is a pure function
    /// of the message).
    public func facts(of message: StoredMessage, parser: SafeXMLParser) throws -> MessageFacts {
        if let facts = message.facts { return facts }
        switch parser.parse(message.raw) {
        case .rejected:
            throw MappingError(code: "store.damaged", message: "stored message \(message.id) no longer parses")
        case .document(let document):
            // A national message that names no URA was attributed to the partner that sent it.
            return attributed(try map(document, report: message.report, raw: message.raw), toSender: message.senderURA)
        }
    }

    /// The facts of every accepted message about her (normalised BSN), in storage order.
    public func facts(bsn: String, in store: any MessageStore, parser: SafeXMLParser) async throws -> [MessageFacts] {
        try await store.messages(bsn: bsn).map { try facts(of: $0, parser: parser) }
    }

    /// Parses, validates and maps one message held in memory. Throws only ``MappingError`` for a
    /// valid message that has no mapper. With `allowSchemaRequired`, a recognised message whose
    /// schema is not installed (the HL7v3 kernset) is mapped without schema validation.
    public func read<Bytes: ContiguousBytes>(_ bytes: Bytes, validator: MessageValidator, allowSchemaRequired: Bool = false) throws -> Outcome {
        switch validator.parser.parse(bytes) {
        case .rejected(let issues):
            return .rejected(ValidationReport(outcome: .malformed, issues: issues))
        case .document(let document):
            let report = validator.validate(document)
            guard report.isValid || (allowSchemaRequired && report.outcome == .schemaRequired) else { return .rejected(report) }
            return .mapped(try map(document, report: report, raw: bytes.withUnsafeBytes { Data($0) }, allowSchemaRequired: allowSchemaRequired))
        }
    }
}
