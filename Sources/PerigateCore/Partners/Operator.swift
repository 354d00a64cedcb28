/// A gateway operator (application administrator): may list, retry and replay deliveries over
/// HTTP and, with a password, use the operator console. Never a partner: an operator account
/// opens no client file.
public struct Operator: Sendable, Codable, Hashable {
    public var id: String
    public var name: String
    public var createdAt: String
    public var revoked: Bool
    public var role: OperatorRole

    public init(id: String, name: String, createdAt: String, revoked: Bool = false, role: OperatorRole = .operator) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.revoked = revoked
        self.role = role
    }

    /// Operator tokens start with this.
    public static let tokenPrefix = "pgo_"
}

/// What an operator may do in the console. Operators run the exchange (outbox, partners,
/// subscriptions); log administrators (NEN 7513 *logbeheerder*) look at the access log and may,
/// with a stated reason, find one client's messages or export her access log. Both see the
/// dashboard and message metadata; neither sees message content.
public enum OperatorRole: String, Sendable, Codable, Hashable, CaseIterable {
    case `operator`
    case logAdministrator = "log-administrator"

    /// The Dutch name shown in the console.
    public var dutchName: String {
        switch self {
        case .operator: "beheerder"
        case .logAdministrator: "logbeheerder"
        }
    }
}

/// An operator with the hash of their console password (`nil`: no console login yet).
public struct OperatorAccount: Sendable, Hashable {
    public var account: Operator
    public var passwordHash: String?

    public init(account: Operator, passwordHash: String?) {
        self.account = account
        self.passwordHash = passwordHash
    }
}

/// Where operators live. Each method is one transaction.
public protocol OperatorRegistry: Sendable {
    func addOperator(_ operator: Operator, tokenHash: String, audit: AuditEntry) async throws
    /// The active operator holding the token with this hash.
    func activeOperator(tokenHash: String) async throws -> Operator?
    /// The operator with this id (active or revoked) and their password hash.
    func operatorAccount(id: String) async throws -> OperatorAccount?
    /// Sets the console password hash (a bcrypt string); `false` when there is no such operator.
    func setOperatorPassword(id: String, passwordHash: String, audit: AuditEntry) async throws -> Bool
    /// Every operator (active and revoked), by id.
    func operatorAccounts() async throws -> [OperatorAccount]
    /// Revokes an operator: its token and console login open nothing from the next request on;
    /// `false` when there is no such active operator.
    func revokeOperator(id: String, audit: AuditEntry) async throws -> Bool
}
