/// A search over stored messages and rejections by their metadata (never their content).
public struct MessageQuery: Sendable, Hashable {
    public var id: String?
    public var kind: String?
    public var senderURA: String?
    /// `accepted`, `refused` (valid but refused), or the validation outcome of a rejection
    /// (`invalid`, `malformed`, `unsupported`, `schema-required`).
    public var outcome: String?
    /// Received at or after this ISO 8601 UTC time.
    public var from: String?
    /// Received at or before this ISO 8601 UTC time.
    public var to: String?
    /// Only her messages: for log administrators with a stated reason.
    public var bsn: String?
    public var limit: Int

    public init(id: String? = nil, kind: String? = nil, senderURA: String? = nil, outcome: String? = nil, from: String? = nil,
                to: String? = nil, bsn: String? = nil, limit: Int = 100) {
        self.id = id
        self.kind = kind
        self.senderURA = senderURA
        self.outcome = outcome
        self.from = from
        self.to = to
        self.bsn = bsn
        self.limit = limit
    }
}

/// One stored message or rejection as a search lists it: no BSN, no content.
public struct MessageSummary: Sendable, Hashable {
    public var id: String
    public var receivedAt: String
    public var kind: String?
    public var version: String?
    /// As in ``MessageQuery/outcome``.
    public var outcome: String
    public var senderURA: String?
    public var size: Int

    public init(id: String, receivedAt: String, kind: String?, version: String?, outcome: String, senderURA: String?, size: Int) {
        self.id = id
        self.receivedAt = receivedAt
        self.kind = kind
        self.version = version
        self.outcome = outcome
        self.senderURA = senderURA
        self.size = size
    }
}

/// How many messages of one kind, version and outcome arrived in a period.
public struct MessageCount: Sendable, Hashable {
    public var kind: String
    public var version: String
    public var outcome: String
    public var count: Int

    public init(kind: String, version: String, outcome: String, count: Int) {
        self.kind = kind
        self.version = version
        self.outcome = outcome
        self.count = count
    }

    /// By kind, version and outcome (byte order, whatever the database's collation).
    public static func displayOrder(_ a: MessageCount, _ b: MessageCount) -> Bool {
        (a.kind, a.version, a.outcome) < (b.kind, b.version, b.outcome)
    }
}

extension StoredMessage {
    /// What the console calls it (``MessageQuery/outcome``): `accepted` when stored under her
    /// BSN, `refused` when valid but refused, else the validation outcome. The stores' SQL
    /// (`MessageStatusSQL`) computes the same from the columns.
    public var status: String {
        isAccepted ? "accepted" : report.outcome == .valid ? "refused" : report.outcome.rawValue
    }
}

/// Stores the operator console reads: message metadata, counts, rejection reports.
public protocol MessageBrowsing: Sendable {
    /// Newest first, at most `query.limit`.
    func messageSummaries(matching query: MessageQuery) async throws -> [MessageSummary]
    /// Counts by kind, version and outcome of what arrived at or after `since` (unknown kinds as `-`).
    func messageCounts(since: String) async throws -> [MessageCount]
    /// The validation reports of the newest rejections since `since`, at most `limit`.
    func rejectionReports(since: String, limit: Int) async throws -> [ValidationReport]
}

extension Array where Element == ValidationReport {
    /// Error codes and how many rejections carry each (a report counts once per code), most first.
    public func rejectionReasons() -> [(code: String, count: Int)] {
        var counts: [String: Int] = [:]
        for report in self {
            for code in Set(report.issues.filter { $0.severity == .error }.map(\.code)) { counts[code, default: 0] += 1 }
        }
        return counts.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value }.map { ($0.key, $0.value) }
    }
}

/// Server-side sessions (the operator console's): opaque values under the hash of a session
/// key, with an expiry; shared by all nodes on one store.
public protocol SessionStore: Sendable {
    /// Inserts or replaces the value under `keyHash`.
    func putSession(keyHash: String, value: String, expiresAt: String) async throws
    /// The value, when present and `expiresAt > now`.
    func session(keyHash: String, now: String) async throws -> String?
    func removeSession(keyHash: String) async throws
}
