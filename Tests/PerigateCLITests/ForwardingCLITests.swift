import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Forwarding through the real binary: a subscription made with the CLI, the delivery worker
/// running inside `perigate serve`, the outbox seen with `perigate deliveries`.
@Suite("perigate serve forwarding")
struct ForwardingCLITests {
    @Test("serve plans a webhook delivery, its worker attempts it (receiver down: retried, error recorded), deliveries lists it")
    func workerRunsInServe() async throws {
        var database = ""
        let serve = try ServeProcess.start(prepare: { db in
            database = db
            let added = try CLITests.run(["partner", "add", "--db", db, "--name", "Kraamzorg Het Nest", "--type", "kraamzorg", "--ura", "31112222"])
            #expect(added.status == 0)
            let id = try #require(added.output.split(separator: " ").dropFirst().first.map(String.init))
            let subscribed = try CLITests.run(["subscription", "add", "--db", db, "--partner", id, "--url", "http://127.0.0.1:9/hook"])
            #expect(subscribed.status == 0, "\(subscribed.error)")
            #expect(subscribed.output.contains("signing secret (shown once"))
            #expect(try CLITests.run(["subscription", "add", "--db", db, "--partner", id, "--url", "http://example.org/hook"]).status != 0)
        })
        defer { serve.killIfRunning() }
        let message = try Data(contentsOf: CLITests.root.appendingPathComponent("Samples/sequence/1-kraamzorgoverdracht-prenataal.xml"))
        let (body, response) = try await URLSession.shared.data(for: serve.request("POST", "v1/messages", body: message))
        #expect((response as? HTTPURLResponse)?.statusCode == 202)
        #expect(String(decoding: body, as: UTF8.self).contains("webhook:ura:31112222"))
        var listed = ""
        for _ in 0..<50 {
            listed = try CLITests.run(["deliveries", "list", "--db", database, "--status", "pending"]).output
            // Attempted: the LAST ERROR column (the last) is filled in.
            if listed.split(separator: "\n").contains(where: { $0.contains("ura:31112222") && !$0.hasSuffix(" -") }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(listed.contains("webhook"))
        #expect(!listed.split(separator: "\n").dropFirst().allSatisfy { $0.hasSuffix(" -") }, "no error recorded: \(listed)")
        kill(serve.process.processIdentifier, SIGTERM)
        serve.process.waitUntilExit()
        #expect(serve.process.terminationStatus == 0)
        let id = try #require(listed.split(separator: "\n").dropFirst().first?.split(separator: " ").first.map(String.init))
        let retried = try CLITests.run(["deliveries", "retry", "--db", database, id])
        #expect(retried.output == "delivery \(id) queued again\n")
    }
}
