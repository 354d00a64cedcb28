import Foundation
import PerigateCore
import PerigateSQLite

/// In-process durable ingest: `IngestService` into a fresh SQLite file with `clients` concurrent
/// tasks, no HTTP. Separates the store's cost from the HTTP layer's in `bench ingest`.
struct BenchDurableIngest {
    var validator: MessageValidator
    var templates: [Data]
    var seconds: Double
    /// As `bench ingest --messages-per-woman` (0: each sample's own woman).
    var messagesPerWoman = 0

    /// Accepted messages/s and sorted latencies (seconds).
    func measure(clients: Int) async throws -> (rate: Double, latencies: [Double]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await SQLiteMessageStore.open(path: directory.appendingPathComponent("bench.sqlite").path)
        let service = IngestService(validator: validator, store: store)
        // Each message is offered as its own sender, so the sender check passes.
        let mapper = CanonicalMapper(validator: validator)
        let senders = try templates.map { template -> String in
            guard case .mapped(let facts) = try mapper.read(template, validator: validator), let ura = facts.provenance.sender.ura else {
                throw BenchFailure(message: "a benchmark message is not valid or names no sender URA")
            }
            return ura
        }
        let templates = self.templates, perWoman = messagesPerWoman
        let deadline = Date().addingTimeInterval(seconds)
        let start = Date()
        let perClient = try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
            for client in 0..<clients {
                group.addTask {
                    var accepted = 0, latencies: [Double] = [], index = client
                    while Date() < deadline {
                        let which = index % templates.count, number = index
                        index += clients
                        let sent = Date()
                        let outcome = try await service.ingest(BenchIngestCommand.fresh(templates[which], number: number, perWoman: perWoman),
                                                               from: IngestService.Caller(partnerURA: senders[which], user: "uzi:900012345"))
                        latencies.append(Date().timeIntervalSince(sent))
                        if case .accepted = outcome { accepted += 1 }
                    }
                    return (accepted, latencies)
                }
            }
            return try await group.reduce(into: [(Int, [Double])]()) { $0.append($1) }
        }
        let elapsed = Date().timeIntervalSince(start)
        try await store.close()
        return (Double(perClient.map(\.0).reduce(0, +)) / elapsed, perClient.flatMap(\.1).sorted())
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
