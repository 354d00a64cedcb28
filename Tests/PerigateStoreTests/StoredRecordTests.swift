import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport
import PerigateSQLite

/// The stored record (issue 21, item 2): each accepted message's facts, her index and her merged
/// record are written in the accept transaction, on every store; a read is one look-up; what is
/// stored equals a build from every message, whatever order the messages arrived in.
@Suite("Stored record")
struct StoredRecordTests {
    typealias Backend = MessageStoreConformanceTests.Backend
    static let bsn = "999990147"

    /// Every valid sample as a message about one woman, twice: as sent and two years earlier (a
    /// previous pregnancy: due dates, births and creation times moved back), each under its own
    /// id — dated and undated messages (consents, a JGZ handover), two pregnancies, twins.
    static func history() throws -> [StoredMessage] {
        let files = try FileManager.default.contentsOfDirectory(atPath: TestSupport.samples.appendingPathComponent("valid").path)
            .filter { $0.hasSuffix(".xml") }.sorted()
        var result: [StoredMessage] = []
        for shift in [0, -2] {
            for file in files {
                var message = try MessageStoreConformanceTests.sample("valid/\(file)")
                var facts = try #require(message.facts)
                facts.client.bsn = bsn
                facts.provenance.messageId += shift == 0 ? "" : "-earlier"
                facts.provenance.time = Self.shifted(facts.provenance.time, years: shift)!
                let due = Self.shifted(facts.pregnancy?.dueDate, years: shift)
                facts.pregnancy?.dueDate = due
                let delivered = Self.shifted(facts.delivery?.dateTime, years: shift)
                facts.delivery?.dateTime = delivered
                facts.children = facts.children.map { child in
                    var child = child
                    child.birthDateTime = Self.shifted(child.birthDateTime, years: shift)
                    return child
                }
                message.id = facts.provenance.messageId
                message.bsn = bsn
                message.facts = facts
                result.append(message)
            }
        }
        return result
    }

    static func shifted(_ date: String?, years: Int) -> String? {
        guard let date, let year = Int(date.prefix(4)) else { return date }
        return String(format: "%04d", year + years) + date.dropFirst(4)
    }

    static func records(_ store: any MessageStore) -> ClientRecords {
        ClientRecords(store: store, validator: TestSupport.validator(), cache: RecordCache(capacity: 0))
    }

    @Test("in creation order, reversed or shuffled: after every accept her stored record and index equal a build from every message so far",
          arguments: Backend.available)
    func anyArrivalOrder(_ backend: Backend) async throws {
        let history = try Self.history()
        var random = SeededGenerator(seed: 20_261_201)
        let chronological = history.sorted { ClientRecord.chronological($0.facts!, $1.facts!) }
        for (name, order) in [("chronological", chronological), ("reversed", chronological.reversed()), ("shuffled", history.shuffled(using: &random))] {
            let store = try await backend.makeStore()
            let records = Self.records(store)
            // A gateway that reads her after every message: it adds each new one to the record it holds.
            let reading = ClientRecords(store: store, validator: TestSupport.validator())
            var stored: [MessageFacts] = []
            var stale = 0
            for message in order {
                #expect(try await store.accept(message, audit: []) == .stored)
                stored.append(message.facts!)
                let row = try #require(try await store.clientRow(bsn: Self.bsn))
                #expect(row.index == ClientIndex(messages: stored), "\(name): the index after \(stored.count) messages")
                if row.state == nil { stale += 1 }
                let built = try ClientRecord.build(from: stored)
                #expect(try await records.record(Self.bsn) == built, "\(name): the record after \(stored.count)")
                #expect(try await reading.record(Self.bsn) == built, "\(name): the record held and added to after \(stored.count)")
            }
            let record = try #require(try await records.record(Self.bsn))
            #expect(record.pregnancies.count >= 2, "\(name): \(record.pregnancies.map(\.id))")
            #expect(record.sources.count == history.count)
            // In creation order a message is added to the stored state, unless it starts a
            // pregnancy that draws an earlier undated message (here a consent registration made
            // before the first due date was known) — once per pregnancy at most; one made before
            // the latest makes the state stale (a read rebuilds it), as a reversed arrival does every time.
            if name == "chronological" { #expect(stale <= record.pregnancies.count, "\(stale) stale") }
            if name == "reversed" { #expect(stale == history.count - 1) }
            // A read wrote the rebuilt state back: the row is current again.
            #expect(try await store.clientRow(bsn: Self.bsn)?.state != nil)
            #expect(try await store.recordSources(bsn: Self.bsn).count == history.count)
            try await store.close()
        }
    }

    @Test("20 accepts of messages of hers at once: every one is in her index and record", arguments: Backend.available)
    func concurrentAccepts(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let template = try #require(try Self.history().first { $0.facts?.pregnancy?.dueDate != nil })
        let messages = (0..<20).map { index in
            var message = template
            message.id = "\(template.id)-\(index)"
            message.facts!.provenance.messageId = message.id
            return message
        }
        try await withThrowingTaskGroup(of: AcceptOutcome.self) { group in
            for message in messages { group.addTask { try await store.accept(message, audit: []) } }
            for try await outcome in group { #expect(outcome == .stored) }
        }
        let row = try #require(try await store.clientRow(bsn: Self.bsn))
        #expect(row.index?.messages == 20)
        #expect(row.version == 20)
        let storedOrder = try await store.messages(bsn: Self.bsn).compactMap(\.facts)
        #expect(row.index == ClientIndex(messages: storedOrder))
        #expect(try await Self.records(store).record(Self.bsn) == ClientRecord.build(from: messages.map { $0.facts! }))
        try await store.close()
    }

    @Test("a rebuild is written only over the version it was made from", arguments: Backend.available)
    func replaceChecksVersion(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let history = try Self.history()
        _ = try await store.accept(history[0], audit: [])
        let row = try #require(try await store.clientRow(bsn: Self.bsn))
        let (state, sources) = try RecordState.build(from: [history[0].facts!])
        #expect(try await store.replaceClientRow(bsn: Self.bsn, index: ClientIndex(), state: state, sources: sources,
                                                 expectedVersion: row.version + 1) == false)
        #expect(try await store.clientRow(bsn: Self.bsn) == row)
        #expect(try await store.replaceClientRow(bsn: Self.bsn, index: ClientIndex(messages: [history[0].facts!]), state: state,
                                                 sources: sources, expectedVersion: row.version) == true)
        #expect(try await store.clientRow(bsn: Self.bsn)?.version == row.version + 1)
        #expect(try await store.clientsWithMessages().map(\.bsn) == [Self.bsn])
        #expect(try await store.clientsWithMessages().map(\.current) == [true])
        try await store.close()
    }

    @Test("a message stored without facts leaves her row stale; the next read rebuilds it from the raw message")
    func storedWithoutFacts() async throws {
        let store = MemoryMessageStore()
        var message = try MessageStoreConformanceTests.sample("valid/verwijzing-1-hypertensie-regulier.xml")
        let facts = try #require(message.facts)
        message.facts = nil
        _ = try await store.accept(message, audit: [])
        let row = try #require(await store.clientRow(bsn: facts.client.bsn))
        #expect(row.index == nil && row.state == nil)
        let records = Self.records(store)
        #expect(try await records.client(facts.client.bsn).team.isEstablished("01234567"))
        #expect(try await records.record(facts.client.bsn) == ClientRecord.build(from: [facts]))
        #expect(await store.clientRow(bsn: facts.client.bsn)?.state != nil)
    }

    @Test("a damaged client row (an insider's edit, a bad disk) is stale, not a wedge: her next message is stored, a read rebuilds the row")
    func damagedRow() async throws {
        let path = try TestSupport.temporaryDirectory().appendingPathComponent("perigate.sqlite").path
        let store = try await SQLiteMessageStore.open(path: path)
        let first = try MessageStoreConformanceTests.sample("valid/verwijzing-2-overdracht-durante-partu.xml")
        let second = try MessageStoreConformanceTests.sample("valid/terugverwijzing-1-na-bevalling.xml")
        _ = try await store.accept(first, audit: [])
        try await store.execute("UPDATE client_records SET client_index = 'not json', state = x'00ff', state_size = 7")
        #expect(try await store.accept(second, audit: []) == .stored)
        let records = ClientRecords(store: store, validator: TestSupport.validator(), partners: store)
        #expect(try await records.record("999990019") == ClientRecord.build(from: [first.facts!, second.facts!]))
        #expect(try await records.client("999990019").index == ClientIndex(messages: [first.facts!, second.facts!]))
        #expect(try await records.rebuildAll(check: true).differences == [])
        try await store.close()
    }

    @Test("a database from before stored records (no client rows) gets them when the gateway starts; rebuild --check then finds nothing")
    func fillAfterMigration() async throws {
        let path = try TestSupport.temporaryDirectory().appendingPathComponent("perigate.sqlite").path
        let store = try await SQLiteMessageStore.open(path: path)
        let samples = ["verwijzing-2-overdracht-durante-partu.xml", "terugverwijzing-1-na-bevalling.xml", "verwijzing-1-hypertensie-regulier.xml"]
        for name in samples { _ = try await store.accept(try MessageStoreConformanceTests.sample("valid/\(name)"), audit: []) }
        let before = try await store.clientRow(bsn: "999990019")
        // As the migration leaves an existing database: messages without facts, no client rows.
        try await store.execute("DELETE FROM client_records")
        try await store.execute("DELETE FROM record_sources")
        try await store.execute("UPDATE messages SET facts = NULL")
        #expect(try await store.clientsWithMessages().map(\.current) == [false, false])
        let records = ClientRecords(store: store, validator: TestSupport.validator(), partners: store)
        #expect(try await records.fillMissing() == 2)
        #expect(try await store.clientRow(bsn: "999990019")?.index == before?.index)
        #expect(try await store.clientRow(bsn: "999990019")?.state == before?.state)
        #expect(try await store.clientsWithMessages().map(\.current) == [true, true])
        #expect(try await records.rebuildAll(check: true).differences == [])
        #expect(try await records.fillMissing() == 0)
        try await store.close()
    }

    @Test("the read after her next message adds just that message to the record it holds; after a rebuild the rows it holds are not used")
    func incrementalRead() async throws {
        let path = try TestSupport.temporaryDirectory().appendingPathComponent("perigate.sqlite").path
        let store = try await SQLiteMessageStore.open(path: path)
        let bsn = "999990019"
        let messages = try ["verwijzing-2-overdracht-durante-partu.xml", "terugverwijzing-1-na-bevalling.xml"].map {
            try MessageStoreConformanceTests.sample("valid/\($0)")
        }
        var third = messages[1]
        third.id += "-later"
        third.facts!.provenance.messageId = third.id
        third.facts!.provenance.time = "2030-01-01T12:00:00+01:00"
        let reading = ClientRecords(store: store, validator: TestSupport.validator(), partners: store)
        let fresh = { ClientRecords(store: store, validator: TestSupport.validator(), partners: store) }
        // The first source row altered behind the gateway's back (what a fresh read shows, not what it holds).
        let alter = { try await store.execute("UPDATE record_sources SET body = replace(body, '\"name\":\"', '\"name\":\"X ') WHERE position = 0") }
        let altered = { (record: ClientRecord?) in record?.sources.first?.provenance.sender.name?.hasPrefix("X ") == true }

        _ = try await store.accept(messages[0], audit: [])
        #expect(try await reading.record(bsn) == ClientRecord.build(from: [messages[0].facts!]))
        try await alter()
        _ = try await store.accept(messages[1], audit: [])
        // It read the second message's row and facts only: the row it held is what it shows.
        let added = try await reading.record(bsn)
        #expect(try added == ClientRecord.build(from: messages.map { $0.facts! }))
        #expect(!altered(added))
        #expect(altered(try await fresh().record(bsn)), "a gateway that held nothing reads every row")

        // A rebuild rewrites every row (and repairs the altered one); altered again after it, the
        // rows held from before the rebuild are not used for the next message.
        #expect(try await fresh().rebuildAll(check: false).differences.map(\.parts) == [["record"]])
        try await alter()
        _ = try await store.accept(third, audit: [])
        #expect(altered(try await reading.record(bsn)))

        // A source row an insider pointed at another woman's message: the held record is not
        // extended with her facts (mixed clients); the read falls back to the stored state.
        let other = try MessageStoreConformanceTests.sample("valid/verwijzing-1-hypertensie-regulier.xml")
        _ = try await store.accept(other, audit: [])
        var fourth = third
        fourth.id += "-2"
        fourth.facts!.provenance.messageId = fourth.id
        fourth.facts!.provenance.time = "2030-02-01T12:00:00+01:00"
        _ = try await store.accept(fourth, audit: [])
        try await store.execute("UPDATE record_sources SET body = replace(body, '\(fourth.id)', '\(other.id)') WHERE bsn = '\(bsn)' AND position = 3")
        let pointed = try #require(try await reading.record(bsn))
        #expect(pointed.bsn == bsn && pointed.sources.count == 4)
        #expect(pointed.facts["client.surname"] == (try ClientRecord.build(from: [messages[0].facts!])).facts["client.surname"])
        try await store.close()
    }

    @Test("the record cache keeps the most recently used records within its byte estimate; a record larger than it is not kept")
    func cacheBound() throws {
        let cache = RecordCache(capacity: 10, maximumBytes: 10_000)
        let source = RecordSource(provenance: Provenance(messageId: "m", kind: "verwijzing", version: "1.0", sender: OrganisationRef(name: "De Linde"),
                                                         time: "2026-11-20"), sections: ["client"])
        let document = { (sources: Int) in
            var record = ClientRecord.empty(bsn: Self.bsn)
            record.sources = Array(repeating: source, count: sources)
            return RecordDocument(record)
        }
        // One source: about 4 KB each; two fit, a third pushes out the least recently used.
        cache.store(document(1), bsn: "a", version: 1)
        cache.store(document(1), bsn: "b", version: 1)
        #expect(cache.document(bsn: "a", version: 1) != nil)
        cache.store(document(1), bsn: "c", version: 1)
        #expect(cache.document(bsn: "b", version: 1) == nil)
        #expect(cache.document(bsn: "a", version: 1) != nil && cache.document(bsn: "c", version: 1) != nil)
        #expect(cache.document(bsn: "a", version: 2) == nil, "another version is not hers any more")
        cache.store(document(10), bsn: "d", version: 1)
        #expect(cache.document(bsn: "d", version: 1) == nil)
        #expect(cache.document(bsn: "a", version: 1) != nil)
        // An older version never replaces a newer one.
        cache.store(document(1), bsn: "a", version: 3)
        cache.store(document(1), bsn: "a", version: 2)
        #expect(cache.document(bsn: "a", version: 3) != nil)
    }
}
