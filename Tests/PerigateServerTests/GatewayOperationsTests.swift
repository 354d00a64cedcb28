import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import PerigateCore
import PerigateTestSupport
import PerigateServer
import SQLiteNIO

/// Operations over real HTTP: metrics, request ids, problem+json for unknown routes, the
/// concurrency limit and the request timeout.
@Suite("Gateway over HTTP: operations")
struct GatewayOperationsTests {
    @Test("/metrics counts requests and ingest outcomes by kind and version, without client data; replies carry a request id")
    func metrics() async throws {
        let gateway = try await TestGateway.start()
        let accepted = try await gateway.post(GatewayHTTPTests.sample, as: "midwife")
        #expect(accepted.status == 202)
        let requestId = try #require(accepted.headers["perigate-request-id"])
        #expect(!requestId.isEmpty)
        let invalid = try await gateway.post(TestSupport.samples.appendingPathComponent("invalid/verwijzing-bsn-elfproef.xml"), as: "midwife")
        #expect(invalid.status == 422)
        _ = try await gateway.send("GET", "v1/clients/999990007/record", token: gateway.hospitalToken, contentType: nil)
        let unknown = try await gateway.send("GET", "v1/nothing-here", token: nil, contentType: nil)
        #expect(unknown.status == 404)
        #expect(unknown.json["code"] as? String == "route.not-found")

        let scrape = try await gateway.send("GET", "metrics", token: nil, headers: [:], contentType: nil)
        #expect(scrape.status == 200)
        let lines = scrape.text.split(separator: "\n").map(String.init)
        #expect(lines.contains(#"perigate_ingest_messages_total{kind="verwijzing",version="1.0",outcome="accepted"} 1"#))
        #expect(lines.contains(#"perigate_ingest_messages_total{kind="verwijzing",version="1.0",outcome="invalid"} 1"#))
        #expect(lines.contains(#"perigate_http_requests_total{route="/v1/messages",method="POST",status="202"} 1"#))
        #expect(lines.contains(#"perigate_http_requests_total{route="/v1/clients/{bsn}/record",method="GET",status="403"} 1"#))
        #expect(lines.contains(#"perigate_http_requests_total{route="NotFound",method="GET",status="404"} 1"#))
        #expect(lines.contains { $0.hasPrefix(#"perigate_http_request_duration_seconds_bucket{route="/v1/messages",method="POST",le="0.001"}"#) })
        #expect(lines.contains { $0.hasPrefix(#"perigate_ingest_duration_seconds_count{kind="verwijzing"} 2"#) })
        #expect(!scrape.text.contains("999990007"))
        try await gateway.stop()
    }

    @Test("/ready answers 503 store.unavailable when the database is gone; /health still 200")
    func notReady() async throws {
        let gateway = try await TestGateway.start()
        #expect(try await gateway.readyStatus() == 200)
        try await gateway.store.close()
        let ready = try await gateway.send("GET", "ready", token: nil, headers: [:], contentType: nil)
        #expect(ready.status == 503)
        #expect(ready.json["code"] as? String == "store.unavailable")
        #expect(try await gateway.send("GET", "health", token: nil, headers: [:], contentType: nil).status == 200)
        // A request that needs the store gets a problem+json 500 with its request id, not a crash.
        let failed = try await gateway.post(GatewayHTTPTests.sample, as: "midwife")
        #expect(failed.status == 500)
        #expect(failed.json["code"] as? String == "server.error")
        #expect((failed.json["detail"] as? String)?.contains(failed.headers["perigate-request-id"] ?? "?") == true)
        try await gateway.stop(closingStore: false)
    }

    @Test("/ready answers 503 while another process holds the database's write lock (reads still work), 200 once it lets go")
    func readyNeedsTheWriteLock() async throws {
        let gateway = try await TestGateway.start()
        #expect(try await gateway.readyStatus() == 200)
        // An insider's `sqlite3 gateway.sqlite "BEGIN IMMEDIATE"`, held.
        let other = try await SQLiteConnection.open(storage: .file(path: gateway.store.path))
        _ = try await other.query("BEGIN IMMEDIATE", [])
        let blocked = try await gateway.send("GET", "ready", token: nil, contentType: nil)
        #expect(blocked.status == 503)
        #expect(blocked.json["code"] as? String == "store.unavailable")
        _ = try await other.query("ROLLBACK", [])
        try await other.close()
        // Ready again by itself (the probe that timed out gave the writer back).
        var status = 0
        for _ in 0..<20 where status != 200 {
            status = try await gateway.send("GET", "ready", token: nil, contentType: nil).status
            if status != 200 { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(status == 200)
        try await gateway.stop()
    }

    @Test("beyond the concurrency limit: 503 server.busy with Retry-After; a stalled upload times out with 503 request.timeout")
    func busyAndTimeout() async throws {
        // Two gateways, so that neither half races the other's clock on a loaded machine: the first
        // gives a request a minute (the stall holds the slot for as long as the test needs), the
        // second two seconds (the stall is cut off).
        let patient = try await TestGateway.start(limits: GatewayServer.Configuration(maximumBodyBytes: 100_000, requestTimeout: .seconds(60),
                                                                        maximumConcurrentRequests: 1))
        let holder = try await Self.stall(patient)
        let busy: TestGateway.Reply? = try await patient.post(GatewayHTTPTests.sample, as: "midwife")
        #expect(busy?.status == 503)
        #expect(busy?.json["code"] as? String == "server.busy")
        #expect(busy?.headers["retry-after"] == "1")
        // Probes stay outside the limit.
        #expect(try await patient.send("GET", "health", token: nil, headers: [:], contentType: nil).status == 200)
        // The partner gives up: its slot is free again.
        holder.close()
        #expect(try await Self.acceptedOnceFree(patient))
        try await patient.stop()

        let strict = try await TestGateway.start(limits: GatewayServer.Configuration(maximumBodyBytes: 100_000, requestTimeout: .seconds(2),
                                                                       maximumConcurrentRequests: 1))
        let stalled = try await Self.stall(strict)
        let answer = await stalled.read(untilJSON: true)
        #expect(answer.hasPrefix("HTTP/1.1 503"))
        #expect(answer.contains("request.timeout"))
        stalled.close()
        #expect(try await Self.acceptedOnceFree(strict))
        try await strict.stop()
    }

    /// A partner that announces 5000 bytes and sends 10, returned once its request holds the only
    /// slot (the scrape that sees it is the other request in flight).
    private static func stall(_ gateway: TestGateway) async throws -> LoopbackSocket {
        let stalled = try LoopbackSocket(port: gateway.base.port!, from: "127.0.0.1")
        try stalled.write("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(gateway.midwifeToken)\r\n"
            + TestGateway.user.map { "\($0.key): \($0.value)\r\n" }.joined()
            + "Content-Type: application/xml\r\nContent-Length: 5000\r\n\r\n<verwijzin")
        var holding = false
        for _ in 0..<400 where !holding {
            let scrape = try await gateway.send("GET", "metrics", token: nil, headers: [:], contentType: nil)
            holding = scrape.text.contains("perigate_http_requests_in_flight 2.0")
            if !holding { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(holding)
        return stalled
    }

    /// A valid POST is taken once the slot is free. On a loaded machine a POST may itself pass a
    /// 2 s limit, or come while the freed slot is still held: it is sent again then, as a partner
    /// would on 503.
    private static func acceptedOnceFree(_ gateway: TestGateway) async throws -> Bool {
        for _ in 0..<20 {
            let reply = try await gateway.post(GatewayHTTPTests.sample, as: "midwife")
            guard reply.status == 503 else { return reply.status == 202 }
            try await Task.sleep(for: .milliseconds(300))
        }
        return false
    }
}
