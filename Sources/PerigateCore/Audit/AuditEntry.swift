import Foundation

/// One access fact for the audit log (AUDIT.md). Stored as one line of a hash chain
/// (``AuditChain``): its canonical JSON, the previous line's hash and its own.
public struct AuditEntry: Sendable, Codable, Hashable {
    /// Sequence number, given by the store (0 before it is written).
    public var sequence: Int
    /// UTC, ISO 8601.
    public var time: String
    /// Who acted, e.g. `ura:27654321/uzi:900067890`.
    public var actor: String
    /// Coded event, e.g. `message.import`, `record.read`.
    public var event: String
    /// C, R, U, D or E.
    public var action: String
    /// What was touched, e.g. `bsn:999990007` or `message:<id>`.
    public var object: String
    /// `success`, `refused` or `error`.
    public var outcome: String
    /// Why (a refusal code such as `access.no-consent`) or on what basis (`consent:registered`).
    public var detail: String?
    /// The client concerned (normalised BSN), when the object is client data: taken from an
    /// `object` that starts with `bsn:`. Her own access log is selected by it.
    public var client: String?

    /// The same line with outcome `refused`.
    public var refused: AuditEntry {
        var copy = self
        copy.outcome = "refused"
        return copy
    }

    public init(sequence: Int = 0, time: String, actor: String, event: String, action: String, object: String, outcome: String,
                detail: String? = nil) {
        self.sequence = sequence
        self.time = time
        self.actor = actor
        self.event = event
        self.action = action
        self.object = object
        self.outcome = outcome
        self.detail = detail
        client = object.hasPrefix("bsn:") ? String(object.dropFirst(4).prefix { $0.isNumber }) : nil
    }
}

