/// A search over stored messages and rejections by their metadata (never their content).
public struct MessageQuery: Sendable, Hashable {
    /// Exactly this id.
    public var id: String?
    /// Ids beginning with this text, taken literally (a `%` or `_` is no wildcard: ``likePrefix(_:)``).
    public var idPrefix: String?
    public var kind: String?
    public var senderURA: String?
    /// `accepted`, `refused` (valid but refused), `conflict` (same id, other content),
    /// `unsupported-version` (a known kind, a version not taken), or the validation outcome of a
    /// rejection (`invalid`, `malformed`, `unsupported` (an unknown kind), `schema-required`).
    public var outcome: String?
    /// Received at or after this ISO 8601 UTC time.
    public var from: String?
    /// Received at or before this ISO 8601 UTC time.
    public var to: String?
    /// Only her messages: for log administrators with a stated reason.
    public var bsn: String?
    public var limit: Int
    /// How many of the newest matches to skip (paging).
    public var offset: Int

    public init(id: String? = nil, idPrefix: String? = nil, kind: String? = nil, senderURA: String? = nil, outcome: String? = nil,
                from: String? = nil, to: String? = nil, bsn: String? = nil, limit: Int = 100, offset: Int = 0) {
        self.id = id
        self.idPrefix = idPrefix
        self.offset = offset
        self.kind = kind
        self.senderURA = senderURA
        self.outcome = outcome
        self.from = from
        self.to = to
        self.bsn = bsn
        self.limit = limit
    }

    /// A SQL `LIKE` pattern (with `ESCAPE '\'`) for ids beginning with `prefix`: its `\`, `%` and
    /// `_` escaped, so they match only themselves.
    public static func likePrefix(_ prefix: String) -> String {
        var pattern = ""
        for character in prefix {
            if character == "\\" || character == "%" || character == "_" { pattern.append("\\") }
            pattern.append(character)
        }
        return pattern + "%"
    }
}

/// One stored message or rejection as a search lists it: no BSN, no content.
public struct MessageSummary: Sendable, Hashable {
    public var id: String
    public var receivedAt: String
    public var kind: String?
    public var version: String?
    /// As in ``MessageQuery/outcome`` (``StoredMessage/status``).
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
    /// BSN, `conflict` for a conflicting re-send (``conflictPrefix``), `refused` when valid but
    /// refused, `unsupported-version` for a known kind in a version the gateway does not take,
    /// else the validation outcome. The stores' SQL (`MessageStatusSQL`) computes the same from the columns.
    public var status: String {
        if isAccepted { return "accepted" }
        if id.hasPrefix(Self.conflictPrefix) { return "conflict" }
        if report.isUnsupportedVersion { return "unsupported-version" }
        return report.outcome == .valid ? "refused" : report.outcome.rawValue
    }

    /// How the id of a conflicting re-send's row begins (``IngestService``: same message id,
    /// other content, answered 409): `conflict-` and a UUID.
    public static let conflictPrefix = "conflict-"
}

/// Accepted and rejected messages of one kind in one UTC hour (``MessageBrowsing/messageFlow(since:)``).
public struct FlowCount: Sendable, Hashable {
    /// The UTC hour, `2026-11-25T13` (the first 13 characters of `receivedAt`).
    public var hour: String
    /// The kind, `-` when unknown.
    public var kind: String
    /// Stored under her BSN (else a rejection of any sort).
    public var accepted: Bool
    public var count: Int

    public init(hour: String, kind: String, accepted: Bool, count: Int) {
        self.hour = hour
        self.kind = kind
        self.accepted = accepted
        self.count = count
    }

    /// By hour, kind, accepted first.
    public static func displayOrder(_ a: FlowCount, _ b: FlowCount) -> Bool {
        (a.hour, a.kind, a.accepted ? 0 : 1) < (b.hour, b.kind, b.accepted ? 0 : 1)
    }
}

/// Stores the operator console reads: message metadata, counts, rejection reports.
public protocol MessageBrowsing: Sendable {
    /// Newest first, at most `query.limit` after skipping `query.offset`.
    func messageSummaries(matching query: MessageQuery) async throws -> [MessageSummary]
    /// Counts by kind, version and outcome of what arrived at or after `since` (unknown kinds as `-`).
    func messageCounts(since: String) async throws -> [MessageCount]
    /// The validation reports of the newest rejections since `since`, at most `limit`.
    func rejectionReports(since: String, limit: Int) async throws -> [ValidationReport]
    /// Counts per UTC hour, kind and accepted-or-not of what arrived at or after `since`, grouped
    /// by the database (one row per bucket, never the messages themselves).
    func messageFlow(since: String) async throws -> [FlowCount]
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
