/// The client's own confirmation, through her client portal, that an organisation is in her
/// care team: it establishes that organisation's care relationship (``CareTeam``). Kept in an
/// append-only ledger like her consents.
public struct CareConfirmation: Sendable, Codable, Hashable {
    /// Normalised 9-digit BSN of the client.
    public var bsn: String
    /// The organisation she confirmed (its URA as registered).
    public var ura: String
    /// When the gateway registered it (UTC, ISO 8601).
    public var confirmedAt: String
    /// Her client credential (`client:{credential id}`).
    public var confirmedBy: String

    public init(bsn: String, ura: String, confirmedAt: String, confirmedBy: String) {
        self.bsn = bsn
        self.ura = ura
        self.confirmedAt = confirmedAt
        self.confirmedBy = confirmedBy
    }
}
