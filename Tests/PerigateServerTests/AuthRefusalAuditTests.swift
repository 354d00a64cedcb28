import Foundation
import Testing
import PerigateCore
import PerigateServer
import PerigateTestSupport

/// Every authentication refusal is audited — aggregated, so a flood cannot fill the log — with the
/// presented credential's kind and hash prefix, never the secret (issue 18, item 5).
@Suite("Audited authentication refusals")
struct AuthRefusalAuditTests {
    @Test("30 requests with an unknown token: one line at once, one count line at the flush; another code is its own line")
    func aggregated() async throws {
        let gateway = try await TestGateway.start()
        let before = try await gateway.store.auditEntries(after: 0, limit: 10_000).count
        let token = "pgt_" + String(repeating: "x", count: 40)
        for _ in 0..<30 {
            let reply = try await gateway.send("GET", "v1/subscriptions", token: token, contentType: nil)
            #expect(reply.status == 401)
        }
        let missing = try await gateway.send("GET", "v1/subscriptions", token: nil, contentType: nil)
        #expect(missing.status == 401)
        var lines = Array(try await gateway.store.auditEntries(after: 0, limit: 10_000).dropFirst(before))
        #expect(lines.map(\.event) == ["auth.refused", "auth.refused"])
        let hash = String(PartnerToken.hash(token).prefix(8))
        #expect(lines.first?.detail?.hasPrefix("auth.token-invalid; credential bearer pgt_ sha256:\(hash); 1 since") == true)
        #expect(lines.last?.detail?.hasPrefix("auth.token-missing; credential none; 1 since") == true)
        #expect(lines.allSatisfy { $0.actor == "unauthenticated:127.0.0.1" && $0.outcome == "refused" && $0.client == nil })
        #expect(!lines.contains { ($0.detail ?? "").contains(token) })

        try await gateway.server.flushRefusals(force: true)
        lines = Array(try await gateway.store.auditEntries(after: 0, limit: 10_000).dropFirst(before))
        #expect(lines.count == 3)
        #expect(lines.last?.detail?.hasPrefix("auth.token-invalid; credential bearer pgt_ sha256:\(hash); 29 since") == true)
        try await gateway.stop()
    }

    @Test("the aggregation per minute, as a pure function of the clock")
    func perMinute() async {
        let aggregator = RefusalAggregator(maximumKeys: 2)
        let start = Date(timeIntervalSince1970: 1_795_608_000)
        let refusal = RefusalAggregator.Refusal(source: "127.0.0.1", code: "auth.token-invalid", credential: "none")
        #expect(await aggregator.record(refusal, at: start).count == 1)
        #expect(await aggregator.record(refusal, at: start.addingTimeInterval(10)).isEmpty)
        #expect(await aggregator.flush(now: start.addingTimeInterval(30)).isEmpty)
        // The next minute: the count of the last one, then a new first line.
        let next = await aggregator.record(refusal, at: start.addingTimeInterval(61))
        #expect(next.map { $0.detail?.components(separatedBy: "; ")[2].hasPrefix("1 since") } == [true, true])
        // Bounded: a third key writes out the oldest.
        let other = RefusalAggregator.Refusal(source: "127.0.0.2", code: "auth.token-invalid", credential: "none")
        let third = RefusalAggregator.Refusal(source: "127.0.0.3", code: "auth.token-invalid", credential: "none")
        _ = await aggregator.record(other, at: start.addingTimeInterval(62))
        _ = await aggregator.record(refusal, at: start.addingTimeInterval(63))
        let evicted = await aggregator.record(third, at: start.addingTimeInterval(64))
        #expect(evicted.count == 2)
        #expect(evicted.first?.actor == "unauthenticated:127.0.0.1")
    }
}
