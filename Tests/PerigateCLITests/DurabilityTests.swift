import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PerigateSQLite
import Testing

/// `kill -9` under load: every message that got a 202 is present after restart, byte for byte,
/// and the database passes an integrity check. Runs the real `perigate serve` process.
@Suite("Durability")
struct DurabilityTests {
    @Test("kill -9 during concurrent ingest loses nothing that was acknowledged")
    func killNine() async throws {
        let serve = try ServeProcess.start()
        let server = serve.process, db = serve.database
        defer { serve.killIfRunning() }

        let template = try String(contentsOf: CLITests.root.appendingPathComponent("Samples/valid/verwijzing-1-hypertensie-regulier.xml"), encoding: .utf8)

        let acknowledged = Acknowledged()
        let killer = Task {
            try await Task.sleep(nanoseconds: 1_500_000_000)
            kill(server.processIdentifier, SIGKILL)
        }
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for index in 0..<100_000 {
                        let id = String(format: "4f6c2a1e-8b3d-4c1a-9e2f-%04x%08x", worker, index)
                        let body = Data(template.replacingOccurrences(of: "4f6c2a1e-8b3d-4c1a-9e2f-1a2b3c4d5e01", with: id).utf8)
                        guard let (_, response) = try? await URLSession.shared.data(for: serve.request("POST", "v1/messages", body: body))
                        else { return }
                        if (response as? HTTPURLResponse)?.statusCode == 202 { await acknowledged.add(id, body) }
                    }
                }
            }
        }
        _ = await killer.result
        server.waitUntilExit()
        #expect(server.terminationReason == .uncaughtSignal)

        let accepted = await acknowledged.all
        print("kill -9 test: \(accepted.count) messages acknowledged before the kill")
        #expect(accepted.count > 0)
        let store = try await SQLiteMessageStore.open(path: db)
        var missing = 0
        for (id, body) in accepted where try await store.message(id: id)?.raw != body { missing += 1 }
        #expect(missing == 0)
        #expect(try await store.integrityCheck() == "ok")
        // Every acknowledged message has its import line in the audit log.
        let imports = try await store.auditEntries(after: 0, limit: 1_000_000).filter { $0.event == "message.import" }.map(\.object)
        let logged = Set(imports)
        #expect(accepted.filter { !logged.contains("bsn:999990007/message:\($0.0)") }.isEmpty)
        try await store.close()
        // The audit hash chain is intact after the crash. The lines of the last second before it
        // were not witnessed yet; a restart signs them (as an operator restarts after a crash).
        let restarted = try serve.restarted()
        kill(restarted.process.processIdentifier, SIGTERM)
        restarted.process.waitUntilExit()
        let verified = try CLITests.run(["audit", "verify", "--db", db])
        #expect(verified.status == 0, "\(verified.output)\(verified.error)")
        #expect(verified.output.hasPrefix("audit log OK:"))
    }

    actor Acknowledged {
        var all: [(String, Data)] = []
        func add(_ id: String, _ body: Data) { all.append((id, body)) }
    }
}
