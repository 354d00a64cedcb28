/// A client-portal credential: a token bound to one client's BSN, with which she (through her
/// portal) may read her own access log — nothing else.
public struct ClientCredential: Sendable, Codable, Hashable {
    public var id: String
    /// Normalised 9-digit BSN it is bound to.
    public var bsn: String
    public var createdAt: String
    public var revoked: Bool

    public init(id: String, bsn: String, createdAt: String, revoked: Bool = false) {
        self.id = id
        self.bsn = bsn
        self.createdAt = createdAt
        self.revoked = revoked
    }

    /// Client-portal tokens start with this, partner tokens with `pgt_`.
    public static let tokenPrefix = "pgc_"
}

/// Where client-portal credentials live. Each method is one transaction.
public protocol ClientCredentialRegistry: Sendable {
    func addClientCredential(_ credential: ClientCredential, tokenHash: String, audit: AuditEntry) async throws
    /// The active credential holding the token with this hash.
    func clientCredential(tokenHash: String) async throws -> ClientCredential?
}
