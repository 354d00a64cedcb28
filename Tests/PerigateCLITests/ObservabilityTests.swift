import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// What an operator watches on the real binary: JSON process logs without patient data, the
/// Prometheus metrics for validation, store latency, outbox and delivery attempts, and `/ready`.
@Suite("perigate serve observability")
struct ObservabilityTests {
    @Test("--log-format json writes one JSON object per line, without patient data; /metrics has validation, store, outbox and delivery figures")
    func jsonLogsAndMetrics() async throws {
        let receiver = WebhookReceiver()
        let port = try await receiver.start()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-json-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let serve = try ServeProcess.start(extraArguments: ["--log-level", "debug", "--log-format", "json"],
                                           standardError: try FileHandle(forWritingTo: log), prepare: { db in
            let added = try CLITests.run(["partner", "add", "--db", db, "--name", "Kraamzorg Het Nest", "--type", "kraamzorg", "--ura", "31112222"])
            let id = try #require(added.output.split(separator: " ").dropFirst().first.map(String.init))
            let subscribed = try CLITests.run(["subscription", "add", "--db", db, "--partner", id, "--allow-insecure", "--allow-network", "127.0.0.1", "--url", "http://127.0.0.1:\(port)/hook"])
            #expect(subscribed.status == 0)
        })
        defer { serve.killIfRunning() }
        let handover = try Data(contentsOf: CLITests.root.appendingPathComponent("Samples/sequence/1-kraamzorgoverdracht-prenataal.xml"))
        let (_, posted) = try await URLSession.shared.data(for: serve.request("POST", "v1/messages", body: handover))
        #expect((posted as? HTTPURLResponse)?.statusCode == 202)
        try await ForwardingCrashTests.waitFor { receiver.received.count == 1 }
        let base = "http://127.0.0.1:\(serve.port)"
        let (ready, readyResponse) = try await URLSession.shared.data(from: URL(string: base + "/ready")!)
        #expect((readyResponse as? HTTPURLResponse)?.statusCode == 200, "\(String(decoding: ready, as: UTF8.self))")
        let (metricsBody, _) = try await URLSession.shared.data(from: URL(string: base + "/metrics")!)
        let metrics = String(decoding: metricsBody, as: UTF8.self)
        for series in ["perigate_validation_duration_seconds_count{kind=\"kraamzorgoverdracht\"} 1",
                       "perigate_store_operation_duration_seconds_count{operation=\"accept\"} 1",
                       "perigate_ingest_messages_total{kind=\"kraamzorgoverdracht\",version=\"1.0\",outcome=\"accepted\"} 1",
                       "perigate_delivery_attempts_total{subscription=", "outcome=\"sent\"} 1",
                       "perigate_outbox_pending{subscription=\"inbox\"} 0", "perigate_outbox_oldest_pending_age_seconds"] {
            #expect(metrics.contains(series), "missing \(series)")
        }
        kill(serve.process.processIdentifier, SIGTERM)
        serve.process.waitUntilExit()
        await receiver.stop()

        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count >= 3)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] is String && object?["message"] is String && object?["time"] is String, "\(line)")
        }
        let requests = lines.filter { $0.contains("\"message\":\"request\"") }
        #expect(requests.contains { $0.contains("\"route\":\"/v1/messages\"") && $0.contains("hb.request.id") }, "\(requests)")
        let text = lines.joined(separator: "\n")
        for secret in ["999990044", "<kraamzorgoverdracht", "Verhoeven"] {
            #expect(!text.contains(secret), "the JSON log contains \(secret)")
        }
    }
}
