import PerigateXML

/// How reading one message end to end (parse → validate → map) ended; the single pipeline
/// behind ``CanonicalMapper/read(_:validator:allowSchemaRequired:)`` and ``IngestService``,
/// which each turn it into their own outcome.
enum MessageReading {
    /// The parser refused the bytes (malformed, too large, DOCTYPE, empty): never validated.
    case unparsed([XMLIssue])
    /// Parsed and validated, but not to be mapped: the report says why (unsupported, invalid…).
    case refused(ValidationReport)
    /// Valid, but the mapper failed (a ``MappingError`` such as no mapper, a missing BSN).
    case unmapped(ValidationReport, any Error)
    /// Mapped: the facts, the report and the matched message type.
    case mapped(MessageFacts, ValidationReport, MessageType)
}
