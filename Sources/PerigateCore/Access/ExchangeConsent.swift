/// The client's consent for exchange through the gateway (Wabvpz art. 15a), as registered by a
/// care professional who informed her: given or withdrawn. The latest registration counts; the
/// ledger is append-only, so every change stays visible.
public struct ExchangeConsent: Sendable, Codable, Hashable {
    /// Normalised 9-digit BSN of the client.
    public var bsn: String
    /// `given` or `withdrawn`.
    public var status: Status
    /// The date the client gave or withdrew it (ISO 8601 date), as stated by the professional.
    public var date: String
    /// When the gateway registered it (UTC, ISO 8601).
    public var recordedAt: String
    /// Who registered it (audit actor form: `ura:…/uzi:…`).
    public var recordedBy: String
    /// The `toestemming` message that registered it; `nil` when registered through the API.
    public var messageId: String?

    public enum Status: String, Sendable, Codable, Hashable {
        case given
        case withdrawn

        /// The audit event of registering it: `consent.given` or `consent.withdrawn`.
        public var auditEvent: String { "consent.\(rawValue)" }
    }

    public init(bsn: String, status: Status, date: String, recordedAt: String, recordedBy: String, messageId: String? = nil) {
        self.bsn = bsn
        self.status = status
        self.date = date
        self.recordedAt = recordedAt
        self.recordedBy = recordedBy
        self.messageId = messageId
    }
}
