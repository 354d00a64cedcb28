/// A validation report together with the message type detection matched, so that the mapper
/// uses that type instead of looking it up again (one detection per message).
struct ValidationResult: Sendable {
    var report: ValidationReport
    /// The matched kind and version; `nil` when detection matched nothing (unknown kind,
    /// unsupported or retired version).
    var type: MessageType?
}
