import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PerigateSQLite
import Testing

/// Mounts a size-limited tmpfs (needs root with CAP_SYS_ADMIN, as on the CI machine); `nil` when
/// this machine does not allow it (the test is then skipped, saying so).
enum SmallFilesystem {
    static func mount(megabytes: Int) -> String? {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-small-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return run(["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", directory]) ? directory : nil
    }

    static func resize(_ directory: String, megabytes: Int) -> Bool {
        run(["mount", "-o", "remount,size=\(megabytes)m", directory])
    }

    static func unmount(_ directory: String) {
        _ = run(["umount", "-l", directory])
    }

    static func run(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    static let available: Bool = {
        guard let probe = mount(megabytes: 1) else { return false }
        unmount(probe)
        return true
    }()
}

/// Disk full on the SQLite volume, for real: the database on a 4 MiB tmpfs, messages until the
/// disk is full — then `503 store.unavailable`, nothing half-written, the server stays up, and
/// ingest recovers once there is room again.
@Suite("Disk full on the SQLite volume", .enabled(if: SmallFilesystem.available, "cannot mount a size-limited tmpfs here (needs root)"))
struct DiskFullTests {
    @Test("a full disk answers 503 and keeps everything acknowledged intact; ingest recovers when space returns")
    func diskFull() async throws {
        let mount = try #require(SmallFilesystem.mount(megabytes: 4))
        defer { SmallFilesystem.unmount(mount) }
        let database = mount + "/gateway.sqlite"
        let added = try CLITests.run(["partner", "add", "--db", database, "--name", "De Linde", "--type", "verloskundigenpraktijk", "--ura", "01234567"])
        let token = try #require(added.output.split(separator: "\n").last?.split(separator: " ").last.map(String.init))
        // Key and checkpoints off the small volume, as operations.md advises.
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-keys-\(UUID().uuidString)").path
        let serve = try ServeProcess.launch(database: database, token: token,
                                            extraArguments: ["--config", try Self.config(keys: keys)], standardError: FileHandle.nullDevice)
        defer { serve.killIfRunning() }
        let template = try String(contentsOf: CLITests.root.appendingPathComponent("Samples/valid/verwijzing-1-hypertensie-regulier.xml"), encoding: .utf8)
        func message(_ index: Int) -> Data {
            // Filler text that does not compress, so the disk fills after a few hundred messages.
            let filler = (0..<40).map { _ in UUID().uuidString }.joined(separator: " ")
            return Data(template.replacingOccurrences(of: "4f6c2a1e-8b3d-4c1a-9e2f-1a2b3c4d5e01", with: String(format: "4f6c2a1e-8b3d-4c1a-9e2f-%012d", index))
                .replacingOccurrences(of: "</toelichting>", with: " \(filler)</toelichting>").utf8)
        }
        func post(_ body: Data) async throws -> (Int, [String: Any]) {
            let (data, response) = try await URLSession.shared.data(for: serve.request("POST", "v1/messages", body: body))
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
        }
        var accepted: [Int: Data] = [:]
        var refusal: (Int, [String: Any])?
        for index in 0..<5_000 {
            let body = message(index)
            let (status, json) = try await post(body)
            if status == 202 { accepted[index] = body } else { refusal = (status, json); break }
        }
        let (status, problem) = try #require(refusal, "the disk never filled")
        print("disk full after \(accepted.count) messages")
        #expect(status == 503 && problem["code"] as? String == "store.unavailable", "\(status) \(problem)")
        #expect(accepted.count > 10)
        // Still up, still refusing cleanly while full.
        let (_, health) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(serve.port)/health")!)
        #expect((health as? HTTPURLResponse)?.statusCode == 200)
        #expect(try await post(message(9_999)).0 == 503)

        // Room again: the same gateway accepts without a restart.
        #expect(SmallFilesystem.resize(mount, megabytes: 64))
        #expect(try await post(message(10_000)).0 == 202)
        kill(serve.process.processIdentifier, SIGTERM)
        serve.process.waitUntilExit()

        // Everything acknowledged is there byte for byte; the file and the audit chain are sound.
        let store = try await SQLiteMessageStore.open(path: database)
        for (index, body) in accepted {
            #expect(try await store.message(id: String(format: "4f6c2a1e-8b3d-4c1a-9e2f-%012d", index))?.raw == body)
        }
        #expect(try await store.message(id: String(format: "4f6c2a1e-8b3d-4c1a-9e2f-%012d", 9_999)) == nil, "a refused message left nothing")
        #expect(try await store.integrityCheck() == "ok")
        try await store.close()
        let verified = try CLITests.run(["audit", "verify", "--db", database, "--checkpoints", keys + ".checkpoints", "--key", keys + ".key"])
        #expect(verified.status == 0, "\(verified.output)\(verified.error)")
    }

    /// A config file that keeps the audit key and checkpoints beside `keys`, off the small disk.
    static func config(keys: String) throws -> String {
        let path = keys + ".json"
        try Data(#"{"audit": {"key": "\#(keys).key", "checkpoints": "\#(keys).checkpoints"}}"#.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}
