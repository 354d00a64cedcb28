import Foundation
import Testing
import PerigateCore
import PerigateTestSupport
import PerigatePostgres
import PerigateSQLite

/// A transaction, once begun, always ends — also when the task that asked for it is cancelled
/// (a request timeout): the store stays usable (issue 18).
@Suite("Store transactions under cancellation")
struct CancellationTests {
    static func message(_ number: Int) throws -> StoredMessage {
        var message = try MessageStoreConformanceTests.sample("valid/verwijzing-1-hypertensie-regulier.xml")
        message.id = "cancel-\(number)"
        message.facts = nil
        return message
    }

    @Test("a storm of cancelled accepts leaves no transaction open: the next accept is stored at once")
    func cancelledAccepts() async throws {
        let path = try TestSupport.temporaryDirectory().appendingPathComponent("cancel.sqlite").path
        let store = try await SQLiteMessageStore.open(path: path)
        try await Self.storm(store)
        #expect(try await store.integrityCheck() == "ok")
        try? await store.close()
    }

    @Test("PostgreSQL: a storm of cancelled accepts leaves every pooled connection clean: the next accepts are stored",
          .enabled(if: PostgresTestDatabase.serverURL != nil, "no test PostgreSQL (scripts/test.sh starts one)"))
    func cancelledAcceptsPostgres() async throws {
        let store = try await PostgresMessageStore.open(url: try await PostgresTestDatabase.create())
        try await Self.storm(store)
        // Every connection of the pool gets used again: none may be left inside a transaction.
        let more = try await withThrowingTaskGroup(of: AcceptOutcome.self) { group in
            for index in 0..<24 {
                let message = try Self.message(200_000 + index)
                group.addTask { try await store.accept(message, audit: [MessageStoreConformanceTests.audit("message:\(message.id)")]) }
            }
            return try await group.reduce(into: [AcceptOutcome]()) { $0.append($1) }
        }
        #expect(more.count == 24 && more.allSatisfy { $0 == .stored })
        #expect(try await store.verifyAuditChain().problem == nil)
        try? await store.close()
    }

    /// Twenty rounds of sixteen accepts cancelled at different moments, then one more accept
    /// that must be stored at once.
    static func storm(_ store: some MessageStore & AuditChainStore) async throws {
        for round in 0..<20 {
            let tasks = try (0..<16).map { index in
                let message = try Self.message(round * 100 + index)
                return Task { try await store.accept(message, audit: [MessageStoreConformanceTests.audit("message:\(message.id)")]) }
            }
            // Cancel at different moments: before, during and after the writer's transaction.
            for (index, task) in tasks.enumerated() {
                if index % 3 == 0 { await Task.yield() }
                task.cancel()
            }
            for task in tasks { _ = await task.result }
        }
        let after = try Self.message(99_999)
        do {
            let outcome = try await store.accept(after, audit: [MessageStoreConformanceTests.audit("message:\(after.id)")])
            #expect(outcome == .stored)
            #expect(try await store.message(id: after.id) != nil)
        } catch {
            Issue.record("the store is wedged after cancelled transactions: \(String(describing: error))")
        }
    }
}
