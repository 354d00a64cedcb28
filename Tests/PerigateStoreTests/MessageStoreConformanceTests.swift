import Foundation
import Testing
import PerigateCore
import PerigateTestSupport
import PerigateSQLite
import PerigatePostgres
import PerigateXML

/// One suite, every store: memory, SQLite (a real file) and PostgreSQL (a fresh database on the
/// throwaway server that scripts/test.sh starts; `PERIGATE_TEST_POSTGRES_URL`).
@Suite("MessageStore conformance")
struct MessageStoreConformanceTests {
    enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
        case memory, sqlite, postgres
        var description: String { rawValue }

        /// The backends of this run: PostgreSQL when a test server is configured.
        static var available: [Backend] {
            PostgresTestDatabase.serverURL == nil ? [.memory, .sqlite] : allCases
        }

        func makeStore() async throws -> any MessageStore {
            switch self {
            case .memory: return MemoryMessageStore()
            case .sqlite:
                let path = try TestSupport.temporaryDirectory().appendingPathComponent("perigate.sqlite").path
                return try await SQLiteMessageStore.open(path: path)
            case .postgres:
                return try await PostgresMessageStore.open(url: try await PostgresTestDatabase.create())
            }
        }
    }

    /// A valid sample as the gateway would store it.
    static func sample(_ name: String) throws -> StoredMessage {
        let url = TestSupport.samples.appendingPathComponent(name)
        let raw = try Data(contentsOf: url)
        let facts = try TestSupport.facts(url)
        let report = TestSupport.validator().validate(raw)
        return StoredMessage(id: facts.provenance.messageId, receivedAt: "2026-11-25T10:00:00Z", report: report,
                             senderURA: facts.provenance.sender.ura, bsn: facts.client.bsn, raw: raw, facts: facts)
    }

    static func withoutFacts(_ message: StoredMessage) -> StoredMessage {
        var copy = message
        copy.facts = nil
        return copy
    }

    static func withoutFacts(_ outcome: AcceptOutcome) -> AcceptOutcome {
        switch outcome {
        case .stored: return .stored
        case .duplicate(let message): return .duplicate(withoutFacts(message))
        case .conflict(let message): return .conflict(withoutFacts(message))
        }
    }

    static func facts(_ store: any MessageStore, bsn: String) async throws -> [MessageFacts] {
        let mapper = CanonicalMapper(registry: TestSupport.ownRegistry)
        return try await store.messages(bsn: bsn).map { try mapper.facts(of: $0, parser: SafeXMLParser()) }
    }

    static func audit(_ object: String) -> AuditEntry {
        AuditEntry(time: "2026-11-25T10:00:00Z", actor: "ura:01234567", event: "message.import", action: "C",
                   object: object, outcome: "success")
    }

    @Test("an accepted message reads back byte for byte, with report, facts and audit line", arguments: Backend.available)
    func roundTrip(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let message = try Self.sample("valid/verwijzing-2-overdracht-durante-partu.xml")
        #expect(try await store.accept(message, audit: [Self.audit("message:\(message.id)")]) == .stored)
        let loaded = try #require(try await store.message(id: message.id))
        #expect(Self.withoutFacts(loaded) == Self.withoutFacts(message))
        // Facts kept or re-derived from the raw bytes: the same either way.
        #expect(try await Self.facts(store, bsn: "999990019") == [message.facts!])
        #expect(try await store.message(id: "no-such-id") == nil)
        let found = try await store.messages(ids: [message.id, "no-such-id", message.id])
        #expect(Array(found.keys) == [message.id] && found[message.id]?.raw == message.raw)
        let audit = try await store.auditEntries(after: 0, limit: 10)
        #expect(audit.map(\.sequence) == [1])
        #expect(audit.first?.object == "message:\(message.id)")
        try await store.close()
    }

    @Test("same id and bytes is a duplicate; same id, other bytes a conflict; the original stays", arguments: Backend.available)
    func idempotency(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let message = try Self.sample("valid/jgzoverdracht-1-eenling.xml")
        #expect(try await store.accept(message, audit: [Self.audit("a")]) == .stored)
        #expect(Self.withoutFacts(try await store.accept(message, audit: [Self.audit("b")])) == .duplicate(Self.withoutFacts(message)))
        var altered = message
        altered.raw.append(contentsOf: Array("\n".utf8))
        #expect(Self.withoutFacts(try await store.accept(altered, audit: [Self.audit("c")])) == .conflict(Self.withoutFacts(message)))
        #expect(try await store.message(id: message.id)?.raw == message.raw)
        #expect(try await store.messages(bsn: message.bsn!).count == 1)
        #expect(try await store.auditEntries(after: 1, limit: 10).map(\.object) == ["b", "c"])
        #expect(try await store.auditEntries(after: 1, limit: 10).map(\.outcome) == ["success", "refused"])
        try await store.close()
    }

    @Test("facts of one client come back in storage order; other clients' do not", arguments: Backend.available)
    func factsByClient(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let first = try Self.sample("valid/verwijzing-2-overdracht-durante-partu.xml")
        let other = try Self.sample("valid/verwijzing-1-hypertensie-regulier.xml")
        let second = try Self.sample("valid/terugverwijzing-1-na-bevalling.xml")
        for message in [first, other, second] { _ = try await store.accept(message, audit: []) }
        #expect(try await Self.facts(store, bsn: "999990019").map(\.provenance.messageId) == [first.id, second.id])
        try await store.close()
    }

    @Test("50 concurrent accepts are all stored, each once, with their audit lines", arguments: Backend.available)
    func concurrentAccepts(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let template = try Self.sample("valid/kraamzorgoverdracht-1-prenataal.xml")
        try await withThrowingTaskGroup(of: AcceptOutcome.self) { group in
            for index in 0..<50 {
                var message = template
                message.id = "concurrent-\(index)"
                group.addTask { try await store.accept(message, audit: [Self.audit("message:concurrent-\(index)")]) }
            }
            for try await outcome in group { #expect(outcome == .stored) }
        }
        for index in 0..<50 { #expect(try await store.message(id: "concurrent-\(index)") != nil) }
        let audit = try await store.auditEntries(after: 0, limit: 100)
        #expect(audit.map(\.sequence) == Array(1...50))
        #expect(Set(audit.map(\.object)).count == 50)
        try await store.close()
    }
}

extension MessageStoreConformanceTests {
    @Test("the same message offered 10 times at once is stored once; the others are duplicates", arguments: Backend.available)
    func concurrentDuplicates(_ backend: Backend) async throws {
        let store = try await backend.makeStore()
        let message = try Self.sample("valid/jgzoverdracht-2-signalen.xml")
        let outcomes = try await withThrowingTaskGroup(of: AcceptOutcome.self) { group in
            for _ in 0..<10 { group.addTask { try await store.accept(message, audit: [Self.audit("x")]) } }
            return try await group.reduce(into: [AcceptOutcome]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .stored }.count == 1)
        #expect(outcomes.filter { Self.withoutFacts($0) == .duplicate(Self.withoutFacts(message)) }.count == 9)
        #expect(try await store.auditEntries(after: 0, limit: 20).count == 10)
        try await store.close()
    }
}

@Suite("SQLite store specifics")
struct SQLiteMessageStoreTests {
    @Test("data survives closing and reopening; migrations are applied once; the file passes an integrity check")
    func reopen() async throws {
        let path = try TestSupport.temporaryDirectory().appendingPathComponent("perigate.sqlite").path
        let message = try MessageStoreConformanceTests.sample("valid/phbaanmelding-1-psychosociaal.xml")
        let store = try await SQLiteMessageStore.open(path: path)
        #expect(try await store.accept(message, audit: [MessageStoreConformanceTests.audit("x")]) == .stored)
        try await store.close()
        let reopened = try await SQLiteMessageStore.open(path: path)
        #expect(try await reopened.message(id: message.id) == MessageStoreConformanceTests.withoutFacts(message))
        #expect(try await reopened.appliedMigrations().map(\.0) == Array(1...15))
        #expect(try await reopened.integrityCheck() == "ok")
        try await reopened.close()
    }

    @Test("the database refuses UPDATE and DELETE on the audit log")
    func appendOnly() async throws {
        let path = try TestSupport.temporaryDirectory().appendingPathComponent("perigate.sqlite").path
        let store = try await SQLiteMessageStore.open(path: path)
        try await store.appendAudit([MessageStoreConformanceTests.audit("bsn:999990007")])
        var refusals: [String] = []
        for statement in ["UPDATE audit_log SET line = '{}'", "DELETE FROM audit_log"] {
            do {
                try await store.execute(statement)
            } catch {
                refusals.append(String(describing: error))
            }
        }
        #expect(refusals.count == 2)
        #expect(refusals.allSatisfy { $0.contains("append-only") }, "\(refusals)")
        #expect(try await store.auditEntries(after: 0, limit: 10).map(\.outcome) == ["success"])
        try await store.close()
    }

    @Test("raw messages are stored compressed")
    func compressed() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let path = directory.appendingPathComponent("perigate.sqlite").path
        func fileSize(_ file: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.intValue ?? 0
        }
        try await SQLiteMessageStore.open(path: path).close()
        let empty = fileSize(path) + fileSize(path + "-wal")
        let store = try await SQLiteMessageStore.open(path: path)
        var message = try MessageStoreConformanceTests.sample("valid/verwijzing-1-hypertensie-regulier.xml")
        let marker = String(repeating: "Herhaalde toelichting. ", count: 4000)
        message.raw = Data(String(decoding: message.raw, as: UTF8.self).replacingOccurrences(of: "Penicilline", with: marker).utf8)
        _ = try await store.accept(message, audit: [])
        try await store.close()
        let growth = fileSize(path) + fileSize(path + "-wal") - empty
        #expect(message.raw.count > 90_000)
        #expect(growth < message.raw.count / 10, "the database grew \(growth) bytes for a \(message.raw.count)-byte message")
    }
}

@Suite("zlib compression of stored messages")
struct CompressionTests {
    @Test("round trip at every window size, including empty and incompressible input", arguments: [0, 1, 511, 512, 3_000, 40_000, 300_000])
    func roundTrip(_ size: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let text = Data((0..<size).map { UInt8(ascii: "a") + UInt8($0 % 7) })
        let random = Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
        for input in [text, random] {
            let compressed = try Compression.compress(input)
            #expect(try Compression.decompress(compressed, size: input.count) == input)
        }
        if size >= 3_000 { #expect(try Compression.compress(text).count < size / 5) }
    }
}

@Suite("PostgreSQL test server")
struct PostgresTestServerTests {
    /// scripts/test.sh (and so CI) starts a server and sets PERIGATE_REQUIRE_POSTGRES=1: the
    /// PostgreSQL variants must then really run, never be skipped silently.
    @Test("when the test command promises PostgreSQL, the server answers and the store migrates",
          .enabled(if: ProcessInfo.processInfo.environment["PERIGATE_REQUIRE_POSTGRES"] == "1"))
    func required() async throws {
        #expect(MessageStoreConformanceTests.Backend.available.contains(.postgres))
        let store = try await PostgresMessageStore.open(url: try await PostgresTestDatabase.create())
        #expect(try await store.appliedMigrations().map(\.0) == Array(1...14))
        try await store.close()
    }
}
