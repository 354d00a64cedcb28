/// A gateway operator (application administrator): may list, retry and replay deliveries over
/// HTTP. Never a partner: an operator token opens no client data.
public struct Operator: Sendable, Codable, Hashable {
    public var id: String
    public var name: String
    public var createdAt: String
    public var revoked: Bool

    public init(id: String, name: String, createdAt: String, revoked: Bool = false) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.revoked = revoked
    }

    /// Operator tokens start with this.
    public static let tokenPrefix = "pgo_"
}

/// Where operators live. Each method is one transaction.
public protocol OperatorRegistry: Sendable {
    func addOperator(_ operator: Operator, tokenHash: String, audit: AuditEntry) async throws
    /// The active operator holding the token with this hash.
    func activeOperator(tokenHash: String) async throws -> Operator?
}
