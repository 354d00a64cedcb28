import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PerigateCore
import PerigatePostgres
import Testing

/// Two `perigate serve` processes on one PostgreSQL database (the throwaway server of
/// scripts/test.sh), a webhook receiver on 127.0.0.1: every accepted message stored once, every
/// delivery received once while both nodes live; after `kill -9` of one node its claimed
/// deliveries are taken over when their lease runs out; the audit chain verifies.
@Suite("Multi-node on PostgreSQL", .enabled(if: ProcessInfo.processInfo.environment["PERIGATE_TEST_POSTGRES_URL"] != nil,
                                            "no test PostgreSQL (scripts/test.sh starts one)"))
struct MultiNodeTests {
    static func cli(_ arguments: [String], _ url: String) throws -> CLITests.Run {
        try CLITests.run(arguments + ["--storage", "postgres", "--postgres-url", url])
    }

    static func sent(_ url: String) throws -> Int {
        try cli(["deliveries", "list", "--status", "sent"], url).output.split(separator: "\n").dropFirst().count
    }

    @Test("two nodes share the load; each delivery arrives once; a killed node's deliveries are taken over")
    func twoNodes() async throws {
        let server = try #require(ProcessInfo.processInfo.environment["PERIGATE_TEST_POSTGRES_URL"])
        let url = try await PostgresMessageStore.createDatabase(serverURL: server, name: "perigate_nodes_" + UUID().uuidString.prefix(8).lowercased())
        let receiver = WebhookReceiver()
        let port = try await receiver.start()
        let added = try Self.cli(["partner", "add", "--name", "De Linde", "--type", "verloskundigenpraktijk", "--ura", "01234567"], url)
        let token = try #require(added.output.split(separator: "\n").last?.split(separator: " ").last.map(String.init), "\(added.error)")
        let kraamzorg = try Self.cli(["partner", "add", "--name", "Kraamzorg Het Nest", "--type", "kraamzorg", "--ura", "31112222"], url)
        let kraamzorgId = try #require(kraamzorg.output.split(separator: " ").dropFirst().first.map(String.init))
        #expect(try Self.cli(["subscription", "add", "--partner", kraamzorgId, "--url", "http://127.0.0.1:\(port)/hook"], url).status == 0)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-nodes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let node = { (name: String) in
            try ServeProcess.launch(database: directory.appendingPathComponent(name).path, token: token,
                                    extraArguments: ["--storage", "postgres", "--postgres-url", url], standardError: FileHandle.nullDevice,
                                    environment: ["PERIGATE_DELIVERY_LEASE_SECONDS": "3", "PERIGATE_AUDIT_INSTANCE": name])
        }
        let nodeA = try node("node-a"), nodeB = try node("node-b")
        defer { nodeA.killIfRunning(); nodeB.killIfRunning() }
        let clients = BSN.fictitiousSeries(count: 40)
        func post(_ index: Int, to server: ServeProcess) async throws -> Int {
            let body = try ForwardingCrashTests.handover(bsn: clients[index], number: 1000 + index)
            let (_, response) = try await URLSession.shared.data(for: server.request("POST", "v1/messages", body: body))
            return (response as? HTTPURLResponse)?.statusCode ?? 0
        }

        // Both nodes live: 30 messages spread over them, each delivered exactly once.
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<30 { group.addTask { try await post(index, to: index.isMultiple(of: 2) ? nodeA : nodeB) } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == 202 }, "\(statuses)")
        try await ForwardingCrashTests.waitFor { try Self.sent(url) == 30 }
        #expect(receiver.received.count == 30, "no duplicates while both nodes live")
        #expect(Set(receiver.received).count == 30)

        // A slow receiver holds deliveries in flight; the node holding them dies (kill -9); the
        // other takes its claims over once their lease (3 s here) runs out.
        receiver.delay.withLock { $0 = .seconds(2) }
        for index in 30..<40 { #expect(try await post(index, to: index.isMultiple(of: 2) ? nodeA : nodeB) == 202) }
        try await ForwardingCrashTests.waitFor { receiver.received.count >= 34 }
        let store = try await PostgresMessageStore.open(url: url)
        let holders = Set(try await store.leasedDeliveries().map(\.node))
        try await store.close()
        let (victim, survivor) = holders.contains { $0.hasSuffix(":\(nodeB.process.processIdentifier)") } ? (nodeB, nodeA) : (nodeA, nodeB)
        #expect(holders.contains { $0.hasSuffix(":\(victim.process.processIdentifier)") }, "the killed node held deliveries: \(holders)")
        kill(victim.process.processIdentifier, SIGKILL)
        victim.process.waitUntilExit()
        receiver.delay.withLock { $0 = .zero }
        let inFlight = receiver.received.count - 30
        try await ForwardingCrashTests.waitFor { try Self.sent(url) == 40 }
        let counts = Dictionary(receiver.received.map { ($0, 1) }, uniquingKeysWith: +)
        print("multi-node test: \(inFlight) requests in flight at the kill, \(receiver.received.count - 40) delivered twice")
        #expect(counts.count == 40, "every delivery arrived")
        #expect(receiver.received.count <= 40 + inFlight, "duplicates only of deliveries in flight at the kill")
        #expect(receiver.received.count > 40, "the killed node's deliveries in flight were sent again by the other")
        #expect(try Self.cli(["deliveries", "list", "--status", "pending"], url).output.split(separator: "\n").count <= 1)

        kill(survivor.process.processIdentifier, SIGTERM)
        survivor.process.waitUntilExit()
        let verified = try Self.cli(["audit", "verify"], url)
        #expect(verified.status == 0, "\(verified.output)\(verified.error)")
        #expect(verified.output.hasPrefix("audit log OK:"))
        await receiver.stop()
    }
}
