import Foundation
import Synchronization
import PerigateXML

/// Her stored index and record as the use cases read them (docs/canonical-record.md, "Stored
/// record"): one look-up of her client row, a record read from a small in-process cache while
/// her row's version stands, and the one place a stale row is rebuilt from her messages.
public struct ClientRecords: Sendable {
    public let store: any MessageStore
    let mapper: CanonicalMapper
    let parser: SafeXMLParser
    /// The registry whose names a rebuild from the raw messages shows for senders; `nil`: as the messages say.
    public var partners: (any PartnerRegistry)?
    let cache: RecordCache

    public init(store: any MessageStore, validator: MessageValidator, partners: (any PartnerRegistry)? = nil,
                cache: RecordCache = RecordCache()) {
        self.store = store
        mapper = CanonicalMapper(validator: validator)
        parser = validator.parser
        self.partners = partners
        self.cache = cache
    }

    /// What the gateway knows of her for an access decision: her index (rebuilt first when
    /// stale), her consent registrations and her own care confirmations.
    public func client(_ bsn: String) async throws -> AccessPolicy.Client {
        try await load(bsn).client
    }

    /// ``client(_:)`` with the version of her row it was read at (`nil`: no message of hers is
    /// stored), for a record read that follows the decision (``record(_:version:view:_:)``).
    public func load(_ bsn: String) async throws -> (client: AccessPolicy.Client, version: Int?) {
        let row = try await store.clientIndex(bsn: bsn)
        let index: ClientIndex
        if let row {
            if let stored = row.index { index = stored } else { index = try await rebuild(bsn, expected: row.version).index }
        } else {
            index = ClientIndex()
        }
        let client = AccessPolicy.Client(index: index, consents: try await store.consents(bsn: bsn),
                                         confirmations: try await store.careConfirmations(bsn: bsn).map(\.ura))
        return (client, row?.version)
    }

    /// Her record as `view` makes it from her merged record, cached per row version under
    /// `key` (the view's name) with its body once made: a repeated read of an unchanged record
    /// does not apply the view or encode the body again. `version`: her row's version as
    /// ``load(_:)`` read it. `nil` when no message of hers is stored.
    /// The view is given the section names her sources name, when known (``ViewPolicy/view(_:for:consent:sectionsPresent:)``).
    public func record(_ bsn: String, version: Int, view key: String,
                       _ view: (ClientRecord, Set<String>?) throws -> ClientRecord) async throws -> RecordDocument? {
        let cacheKey = bsn + "\u{1f}" + key
        if let cached = cache.document(bsn: cacheKey, version: version) { return cached }
        guard let merged = try await merged(bsn, version: version) else { return nil }
        let viewed = RecordDocument(try view(merged.record, merged.sections))
        cache.store(viewed, bsn: cacheKey, version: merged.version)
        return viewed
    }

    /// Her merged record (with history), `nil` when no message of hers is stored.
    public func record(_ bsn: String) async throws -> ClientRecord? {
        guard let current = try await store.clientIndex(bsn: bsn) else { return nil }
        return try await merged(bsn, version: current.version)?.record
    }

    /// Her merged record from the cache when it holds `version`, else from her row, with the
    /// version it was read at. After new messages of hers, the cache's state with only those
    /// added (their source rows and facts: one row each, not her whole history); else her stored
    /// state with the source rows the cache does not hold yet.
    private func merged(_ bsn: String, version: Int) async throws -> (record: ClientRecord, version: Int, sections: Set<String>?)? {
        let held = cache.merged(bsn: bsn)
        if let cached = cache.document(bsn: bsn, version: version) {
            return (cached.record, version, held?.version == version ? held?.sections : nil)
        }
        if let held, held.version < version,
           let read = try await store.recordSources(bsn: bsn, from: held.rows.count, facts: true),
           // A message that does not add (or a row an insider pointed at another woman's message:
           // `appending` refuses mixed clients) sends the read to her stored state instead.
           read.current, read.rebuiltVersion == held.rebuiltVersion, let next = (try? held.adding(read)) ?? nil {
            return (cache.store(next, bsn: bsn), next.version, next.sections)
        }
        for _ in 0..<3 {
            guard let row = try await store.clientRow(bsn: bsn) else { return nil }
            guard let state = row.state, row.index != nil else { break }
            let known = held?.rebuiltVersion == row.rebuiltVersion ? held?.rows ?? [] : []
            guard let read = try await store.recordSources(bsn: bsn, from: known.count, facts: false) else { return nil }
            // A rebuild between the two reads rewrote the rows: read again.
            guard read.rebuiltVersion == row.rebuiltVersion else { continue }
            // Rows of a later message than the state's are left for the read of that version;
            // rows missing (a damaged database) make the row stale.
            let rows = Array((known + read.rows).prefix(state.count))
            guard rows.count == state.count else { break }
            let entry = RecordCache.Merged(version: row.version, rebuiltVersion: row.rebuiltVersion, state: state, rows: rows)
            return (cache.store(entry, bsn: bsn), row.version, entry.sections)
        }
        guard let current = try await store.clientIndex(bsn: bsn) else { return nil }
        let record = try await rebuild(bsn, expected: current.version).record
        cache.store(RecordDocument(record), bsn: bsn, version: current.version)
        return (record, current.version, nil)
    }

    /// What a rebuild gives: her index, her record state and its source rows.
    public struct Rebuilt: Sendable {
        public var index: ClientIndex
        public var state: RecordState
        public var sources: [RecordSourceRow]
        public var record: ClientRecord { state.record(sources: sources) }
    }

    /// Rebuilds a stale row from the facts stored with her messages (re-derived for a message
    /// stored without) and writes it, unless another write came first (then the next read
    /// rebuilds again).
    func rebuild(_ bsn: String, expected version: Int?) async throws -> Rebuilt {
        let facts = try facts(of: try await store.messages(bsn: bsn), fromRaw: false, partners: try await partners?.partners() ?? [])
        let rebuilt = try Self.derive(facts)
        _ = try await store.replaceClientRow(bsn: bsn, index: rebuilt.index, state: rebuilt.state, sources: rebuilt.sources,
                                             expectedVersion: version)
        return rebuilt
    }

    /// The index and record of these facts (storage order).
    static func derive(_ facts: [MessageFacts]) throws -> Rebuilt {
        let (state, sources) = try RecordState.build(from: facts)
        return Rebuilt(index: ClientIndex(messages: facts), state: state, sources: sources)
    }

    /// Her messages' facts (storage order): as stored, or (`fromRaw`, or stored without)
    /// re-derived from the raw bytes with the current mappers, every sender as `partners`
    /// registers it now and organisations named by LVR id resolved
    /// (``SenderPolicy/withRegisteredSender(of:_:partners:)``).
    func facts(of messages: [StoredMessage], fromRaw: Bool, partners registered: [Partner]) throws -> [MessageFacts] {
        try messages.map { message in
            if !fromRaw, let facts = message.facts { return facts }
            var bare = message
            bare.facts = nil
            return SenderPolicy.withRegisteredSender(of: message, try mapper.facts(of: bare, parser: parser), partners: registered)
        }
    }

    /// A client whose stored row differs from what her raw messages give now.
    public struct Difference: Sendable, Hashable {
        public var bsn: String
        /// Which parts differ: `index`, `record`, `facts`, `missing` (no current row), `unreadable`
        /// (a raw message the current mappers cannot map: nothing written).
        public var parts: [String]
    }

    /// `perigate record rebuild`: re-derives every client's index and record from her raw
    /// messages with the current mappers and registry; writes them unless `check`. The clients
    /// whose stored rows differed (with `check`: nothing is written).
    public func rebuildAll(check: Bool) async throws -> (clients: Int, differences: [Difference]) {
        let clients = try await store.clientsWithMessages()
        var differences: [Difference] = []
        for client in clients {
            if let difference = try await rebuildOne(client.bsn, check: check) { differences.append(difference) }
        }
        return (clients.count, differences)
    }

    /// Rebuilds (or only compares) one client from her raw messages; the difference, if any.
    func rebuildOne(_ bsn: String, check: Bool) async throws -> Difference? {
        let row = try await store.clientRow(bsn: bsn)
        let messages = try await store.messages(bsn: bsn)
        let registered = try await partners?.partners() ?? []
        let stored: [MessageFacts]
        let derived: [MessageFacts]
        do {
            stored = try facts(of: messages, fromRaw: false, partners: registered)
            derived = try facts(of: messages, fromRaw: true, partners: registered)
        } catch is MappingError {
            // A stored message the current mappers cannot read (a version no longer supported):
            // reported, her stored row left as it is.
            return Difference(bsn: bsn, parts: ["unreadable"])
        }
        let rebuilt = try Self.derive(derived)
        var parts: [String] = []
        if let row, let index = row.index {
            if index != rebuilt.index { parts.append("index") }
            // A stale record (``RecordState/appending(_:)`` could not add a message) is rebuilt
            // on its next read: not a difference; a rebuild writes it now.
            if let state = row.state {
                let sources = try await store.recordSources(bsn: bsn)
                if state != rebuilt.state || sources != rebuilt.sources { parts.append("record") }
            }
            if stored != derived { parts.append("facts") }
        } else {
            parts.append("missing")
        }
        if !check, !parts.isEmpty || row?.state == nil {
            guard try await store.replaceClientRow(bsn: bsn, index: rebuilt.index, state: rebuilt.state, sources: rebuilt.sources,
                                                   expectedVersion: row?.version) else {
                return try await rebuildOne(bsn, check: check)
            }
        }
        return parts.isEmpty ? nil : Difference(bsn: bsn, parts: parts)
    }

    /// After the migration that added client rows: builds the rows of clients who have none
    /// (from the raw messages); the number built.
    public func fillMissing() async throws -> Int {
        var built = 0
        for client in try await store.clientsWithMessages() where !client.current {
            _ = try await rebuildOne(client.bsn, check: false)
            built += 1
        }
        return built
    }
}

/// The last records read, per client and row version, so that a read of a client whose row did
/// not change is one look-up plus the view; a merged record keeps its state and source rows, so
/// that the read after her next message adds just that message. Bounded by entries and by an
/// estimate of their bytes (least recently used out); in process memory only, like every record
/// being served.
public final class RecordCache: Sendable {
    /// Her merged record in the form her row holds it, at `version`.
    struct Merged: Sendable {
        var version: Int
        var rebuiltVersion: Int
        var state: RecordState
        var rows: [RecordSourceRow]
        /// Every section name the rows name.
        var sections: Set<String>

        init(version: Int, rebuiltVersion: Int, state: RecordState, rows: [RecordSourceRow]) {
            self.version = version
            self.rebuiltVersion = rebuiltVersion
            self.state = state
            self.rows = rows
            sections = Set(rows.flatMap(\.source.sections))
        }

        /// With the messages `read` holds (the rows after ours, with their facts) added as the
        /// store added them (``RecordState/appending(_:)``): her row at `read.version`; `nil`
        /// when a message does not add to the same source row the store wrote (then her row is
        /// read instead).
        func adding(_ read: RecordSourcesRead) throws -> Merged? {
            guard read.facts.count == read.rows.count else { return nil }
            var next = self
            for (row, facts) in zip(read.rows, read.facts) {
                guard let facts, let appended = try next.state.appending(facts), appended.source == row else { return nil }
                next.state = appended.state
                next.rows.append(row)
                next.sections.formUnion(row.source.sections)
            }
            next.version = read.version
            return next
        }
    }

    struct Entry {
        var version: Int
        var document: RecordDocument
        var merged: Merged?
        var used: UInt64
        /// Estimated bytes: a record and its body (or state and rows) take about 2 KB per message.
        var cost: Int { (document.record.sources.count + 1) * 2048 * (merged == nil ? 1 : 2) }
    }

    private let entries = Mutex<(map: [String: Entry], clock: UInt64, cost: Int)>(([:], 0, 0))
    public let capacity: Int
    public let maximumBytes: Int

    /// `capacity` records at most, about `maximumBytes` together (a record larger than that is
    /// not kept); 0: nothing is kept.
    public init(capacity: Int = 128, maximumBytes: Int = 64 << 20) {
        self.capacity = capacity
        self.maximumBytes = maximumBytes
    }

    func document(bsn: String, version: Int) -> RecordDocument? {
        entries.withLock { state in
            guard let entry = state.map[bsn], entry.version == version else { return nil }
            state.clock += 1
            state.map[bsn]?.used = state.clock
            return entry.document
        }
    }

    /// Her merged record's state and source rows as last read, when held.
    func merged(bsn: String) -> Merged? {
        entries.withLock { $0.map[bsn]?.merged }
    }

    /// Keeps her merged record (made from `merged`); the record.
    func store(_ merged: Merged, bsn: String) -> ClientRecord {
        let record = merged.state.record(sources: merged.rows)
        store(RecordDocument(record), merged: merged, bsn: bsn, version: merged.version)
        return record
    }

    func store(_ document: RecordDocument, merged: Merged? = nil, bsn: String, version: Int) {
        let entry = Entry(version: version, document: document, merged: merged, used: 0)
        guard capacity > 0, entry.cost <= maximumBytes else { return }
        entries.withLock { state in
            state.clock += 1
            if let old = state.map[bsn] {
                guard old.version <= version else { return }
                state.cost -= old.cost
                state.map[bsn] = nil
            }
            while !state.map.isEmpty, state.map.count >= capacity || state.cost + entry.cost > maximumBytes,
                  let oldest = state.map.min(by: { $0.value.used < $1.value.used }) {
                state.cost -= oldest.value.cost
                state.map[oldest.key] = nil
            }
            var stored = entry
            stored.used = state.clock
            state.map[bsn] = stored
            state.cost += stored.cost
        }
    }
}
