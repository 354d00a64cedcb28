import Foundation

/// What the store keeps per client beside her messages (docs/canonical-record.md, "Stored
/// record"): the index access decisions and routing read, and her merged record, both written in
/// the transaction that stores a message. Either may be `nil`: stale, to be rebuilt from her
/// messages before use (``ClientRecords``).
public struct ClientRow: Sendable, Hashable {
    /// Raised by every write: a cached record of an older version is not hers any more.
    public var version: Int
    /// `nil`: a message without facts was stored (rebuild from the raw messages).
    public var index: ClientIndex?
    /// `nil`: a message came in that only a rebuild places right (``RecordState/appending(_:)``).
    public var state: RecordState?
    /// The version a rebuild last wrote (0: none): source rows read under another are not this
    /// state's (a rebuild rewrites them all; a message only appends one).
    public var rebuiltVersion: Int

    public init(version: Int, index: ClientIndex?, state: RecordState?, rebuiltVersion: Int = 0) {
        self.version = version
        self.index = index
        self.state = state
        self.rebuiltVersion = rebuiltVersion
    }

    /// The row after a newly stored message of hers (`facts` `nil`: it was stored without
    /// facts), and the source row to append when the record stayed current. Every store calls
    /// this inside its accept transaction, one message after the other.
    public static func adding(_ facts: MessageFacts?, bsn: String, to row: ClientRow?) throws -> (row: ClientRow, source: RecordSourceRow?) {
        let version = (row?.version ?? 0) + 1, rebuilt = row?.rebuiltVersion ?? 0
        guard let facts else { return (ClientRow(version: version, index: nil, state: nil, rebuiltVersion: rebuilt), nil) }
        let index = row == nil ? ClientIndex().adding(facts) : row?.index?.adding(facts)
        let state = row == nil ? RecordState(bsn: bsn) : row?.state
        guard let appended = try state?.appending(facts) else {
            return (ClientRow(version: version, index: index, state: nil, rebuiltVersion: rebuilt), nil)
        }
        return (ClientRow(version: version, index: index, state: appended.state, rebuiltVersion: rebuilt), appended.source)
    }

    /// The state as stored: zlib-compressed JSON, with its size.
    public static func encode(_ state: RecordState) throws -> (compressed: Data, size: Int) {
        let json = try StorageJSON.encode(state)
        return (try Compression.compress(json), json.count)
    }

    public static func decodeState(_ compressed: Data, size: Int) throws -> RecordState {
        try JSONDecoder().decode(RecordState.self, from: try Compression.decompress(compressed, size: size))
    }

    /// A rebuilt row as every store writes it: the index as JSON, the state as stored
    /// (``encode(_:)``) and each source row as JSON with its position.
    public static func encodeRebuild(index: ClientIndex, state: RecordState, sources: [RecordSourceRow]) throws
        -> (index: String, state: (compressed: Data, size: Int), sources: [(Int, String)]) {
        (try StorageJSON.text(index), try encode(state), try sources.enumerated().map { ($0.offset, try StorageJSON.text($0.element)) })
    }
}

/// Her record's source rows from a position on, read in one snapshot with her row's versions
/// (``MessageStore/recordSources(bsn:from:facts:)``).
public struct RecordSourcesRead: Sendable, Hashable {
    public var version: Int
    public var rebuiltVersion: Int
    /// Her index and record state are current (not stale).
    public var current: Bool
    public var rows: [RecordSourceRow]
    /// When asked for: the facts stored with each row's message (`nil`: stored without), else empty.
    public var facts: [MessageFacts?]

    public init(version: Int, rebuiltVersion: Int, current: Bool, rows: [RecordSourceRow] = [], facts: [MessageFacts?] = []) {
        self.version = version
        self.rebuiltVersion = rebuiltVersion
        self.current = current
        self.rows = rows
        self.facts = facts
    }

    /// Adds one row as a store read it: the source row's JSON and, when `withFacts`, the JSON
    /// of the facts stored with its message (`nil`: stored without).
    public mutating func append(body: String, facts: String?, withFacts: Bool) throws {
        rows.append(try JSONDecoder().decode(RecordSourceRow.self, from: Data(body.utf8)))
        if withFacts { self.facts.append(try facts.map { try JSONDecoder().decode(MessageFacts.self, from: Data($0.utf8)) }) }
    }
}
