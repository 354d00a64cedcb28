import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PerigateSQLite
import Testing

/// The process log (standard error) of `perigate serve` at debug level: one line per request
/// with its request id and route template, never a BSN or message content.
@Suite("perigate serve process log")
struct ProcessLogTests {
    @Test("requests are logged with id, route and status; no BSN, name or message text appears")
    func noPatientData() async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-log-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let serve = try ServeProcess.start(extraArguments: ["--log-level", "debug"], standardError: try FileHandle(forWritingTo: log))
        let server = serve.process
        defer { serve.killIfRunning() }

        func send(_ method: String, _ path: String, body: Data?) async throws -> Int {
            let (_, response) = try await URLSession.shared.data(for: serve.request(method, path, body: body))
            return (response as? HTTPURLResponse)?.statusCode ?? 0
        }
        let sample = try Data(contentsOf: CLITests.root.appendingPathComponent("Samples/valid/verwijzing-1-hypertensie-regulier.xml"))
        #expect(try await send("POST", "v1/messages", body: sample) == 202)
        let invalid = try Data(contentsOf: CLITests.root.appendingPathComponent("Samples/invalid/verwijzing-bsn-elfproef.xml"))
        #expect(try await send("POST", "v1/messages", body: invalid) == 422)
        #expect(try await send("GET", "v1/clients/999990007/record", body: nil) == 403)
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)

        let text = try String(contentsOf: log, encoding: .utf8)
        let requests = text.split(separator: "\n").filter { $0.contains(" request ") || $0.hasSuffix(" request") || $0.contains(": request") }
        #expect(requests.count == 3, "\(text)")
        #expect(requests.allSatisfy { $0.contains("hb.request.id=") })
        #expect(text.contains("route=/v1/clients/{bsn}/record"))
        for secret in ["999990007", "El Amrani", "Fatima", "hypertensie", "<verwijzing"] {
            #expect(!text.contains(secret), "the process log contains \(secret)")
        }

        // A graceful stop signs the audit head; verify checks chain and checkpoint, and finds a change.
        let verified = try CLITests.run(["audit", "verify", "--db", serve.database])
        #expect(verified.status == 0)
        #expect(verified.output.contains("matches"), "\(verified.output)")
        let store = try await SQLiteMessageStore.open(path: serve.database)
        let events = try await store.auditEntries(after: 0, limit: 100).map(\.event)
        #expect(events.first == "partner.add" && events.contains("gateway.start") && events.suffix(2) == ["gateway.stop", "audit.verify"],
                "\(events)")
        try await store.execute("DROP TRIGGER audit_log_no_update")
        try await store.execute("UPDATE audit_log SET line = replace(line, 'refused', 'success') WHERE line LIKE '%record.read%'")
        try await store.close()
        let broken = try CLITests.run(["audit", "verify", "--db", serve.database])
        #expect(broken.status == 1)
        #expect(broken.output.hasPrefix("audit log BROKEN at line"), "\(broken.output)")
    }
}
