import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PerigateCore
import PerigatePostgres
import PerigateSQLite
import Testing

/// The attacks of issue 19 on a copy of a database served by the real binary: a `perigate serve`
/// with its key in a key directory of its own, sending checkpoints to a witness server
/// (`perigate audit witness`) and a witness file on "another volume". An attacker has the data
/// directory (database and checkpoint file), drops the triggers where that helps, and sometimes the
/// key too; `perigate audit verify` must fail and name the cause. SQLite for all of them;
/// PostgreSQL for those that work on the database itself.
@Suite("Audit log attacks on a served database")
struct AuditAttackTests {
    enum Storage: String, Sendable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    /// One served gateway, stopped; its files stay as they were (each attack works on a copy).
    struct Served: Sendable {
        var storage: Storage
        var directory: URL
        /// SQLite: the database file; PostgreSQL: the base name of the node's checkpoint file.
        var database: String
        var postgresURL: String?
        var publicKey: String

        var keys: URL { directory.appendingPathComponent("keys") }
        var witnessStore: URL { directory.appendingPathComponent("witness/store.jsonl") }
        var witnessFile: URL { directory.appendingPathComponent("elsewhere/witness.jsonl") }
        var checkpoints: String { database + ".audit-checkpoints" }
    }

    static func environment(keys: URL, witnesses: [String] = []) -> [String: String] {
        ["PERIGATE_AUDIT_KEY_DIRECTORY": keys.path, "PERIGATE_AUDIT_WITNESSES": witnesses.joined(separator: ",")]
    }

    /// A running `perigate audit witness` pinning `publicKey`; its URL.
    static func startWitness(store: URL, publicKey: String) throws -> (Process, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.binary)
        process.arguments = ["audit", "witness", "--store", store.path, "--public-key", publicKey, "--port", "0"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let printed = ServeProcess.firstLine(of: process, on: output)
        guard printed.hasPrefix("perigate witness listening on "), let url = printed.split(separator: " ").last else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw ServeProcess.ServeFailed(output: printed)
        }
        return (process, url.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Serves a fresh gateway with a witness server and a witness file, posts `messages`
    /// referrals, and stops it (`SIGTERM`, or `SIGKILL` after the witnesses caught up).
    static func serve(_ storage: Storage, messages: Int = 40, killNine: Bool = false) async throws -> Served {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-attack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        var served = Served(storage: storage, directory: directory, database: directory.appendingPathComponent("data/gateway.sqlite").path,
                            postgresURL: nil, publicKey: "")
        // The key serve would create, made first so the witness can pin it; `audit public-key` prints what to pin.
        _ = try AuditSigningKey.loadOrCreate(path: served.keys.appendingPathComponent("audit-signing.key").path)
        let printed = try CLITests.run(["audit", "public-key", "--db", served.database], environment: environment(keys: served.keys))
        #expect(printed.status == 0, "\(printed.error)")
        served.publicKey = printed.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let (witness, witnessURL) = try startWitness(store: served.witnessStore, publicKey: served.publicKey)
        defer { kill(witness.processIdentifier, SIGTERM); witness.waitUntilExit() }
        let env = environment(keys: served.keys, witnesses: [witnessURL, "file:" + served.witnessFile.path])
        var storageArguments = ["--db", served.database]
        if storage == .postgres {
            let server = try #require(ProcessInfo.processInfo.environment["PERIGATE_TEST_POSTGRES_URL"])
            served.postgresURL = try await PostgresMessageStore.createDatabase(
                serverURL: server, name: "perigate_attack_" + UUID().uuidString.prefix(8).lowercased())
            storageArguments += ["--storage", "postgres", "--postgres-url", served.postgresURL!]
        }
        let added = try CLITests.run(["partner", "add", "--name", "Verloskundigenpraktijk De Linde", "--type", "verloskundigenpraktijk",
                                      "--ura", "01234567"] + storageArguments, environment: env)
        let token = try #require(added.output.split(separator: "\n").last?.split(separator: " ").last.map(String.init), "\(added.error)")
        let serve = try ServeProcess.launch(database: served.database, token: token, extraArguments: Array(storageArguments.dropFirst(2)),
                                            standardError: FileHandle.nullDevice, environment: env)
        defer { serve.killIfRunning() }
        let template = try String(contentsOf: CLITests.root.appendingPathComponent("Samples/valid/verwijzing-1-hypertensie-regulier.xml"), encoding: .utf8)
        for index in 0..<messages {
            let id = String(format: "4f6c2a1e-8b3d-4c1a-9e2f-%012d", index)
            let body = Data(template.replacingOccurrences(of: "4f6c2a1e-8b3d-4c1a-9e2f-1a2b3c4d5e01", with: id).utf8)
            let (_, response) = try await URLSession.shared.data(for: serve.request("POST", "v1/messages", body: body))
            #expect((response as? HTTPURLResponse)?.statusCode == 202)
        }
        if killNine {
            // Idle for longer than the checkpoint interval: everything written is witnessed, then the crash.
            try await Task.sleep(for: .milliseconds(1_800))
            kill(serve.process.processIdentifier, SIGKILL)
        } else {
            kill(serve.process.processIdentifier, SIGTERM)
        }
        serve.process.waitUntilExit()
        // The attacks below copy lines that are then more than one checkpoint interval (1 s, + 2 s slack) old.
        try await Task.sleep(for: .milliseconds(3_200))
        return served
    }

    static let sqlite = Task { try await serve(.sqlite) }
    static let postgres = Task { try await serve(.postgres) }

    /// A copy of everything (data, keys, witnesses) for one attack; PostgreSQL: a database made
    /// from the served one as template.
    static func copy(_ served: Served) async throws -> Served {
        var copy = served
        copy.directory = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-attack-copy-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: served.directory, to: copy.directory)
        copy.database = served.database.replacingOccurrences(of: served.directory.path, with: copy.directory.path)
        if let url = served.postgresURL, var parts = URLComponents(string: url) {
            let name = "perigate_attack_copy_" + UUID().uuidString.prefix(8).lowercased()
            let template = parts.path.dropFirst()
            parts.path = "/postgres"
            try await PostgresMessageStore.execute(url: parts.string!, ["CREATE DATABASE \(name) TEMPLATE \(template)"])
            parts.path = "/" + name
            copy.postgresURL = parts.string
        }
        return copy
    }

    /// SQL on the copy as its owner or a superuser would run it (SQLite: triggers dropped first
    /// where `dropTriggers`; PostgreSQL: triggers off for the transaction, `session_replication_role`).
    static func sql(_ served: Served, _ statements: [String], dropTriggers: Bool = true) async throws {
        switch served.storage {
        case .sqlite:
            let store = try await SQLiteMessageStore.open(path: served.database)
            if dropTriggers {
                try await store.execute("DROP TRIGGER audit_log_no_update")
                try await store.execute("DROP TRIGGER audit_log_no_delete")
            }
            for statement in statements { try await store.execute(statement) }
            try await store.close()
        case .postgres:
            // One DO block: one connection and one transaction for the settings and the statements.
            let settings = dropTriggers ? ["PERFORM set_config('session_replication_role', 'replica', true)"] : []
            try await PostgresMessageStore.execute(url: served.postgresURL!, ["DO $$ BEGIN \((settings + statements).joined(separator: "; ")); END $$"])
        }
    }

    static func head(_ served: Served) async throws -> (sequence: Int, hash: String) {
        let row = try await lastRow(served)
        return (row.sequence, row.hash)
    }

    static func lastRow(_ served: Served) async throws -> AuditChain.Row {
        let store: any AuditChainStore & MessageStore = served.storage == .sqlite ? try await SQLiteMessageStore.open(path: served.database)
            : try await PostgresMessageStore.open(url: served.postgresURL!)
        do {
            let head = try await store.auditHead()
            let row = try await store.auditRows(from: head.sequence, limit: 1).first
            try await store.close()
            return try #require(row)
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// `perigate audit verify` on the copy with `arguments`; the environment names the copy's key
    /// directory and `witnesses` as the configured witnesses.
    static func verify(_ served: Served, _ arguments: [String] = [], witnesses: [String] = []) throws -> CLITests.Run {
        var storage = ["--db", served.database]
        if let url = served.postgresURL { storage += ["--storage", "postgres", "--postgres-url", url] }
        return try CLITests.run(["audit", "verify"] + storage + arguments, environment: environment(keys: served.keys, witnesses: witnesses))
    }

    /// The auditor's verify: the pinned key and both witnesses.
    static func audited(_ served: Served) -> [String] {
        ["--public-key", served.publicKey, "--witness", served.witnessStore.path, "--witness", served.witnessFile.path]
    }

    static func expectBroken(_ run: CLITests.Run, _ cause: AuditChain.Cause, _ comment: String) {
        #expect(run.status == 1, "\(comment): \(run.output)\(run.error)")
        #expect(run.output.hasPrefix("audit log BROKEN at line"), "\(comment): \(run.output)\(run.error)")
        #expect(run.output.contains(cause.rawValue), "\(comment): expected \(cause.rawValue): \(run.output)\(run.error)")
    }

    static func served(_ storage: Storage) async throws -> Served {
        try await (storage == .sqlite ? sqlite : postgres).value
    }

    static let storages: [Storage] = ProcessInfo.processInfo.environment["PERIGATE_TEST_POSTGRES_URL"] == nil ? [.sqlite] : [.sqlite, .postgres]

    @Test("the untouched log verifies with the key file, with the pinned key and both witnesses, and against the running witness server",
          arguments: storages)
    func untouched(_ storage: Storage) async throws {
        let copy = try await Self.copy(try await Self.served(storage))
        let plain = try Self.verify(copy)
        #expect(plain.status == 0 && plain.output.hasPrefix("audit log OK:"), "\(plain.output)\(plain.error)")
        #expect(plain.output.contains("no unwitnessed lines"), "\(plain.output)")
        let audited = try Self.verify(copy, Self.audited(copy))
        #expect(audited.status == 0 && audited.output.contains("last witnessed checkpoint at line"), "\(audited.output)\(audited.error)")
        #expect(audited.output.contains("witness.jsonl") && audited.output.contains("store.jsonl"), "\(audited.output)")
        // A witness both configured and given on the command line is one witness, named once.
        let twice = try Self.verify(copy, Self.audited(copy), witnesses: [copy.witnessFile.path])
        #expect(twice.status == 0 && twice.output.components(separatedBy: copy.witnessFile.path).count == 2, "\(twice.output)")
        // The witness server itself: reading its checkpoints back over HTTP.
        let (witness, url) = try Self.startWitness(store: copy.witnessStore, publicKey: copy.publicKey)
        defer { kill(witness.processIdentifier, SIGTERM); witness.waitUntilExit() }
        let online = try Self.verify(copy, ["--public-key", copy.publicKey, "--witness", url])
        #expect(online.status == 0 && online.output.contains("witness \(url)"), "\(online.output)\(online.error)")
    }

    @Test("tail cut and checkpoint file removed: no checkpoint (key file or pinned key), shorter than witnessed (witnesses)", arguments: storages)
    func tailCutAndCheckpointsRemoved(_ storage: Storage) async throws {
        let copy = try await Self.copy(try await Self.served(storage))
        let head = try await Self.head(copy)
        try await Self.sql(copy, ["DELETE FROM audit_log WHERE seq > \(head.sequence - 5)"])
        try FileManager.default.removeItem(atPath: copy.checkpoints)
        // The auditor first: every verify logs itself as a new line after the cut.
        Self.expectBroken(try Self.verify(copy, Self.audited(copy)), .shorterThanWitnessed, "witnesses")
        Self.expectBroken(try Self.verify(copy), .noCheckpoint, "key file")
        Self.expectBroken(try Self.verify(copy, ["--public-key", copy.publicKey]), .noCheckpoint, "pinned key")
        // A failed verify signs nothing: the next one fails the same way.
        Self.expectBroken(try Self.verify(copy), .noCheckpoint, "again")
    }

    @Test("checkpoint file cut back to an earlier entry: old unwitnessed lines; with the log cut to match, the witnesses still hold the rest",
          arguments: storages)
    func checkpointFileCutBack(_ storage: Storage) async throws {
        let copy = try await Self.copy(try await Self.served(storage))
        let lines = try String(contentsOfFile: copy.checkpoints, encoding: .utf8).split(separator: "\n")
        #expect(lines.count >= 2, "serve checkpoints at start, while posting and at stop")
        try (lines[0] + "\n").write(toFile: copy.checkpoints, atomically: false, encoding: .utf8)
        Self.expectBroken(try Self.verify(copy), .unprotectedTail, "the file alone")
        // The attacker also cuts the log back to that checkpoint: locally consistent, but the configured witnesses hold more.
        let first = try #require(AuditCheckpoint.parse(line: Array(lines[0].utf8)))
        try await Self.sql(copy, ["DELETE FROM audit_log WHERE seq > \(first.sequence)"])
        Self.expectBroken(try Self.verify(copy, witnesses: ["file:" + copy.witnessFile.path]), .shorterThanWitnessed, "configured witness")
        // That verify logged itself as the line after the cut: where a witness holds another line now.
        Self.expectBroken(try Self.verify(copy, Self.audited(copy)), .checkpointMismatch, "auditor")
    }

    @Test("the key deleted, or replaced and the checkpoints re-signed after cutting the tail", arguments: storages)
    func keyDeletedOrReplaced(_ storage: Storage) async throws {
        let copy = try await Self.copy(try await Self.served(storage))
        let key = copy.keys.appendingPathComponent("audit-signing.key").path
        try FileManager.default.removeItem(atPath: key)
        Self.expectBroken(try Self.verify(copy), .noTrustedKey, "key deleted")
        // A new key, the tail cut, the checkpoint file made again with it.
        _ = try AuditSigningKey.loadOrCreate(path: key)
        let head = try await Self.head(copy)
        try await Self.sql(copy, ["DELETE FROM audit_log WHERE seq > \(head.sequence - 3)"])
        try FileManager.default.removeItem(atPath: copy.checkpoints)
        var storageArguments = ["--db", copy.database]
        if let url = copy.postgresURL { storageArguments += ["--storage", "postgres", "--postgres-url", url] }
        let resigned = try CLITests.run(["audit", "checkpoint"] + storageArguments, environment: Self.environment(keys: copy.keys))
        #expect(resigned.status == 0, "\(resigned.output)\(resigned.error)")
        Self.expectBroken(try Self.verify(copy, ["--public-key", copy.publicKey]), .checkpointOtherKey, "pinned key")
        Self.expectBroken(try Self.verify(copy, witnesses: ["file:" + copy.witnessFile.path]), .checkpointOtherKey, "configured witness")
        Self.expectBroken(try Self.verify(copy, Self.audited(copy)), .checkpointOtherKey, "auditor")
    }

    @Test("a forged purge record (triggers left in place): unsigned", arguments: storages)
    func forgedPurge(_ storage: Storage) async throws {
        let copy = try await Self.copy(try await Self.served(storage))
        let upTo = try await Self.head(copy).sequence - 10
        let boundary = """
            INSERT INTO audit_purges (up_to, anchor_hash, anchor_time, time)
            SELECT seq, hash, '2019-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM audit_log WHERE seq = \(upTo)
            """
        // SQLite's trigger lets a DELETE below a recorded boundary through; PostgreSQL's needs the purge flag the attacker sets.
        let delete = storage == .sqlite ? ["DELETE FROM audit_log WHERE seq <= \(upTo)"]
            : ["PERFORM set_config('perigate.purge', 'on', true)", "DELETE FROM audit_log WHERE seq <= \(upTo)"]
        try await Self.sql(copy, [boundary] + delete, dropTriggers: false)
        Self.expectBroken(try Self.verify(copy), .purgeUnsigned, "key file")
        Self.expectBroken(try Self.verify(copy, Self.audited(copy)), .purgeUnsigned, "auditor")
    }

    @Test("a forged line appended after the head with a correct hash", arguments: storages)
    func forgedAppendedLine(_ storage: Storage) async throws {
        let copy = try await Self.copy(try await Self.served(storage))
        let last = try await Self.lastRow(copy)
        var forged = try JSONDecoder().decode(AuditEntry.self, from: Data(last.line.utf8))
        forged.event = "record.read"
        forged.detail = "forged"
        let row = try #require(try AuditChain.rows(for: [forged], after: (last.sequence, last.hash)).first)
        let quoted = row.line.replacingOccurrences(of: "'", with: "''")
        // On PostgreSQL the look-up columns are the line's own, as a round writes them (an attacker
        // who leaves them out is caught at once: audit.index-mismatch).
        let literal = { (value: String?) in value.map { "'\($0)'" } ?? "NULL" }
        let indexed = storage == .sqlite ? ("", "")
            : (", client, time, actor_ura", ", \(literal(forged.client)), \(literal(forged.time)), \(literal(forged.organisation?.ura))")
        try await Self.sql(copy, ["""
            INSERT INTO audit_log (seq, line, prev_hash, hash\(indexed.0)) \
            VALUES (\(row.sequence), '\(quoted)', '\(row.previousHash)', '\(row.hash)'\(indexed.1))
            """])
        // Verified once the forged line (dated as the last real one, to the second) is older than the interval and its slack.
        let written = try Date(forged.time, strategy: .iso8601)
        while Date().timeIntervalSince(written) < 4.2 { try await Task.sleep(for: .milliseconds(200)) }
        Self.expectBroken(try Self.verify(copy), .unprotectedTail, "key file")
        Self.expectBroken(try Self.verify(copy, Self.audited(copy)), .unprotectedTail, "auditor")
    }

    @Test("after kill -9: everything witnessed within the interval; deleting the last 101 lines is shorter than witnessed")
    func afterKillNine() async throws {
        let served = try await Self.serve(.sqlite, messages: 100, killNine: true)
        let untouched = try await Self.copy(served)
        let crashed = try Self.verify(untouched, Self.audited(untouched))
        #expect(crashed.status == 0 && crashed.output.contains("no unwitnessed lines"), "\(crashed.output)\(crashed.error)")
        let copy = try await Self.copy(served)
        let head = try await Self.head(copy)
        try await Self.sql(copy, ["DELETE FROM audit_log WHERE seq > \(head.sequence - 101)"])
        try FileManager.default.removeItem(atPath: copy.checkpoints)
        Self.expectBroken(try Self.verify(copy, Self.audited(copy)), .shorterThanWitnessed, "auditor")
        Self.expectBroken(try Self.verify(copy), .noCheckpoint, "key file, checkpoint file removed")
    }
}
