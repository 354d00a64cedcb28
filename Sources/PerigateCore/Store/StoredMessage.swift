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
    /// The registered partner that sent it (its id), when known (``MessageKey``).
    public var senderPartnerId: String?
    public var raw: Data
    /// The canonical facts, when at hand: stored with an accepted message, given back by
    /// ``MessageStore/messages(bsn:)`` (a rebuild of her record), left out by single look-ups.
    public var facts: MessageFacts?
    /// The consent registration this message carries (kind `toestemming`): stores append it to
    /// the consent ledger in the transaction that stores the message, and only then.
    public var exchangeConsent: ExchangeConsent?

    /// Accepted messages carry the client's BSN; rejections never do.
    public var isAccepted: Bool { bsn != nil }

    public init(id: String, receivedAt: String, report: ValidationReport, senderURA: String? = nil,
                bsn: String? = nil, raw: Data, facts: MessageFacts? = nil, senderPartnerId: String? = nil) {
        self.senderPartnerId = senderPartnerId
        self.id = id
        self.receivedAt = receivedAt
        self.report = report
        self.senderURA = senderURA
        self.bsn = bsn
        self.raw = raw
        self.facts = facts
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

    /// The audit lines to write for a message whose id was stored before: a duplicate keeps its
    /// lines except consent registrations (the ledger row was written the first time); a
    /// conflict's lines become `refused`.
    public static func repeatedAuditLines(_ entries: [AuditEntry], duplicate: Bool) -> [AuditEntry] {
        duplicate ? entries.filter { !$0.event.hasPrefix("consent.") } : entries.map(\.refused)
    }
}

/// The status the console shows for a stored row, in SQL (both stores use it): as
/// ``StoredMessage/status`` computes it in Swift — `accepted` (stored under her BSN), `conflict`, `refused` (valid but refused: sender,
/// consent, mapping), `unsupported-version` or the validation outcome of a rejection.
public enum MessageStatusSQL {
    public static let expression = """
        (CASE WHEN bsn IS NOT NULL THEN 'accepted' WHEN substr(id, 1, \(StoredMessage.conflictPrefix.count)) = '\(StoredMessage.conflictPrefix)' THEN 'conflict' \
        WHEN outcome = 'unsupported' AND kind IS NOT NULL THEN 'unsupported-version' \
        WHEN outcome = 'valid' THEN 'refused' ELSE outcome END)
        """
}
