import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PerigateCore
import PerigatePostgres
import Testing

/// A PostgreSQL server of its own for one test (so restarting it disturbs no other test): a
/// cluster in a temporary directory, trust authentication on 127.0.0.1 only. Needs root and
/// Debian's PostgreSQL binaries (scripts/test.sh installs them).
struct PrivatePostgres {
    let directory: String
    let port: Int
    let binaries: String
    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    static var binariesPath: String? {
        let root = "/usr/lib/postgresql"
        guard getuid() == 0, let versions = try? FileManager.default.contentsOfDirectory(atPath: root) else { return nil }
        return versions.sorted { $0.compare($1, options: .numeric) == .orderedAscending }.last.map { "\(root)/\($0)/bin" }
    }

    static func create() throws -> PrivatePostgres {
        let binaries = try #require(binariesPath)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let server = PrivatePostgres(directory: directory, port: Int.random(in: 55_000..<60_000), binaries: binaries)
        try server.run(["/usr/bin/chown", "postgres:postgres", directory])
        try server.asPostgres(["initdb", "-D", directory + "/data", "-U", "postgres", "--auth-local=trust", "--auth-host=trust", "-E", "UTF8",
                               "--locale=C.UTF-8", "--no-sync"])
        try server.start()
        return server
    }

    func start(options: String = "") throws {
        try asPostgres(["pg_ctl", "-D", directory + "/data", "-l", directory + "/log", "-w", "-t", "30",
                        "-o", "-p \(port) -c listen_addresses=127.0.0.1 -k \(directory) \(options)", "start"])
    }

    func stop(mode: String = "fast") throws {
        try asPostgres(["pg_ctl", "-D", directory + "/data", "-m", mode, "-w", "stop"])
    }

    func remove() {
        try? stop(mode: "immediate")
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func asPostgres(_ arguments: [String]) throws {
        try run(["/usr/sbin/runuser", "-u", "postgres", "--", binaries + "/" + arguments[0]] + arguments.dropFirst())
    }

    /// posix_spawn and waitpid: pg_ctl leaves a daemon behind, which Foundation's Process does
    /// not always notice the end of its parent around.
    private func run(_ arguments: [String]) throws {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else {
            throw StoreError(.setup, message: "cannot start \(arguments[0])")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else { throw StoreError(.setup, message: "\(arguments.prefix(5).joined(separator: " ")) failed (\(status))") }
    }
}

import PerigateSQLite

@Suite("PostgreSQL restart while a node runs", .enabled(if: PrivatePostgres.binariesPath != nil, "needs root and PostgreSQL binaries"))
struct PostgresRestartTests {
    @Test("while PostgreSQL is down ingest answers 503 and /ready 503; after its restart the node works again without a restart of its own")
    func restart() async throws {
        let database = try PrivatePostgres.create()
        defer { database.remove() }
        let added = try MultiNodeTests.cli(["partner", "add", "--name", "De Linde", "--type", "verloskundigenpraktijk", "--ura", "01234567"], database.url)
        let token = try #require(added.output.split(separator: "\n").last?.split(separator: " ").last.map(String.init), "\(added.error)")
        let files = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-restart-\(UUID().uuidString)").path
        let node = try ServeProcess.launch(database: files, token: token, extraArguments: ["--storage", "postgres", "--postgres-url", database.url,
                                                                                          "--request-timeout", "3"],
                                           standardError: FileHandle.nullDevice)
        defer { node.killIfRunning() }
        let template = try String(contentsOf: CLITests.root.appendingPathComponent("Samples/valid/verwijzing-1-hypertensie-regulier.xml"), encoding: .utf8)
        func post(_ index: Int) async -> Int {
            let body = Data(template.replacingOccurrences(of: "4f6c2a1e-8b3d-4c1a-9e2f-1a2b3c4d5e01",
                                                          with: String(format: "4f6c2a1e-8b3d-4c1a-9e2f-%012d", index)).utf8)
            guard let (_, response) = try? await URLSession.shared.data(for: node.request("POST", "v1/messages", body: body)) else { return 0 }
            return (response as? HTTPURLResponse)?.statusCode ?? 0
        }
        func ready() async -> Int {
            let url = URL(string: "http://127.0.0.1:\(node.port)/ready")!
            return ((try? await URLSession.shared.data(from: url))?.1 as? HTTPURLResponse)?.statusCode ?? 0
        }
        #expect(await post(1) == 202)
        #expect(await ready() == 200)

        try database.stop()
        // The pool waits for the database; the request timeout answers 503 (re-send later).
        #expect(await post(2) == 503, "nothing stored while the database is down: 503, re-send later")
        #expect(await ready() == 503)
        try database.start()
        var recovered = 0
        for attempt in 0..<40 where recovered == 0 {
            if await post(3) == 202 { recovered = attempt + 1 } else { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(recovered > 0, "the node's pool reconnects after the restart")
        #expect(await ready() == 200)
        // A row no sealing round takes (put into audit_pending by hand, past the check that
        // keeps every role's rows sealable, as a row from before migration 13 could be): not
        // ready within a second (the checks' answer is reused that long), and /metrics counts it;
        // ready again once the owner has taken it out.
        try await PostgresMessageStore.execute(url: database.url, ["ALTER TABLE audit_pending DROP CONSTRAINT audit_pending_sealable",
                                                                   #"INSERT INTO audit_pending (template) VALUES ('{"time":"2026-12-03T10:00:00Z"}')"#])
        func readyAnswer() async throws -> (status: Int?, body: String) {
            let (body, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(node.port)/ready")!)
            return ((response as? HTTPURLResponse)?.statusCode, String(decoding: body, as: UTF8.self))
        }
        var notReady = try await readyAnswer()
        for _ in 0..<12 where notReady.status == 200 {
            try await Task.sleep(for: .milliseconds(250))
            notReady = try await readyAnswer()
        }
        #expect(notReady.status == 503)
        #expect(notReady.body.contains("1 rows waiting in audit_pending are no audit line"), "\(notReady.body)")
        try await Task.sleep(for: .milliseconds(1_100))  // past the second /metrics reuses its gauges
        let (metrics, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(node.port)/metrics")!)
        #expect(String(decoding: metrics, as: UTF8.self).contains("perigate_audit_unsealed_lines 1"))
        try await PostgresMessageStore.execute(url: database.url, ["ALTER TABLE audit_pending DISABLE TRIGGER audit_pending_sealed_only",
                                                                   "DELETE FROM audit_pending", "ALTER TABLE audit_pending ENABLE TRIGGER audit_pending_sealed_only"])
        var readyAgain = await ready()
        for _ in 0..<12 where readyAgain != 200 {
            try await Task.sleep(for: .milliseconds(250))
            readyAgain = await ready()
        }
        #expect(readyAgain == 200)
        #expect(await post(2) == 202, "the message refused during the outage is accepted when re-sent")
        kill(node.process.processIdentifier, SIGTERM)
        node.process.waitUntilExit()
        let verified = try MultiNodeTests.cli(["audit", "verify"] + MultiNodeTests.checkpoints(files), database.url)
        #expect(verified.status == 0 && verified.output.hasPrefix("audit log OK:"), "\(verified.output)\(verified.error)")
        let store = try await PostgresMessageStore.open(url: database.url)
        for index in 1...3 { #expect(try await store.message(id: String(format: "4f6c2a1e-8b3d-4c1a-9e2f-%012d", index)) != nil) }
        try await store.close()
    }

    @Test("a database crash after sealing rounds loses no audit line: a lost round is undone whole and sealed again; a signed head survives")
    func crashAfterSealing() async throws {
        let database = try PrivatePostgres.create()
        defer { database.remove() }
        // The WAL writer flushes only every 10 s: a round that commits without waiting for the
        // flush is still only in memory when the server dies.
        try database.stop()
        try database.start(options: "-c wal_writer_delay=10000")
        let store = try await PostgresMessageStore.open(url: database.url, maximumConnections: 4)
        func line(_ index: Int) -> AuditEntry {
            AuditEntry(time: "2026-11-25T10:00:00Z", actor: "ura:01234567", event: "record.read", action: "R", object: "line-\(index)", outcome: "success")
        }
        for index in 0..<20 { try await store.appendAudit([line(index)]) }
        // What a checkpoint would sign: on disk when auditHead() returns.
        let signed = try await store.auditHead()
        #expect(signed.sequence == 20)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 20..<60 { group.addTask { try await store.appendAudit([line(index)]) } }
            try await group.waitForAll()
        }
        try database.stop(mode: "immediate")
        try database.start()
        // The pool reconnects; whatever rounds were lost came back to audit_pending.
        var unsealed = -1
        for _ in 0..<40 where unsealed < 0 {
            if let count = try? await store.unsealedAudit().count { unsealed = count } else { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(unsealed > 0, "the last round was lost with the crash (its lines wait in audit_pending)")
        _ = try await store.auditHead()
        let objects = try await store.auditEntries(after: 0, limit: 1000).map(\.object)
        #expect(objects.count == 60 && Set(objects) == Set((0..<60).map { "line-\($0)" }))
        #expect(try await store.auditRows(from: signed.sequence, limit: 1).first?.hash == signed.hash)
        #expect(try await store.verifyAuditChain().problem == nil)
        #expect(try await store.unsealedAudit().count == 0)
        try await store.close()
    }
}
