import Foundation

/// A message as the gateway keeps it: the raw bytes exactly as received, the validation report,
/// and (for accepted messages) its canonical facts.
public struct StoredMessage: Sendable, Hashable {
    /// The message id: the `berichtId` for accepted messages, a gateway-made id for rejections.
    public var id: String
    /// When the gateway received it (UTC, ISO 8601).
    public var receivedAt: String
    public var report: ValidationReport
    /// The sender's URA as authenticated (not as claimed in the message), when known.
    public var senderURA: String?
    /// The client's BSN (accepted messages).
    public var bsn: String?
    public var raw: Data
    /// The canonical facts, when at hand (the SQLite store does not keep them: they are
    /// re-derived from `raw` on read, which is faster than decoding stored JSON).
    public var facts: MessageFacts?

    /// Accepted messages carry the client's BSN; rejections never do.
    public var isAccepted: Bool { bsn != nil }

    public init(id: String, receivedAt: String, report: ValidationReport, senderURA: String? = nil,
                bsn: String? = nil, raw: Data, facts: MessageFacts? = nil) {
        self.id = id
        self.receivedAt = receivedAt
        self.report = report
        self.senderURA = senderURA
        self.bsn = bsn
        self.raw = raw
        self.facts = facts
    }
}

/// One access fact for the audit log (AUDIT.md; the next issue completes the fields).
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
    }
}

/// What storing a message did.
public enum AcceptOutcome: Sendable, Hashable {
    /// Newly stored.
    case stored
    /// The same id with the same bytes was stored before: the original is returned (idempotent).
    case duplicate(StoredMessage)
    /// The same id with different bytes: refused, the original stays.
    case conflict(StoredMessage)
}
