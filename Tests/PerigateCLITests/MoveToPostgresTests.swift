import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PerigateCore
import PerigatePostgres
import Testing

/// Moving a SQLite deployment to PostgreSQL with the real binary: export, import into a new
/// database, the audit chain verifies there, the same partner token reads the same bytes back
/// from a gateway on PostgreSQL, and the outbox came along.
@Suite("perigate export/import: SQLite → PostgreSQL", .enabled(if: ProcessInfo.processInfo.environment["PERIGATE_TEST_POSTGRES_URL"] != nil,
                                                                  "no test PostgreSQL (scripts/test.sh starts one)"))
struct MoveToPostgresTests {
    @Test("export, import, verify, serve on PostgreSQL: messages byte for byte, partners, outbox and audit chain intact")
    func move() async throws {
        let serve = try ServeProcess.start(prepare: { db in
            let added = try CLITests.run(["partner", "add", "--db", db, "--name", "Kraamzorg Het Nest", "--type", "kraamzorg", "--ura", "31112222"])
            let id = try #require(added.output.split(separator: " ").dropFirst().first.map(String.init))
            #expect(try CLITests.run(["subscription", "add", "--db", db, "--partner", id, "--allow-insecure", "--allow-network", "127.0.0.1", "--url", "http://127.0.0.1:9/hook"]).status == 0)
        })
        defer { serve.killIfRunning() }
        var bodies: [String: Data] = [:]
        for (index, bsn) in BSN.fictitiousSeries(count: 3).enumerated() {
            let body = try ForwardingCrashTests.handover(bsn: bsn, number: 2000 + index)
            let (_, response) = try await URLSession.shared.data(for: serve.request("POST", "v1/messages", body: body))
            #expect((response as? HTTPURLResponse)?.statusCode == 202)
            bodies[String(format: "0a1b2c3d-0001-4000-8000-%012d", 2000 + index)] = body
        }
        kill(serve.process.processIdentifier, SIGTERM)
        serve.process.waitUntilExit()

        let dump = URL(fileURLWithPath: serve.database).deletingLastPathComponent().appendingPathComponent("move.jsonl").path
        let exported = try CLITests.run(["export", "--db", serve.database, "--to", dump])
        #expect(exported.status == 0, "\(exported.error)")
        #expect(exported.output.contains("partners 2") && exported.output.contains("messages 3") && exported.output.contains("deliveries 3"))
        #expect(try CLITests.run(["export", "--db", serve.database, "--to", dump]).status != 0, "an existing dump file is never overwritten")

        let server = try #require(ProcessInfo.processInfo.environment["PERIGATE_TEST_POSTGRES_URL"])
        let url = try await PostgresMessageStore.createDatabase(serverURL: server, name: "perigate_move_" + UUID().uuidString.prefix(8).lowercased())
        let imported = try MultiNodeTests.cli(["import", "--from", dump], url)
        #expect(imported.status == 0, "\(imported.output)\(imported.error)")
        #expect(imported.output.contains("messages 3"))
        #expect(imported.output.contains("audit log OK:"))
        #expect(try MultiNodeTests.cli(["import", "--from", dump], url).status != 0, "a database that is not empty is refused")
        #expect(try MultiNodeTests.cli(["deliveries", "list"], url).output.split(separator: "\n").count == 4)

        // The same token, now against a gateway on PostgreSQL: the same bytes come back.
        let node = try ServeProcess.launch(database: serve.database + "-pg", token: serve.token,
                                           extraArguments: ["--storage", "postgres", "--postgres-url", url], standardError: FileHandle.nullDevice)
        defer { node.killIfRunning() }
        for (id, body) in bodies {
            let (data, response) = try await URLSession.shared.data(for: node.request("GET", "v1/messages/\(id)/raw"))
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(data == body)
        }
        kill(node.process.processIdentifier, SIGTERM)
        node.process.waitUntilExit()
        // The SQLite gateway's checkpoints still verify the moved chain; the PostgreSQL node's cover the rest.
        let verified = try MultiNodeTests.cli(["audit", "verify"] + MultiNodeTests.checkpoints(serve.database)
                                              + MultiNodeTests.checkpoints(serve.database + "-pg"), url)
        #expect(verified.status == 0 && verified.output.hasPrefix("audit log OK:"), "\(verified.output)\(verified.error)")
        #expect(try MultiNodeTests.cli(["migrate"], url).output.hasPrefix("1 messages-consents-audit\n2 "))
    }
}
