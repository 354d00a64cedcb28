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
    /// A CLI command on the database of `url`; its own checkpoint file (`--db` is the base name of
    /// it with PostgreSQL) is one per server and database, beside this run's key directory.
    static func cli(_ arguments: [String], _ url: String) throws -> CLITests.Run {
        let parts = URLComponents(string: url)
        let directory = ProcessInfo.processInfo.environment["PERIGATE_AUDIT_KEY_DIRECTORY"].map { URL(fileURLWithPath: $0).deletingLastPathComponent() }
            ?? FileManager.default.temporaryDirectory
        let base = directory.appendingPathComponent("perigate-cli-\(parts?.port ?? 0)-\(parts?.path.dropFirst() ?? "postgres")").path
        return try CLITests.run(arguments + ["--storage", "postgres", "--postgres-url", url, "--db", base])
    }

    /// The checkpoint file of a node started with `--db base` (what `audit verify --witness` reads).
    static func checkpoints(_ base: String) -> [String] {
        ["--witness", base + ".audit-checkpoints"]
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
        #expect(try Self.cli(["subscription", "add", "--partner", kraamzorgId, "--allow-insecure", "--allow-network", "127.0.0.1", "--url", "http://127.0.0.1:\(port)/hook"], url).status == 0)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-nodes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let node = { (name: String) in
            try ServeProcess.launch(database: directory.appendingPathComponent(name).path, token: token,
                                    extraArguments: ["--storage", "postgres", "--postgres-url", url], standardError: FileHandle.nullDevice,
                                    environment: ["PERIGATE_DELIVERY_LEASE_SECONDS": "8", "PERIGATE_AUDIT_INSTANCE": name])
        }
        let nodeA = try node("node-a"), nodeB = try node("node-b")
        defer { nodeA.killIfRunning(); nodeB.killIfRunning() }
        let clients = BSN.fictitiousSeries(count: 60)
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
        // Each node's /metrics tells how long its sealing rounds held the chain lock, the one
        // section that serializes both (scripts/bench-nodes.sh); a round may seal the other node's lines too.
        for node in [nodeA, nodeB] {
            let (body, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(node.port)/metrics")!)
            let value = { (name: String) in
                String(decoding: body, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            #expect((value("perigate_store_serialized_sections_total") ?? 0) >= 1, "this node's sealing rounds held the chain lock")
            #expect((value("perigate_store_serialized_held_seconds_total") ?? 0) > 0)
        }
        #expect(Set(receiver.received).count == 30)

        // Under load (clients keep posting to both nodes), with a slow receiver holding deliveries
        // in flight, the node holding some of them dies (kill -9). Nothing it acknowledged is lost;
        // the other node takes its claims over once their lease (8 s here: well over an attempt's
        // 2 s plus a loaded machine's delays, so a live node's claim never expires mid-attempt) runs out.
        receiver.delay.withLock { $0 = .seconds(2) }
        for index in 30..<40 { #expect(try await post(index, to: index.isMultiple(of: 2) ? nodeA : nodeB) == 202) }
        try await ForwardingCrashTests.waitFor { receiver.received.count >= 34 }
        let store = try await PostgresMessageStore.open(url: url)
        // The victim is a node with a delivery the receiver holds right now, and has held for less
        // than 0.8 s of its 2 s delay, so the kill 0.2 s later really cuts an attempt off (a lease
        // alone may be a claim not sent yet, which the other node then sends just once; an older
        // hold may be answered before the kill).
        var picked: (victim: ServeProcess, survivor: ServeProcess)?
        for _ in 0..<500 where picked == nil {
            let fresh = receiver.held(lessThan: .milliseconds(800))
            let holders = Set(try await store.leasedDeliveries().filter { fresh.contains($0.deliveryId) }.map(\.node))
            let holds = { (node: ServeProcess) in holders.contains { $0.hasSuffix(":\(node.process.processIdentifier)") } }
            if holds(nodeB) { picked = (nodeB, nodeA) } else if holds(nodeA) { picked = (nodeA, nodeB) } else { try await Task.sleep(for: .milliseconds(20)) }
        }
        let (victim, survivor) = try #require(picked, "a node held a delivery at the receiver")
        let load = Task {
            try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for index in 40..<60 {
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(25 * (index - 40)))
                        return (index, (try? await post(index, to: index.isMultiple(of: 2) ? victim : survivor)) ?? 0)
                    }
                }
                return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        let beforeKill = receiver.received.count
        kill(victim.process.processIdentifier, SIGKILL)
        victim.process.waitUntilExit()
        let loadStatuses = try await load.value
        receiver.delay.withLock { $0 = .zero }
        let inFlight = beforeKill - 30
        let accepted = 40 + loadStatuses.values.filter { $0 == 202 }.count
        #expect(loadStatuses.values.allSatisfy { $0 == 202 || $0 == 0 }, "a request either succeeded or lost its connection: \(loadStatuses)")
        #expect(accepted > 40 && accepted < 60, "some posts to the killed node failed, the rest went through: \(accepted)")
        // A post whose answer the kill cut off may still have been stored: at least the acknowledged ones.
        try await ForwardingCrashTests.waitFor {
            try Self.cli(["deliveries", "list", "--status", "pending"], url).output.split(separator: "\n").count <= 1 && Self.sent(url) >= accepted
        }
        let sent = try Self.sent(url)
        // Every acknowledged message is stored (its delivery was planned in the same transaction and sent).
        for (index, status) in loadStatuses where status == 202 {
            #expect(try await store.message(id: String(format: "0a1b2c3d-0001-4000-8000-%012d", 1000 + index)) != nil)
        }
        try await store.close()
        let counts = Dictionary(receiver.received.map { ($0, 1) }, uniquingKeysWith: +)
        print("multi-node test: \(accepted) acknowledged, \(sent) stored and sent, \(inFlight) requests in flight at the kill, "
              + "\(receiver.received.count - sent) delivered twice")
        #expect(counts.count == sent, "every delivery arrived")
        #expect(receiver.received.count <= sent + inFlight, "duplicates only of deliveries in flight at the kill")
        #expect(receiver.received.count > sent, "the killed node's deliveries in flight were sent again by the other")
        #expect(try Self.cli(["deliveries", "list", "--status", "pending"], url).output.split(separator: "\n").count <= 1)

        kill(survivor.process.processIdentifier, SIGTERM)
        survivor.process.waitUntilExit()
        // Each node's checkpoint file is a witness of the one chain (the nodes share a key here; pin each node's with --public-key otherwise).
        let verified = try Self.cli(["audit", "verify"] + Self.checkpoints(directory.appendingPathComponent("node-a").path)
                                    + Self.checkpoints(directory.appendingPathComponent("node-b").path), url)
        #expect(verified.status == 0, "\(verified.output)\(verified.error)")
        #expect(verified.output.hasPrefix("audit log OK:"))
        // What the two nodes stored for each client, racing and through a kill, equals a rebuild
        // from her raw messages.
        let rebuilt = try Self.cli(["record", "rebuild", "--check"], url)
        #expect(rebuilt.status == 0, "\(rebuilt.output)\(rebuilt.error)")
        #expect(rebuilt.output.contains("0 differ"), "\(rebuilt.output)")
        await receiver.stop()
    }
}
