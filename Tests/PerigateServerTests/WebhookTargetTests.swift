import Foundation
import Synchronization
import Testing
import PerigateCore
import PerigateTestSupport
import PerigateDelivery
import PerigateSQLite

/// Subscriptions may not point at internal addresses (issue 18, item 7): refused when created
/// or changed, and again before every delivery after resolution, connecting only to the checked
/// address. Network rule: traffic goes to 127.0.0.1 only. The refusals at creation run on a
/// gateway with no message to deliver; the delivery-time checks use names the test resolver
/// maps to loopback.
@Suite("Webhook targets: no internal addresses over HTTP and at delivery")
struct WebhookTargetTests {
    /// The URLs an attack test got accepted (and the gateway's own `/metrics`), with the reason
    /// the answer must name.
    static func internalURLs(gatewayPort: Int) -> [(String, String)] {
        [("https://169.254.169.254/latest/meta-data/", "address not allowed: 169.254.169.254 (link-local, cloud metadata)"),
         ("https://10.0.0.1/", "address not allowed: 10.0.0.1 (private network)"),
         ("https://192.168.1.1/", "address not allowed: 192.168.1.1 (private network)"),
         ("https://[fd00::1]/", "address not allowed: fd00::1 (unique local, private network)"),
         ("https://[::ffff:10.0.0.1]/", "address not allowed: ::ffff:10.0.0.1 (IPv4-mapped 10.0.0.1, private network)"),
         ("https://0x7f000001/", "address not allowed: 127.0.0.1 (loopback)"),
         ("https://localhost:5432/", "address not allowed: localhost (loopback)"),
         ("https://127.0.0.1:\(gatewayPort)/metrics", "address not allowed: 127.0.0.1 (loopback)"),
         ("https://hooks.kraamzorg.test/", "address not allowed: 127.0.0.1 (loopback), resolved from hooks.kraamzorg.test"),
         ("http://127.0.0.1:22/", "plain http is not allowed (use https); an operator may allow it with delivery.allowInsecure"),
         ("http://localhost:5432/", "plain http is not allowed (use https)")]
    }

    static func subscribe(_ gateway: TestGateway, _ url: String, as name: String = "kraamzorg") async throws -> TestGateway.Reply {
        try await gateway.send("POST", "v1/subscriptions", token: gateway.tokens[name], contentType: "application/json",
                               body: try JSONSerialization.data(withJSONObject: ["url": url]))
    }

    @Test("internal URLs are refused with 422 subscription.url-not-allowed, the reason and what opens it; nothing is stored")
    func refusedAtCreation() async throws {
        let gateway = try await TestGateway.start()
        for (url, reason) in Self.internalURLs(gatewayPort: gateway.base.port ?? 0) {
            let reply = try await Self.subscribe(gateway, url)
            #expect(reply.status == 422 && reply.json["code"] as? String == "subscription.url-not-allowed", "\(url): \(reply.text)")
            let detail = reply.json["detail"] as? String ?? ""
            #expect(detail.hasPrefix("url: \(reason)"), "\(url): \(detail)")
            if reason.hasPrefix("address") { #expect(detail.hasSuffix("an operator may open it with delivery.allowedNetworks"), "\(detail)") }
        }
        #expect(try await gateway.store.subscriptions().isEmpty)
        // A change of URL is decided the same way: the stored URL stays.
        let created = try await Self.subscribe(gateway, "https://jgz.example.org/perigate", as: "jgz")
        #expect(created.status == 201, "\(created.text)")
        let id = try #require((created.json["subscription"] as? [String: Any])?["id"] as? String)
        let changed = try await gateway.send("PATCH", "v1/subscriptions/\(id)", token: gateway.tokens["jgz"], contentType: "application/json",
                                             body: try JSONSerialization.data(withJSONObject: ["url": "https://169.254.169.254/"]))
        #expect(changed.status == 422 && changed.json["code"] as? String == "subscription.url-not-allowed", "\(changed.text)")
        #expect(try await gateway.store.subscriptions().map(\.url) == ["https://jgz.example.org/perigate"])
        try await gateway.stop()
    }

    @Test("the operator's allowlist (and plain-http switch) opens exactly these: 201")
    func allowedByTheAllowlist() async throws {
        let targets = try WebhookTargetPolicy(allowInsecure: true, allowing: ["169.254.169.254", "10.0.0.0/8", "192.168.0.0/16", "fd00::/8",
                                                                              "127.0.0.0/8", "localhost"])
        let gateway = try await TestGateway.start(targets: targets, resolve: { host in
            guard host == "localhost" || host.hasSuffix(".test") else { throw TestGateway.Unresolvable() }
            return ["127.0.0.1"]
        })
        let urls = Self.internalURLs(gatewayPort: gateway.base.port ?? 0).map(\.0)
        for url in urls {
            let reply = try await Self.subscribe(gateway, url)
            #expect(reply.status == 201, "\(url): \(reply.text)")
        }
        #expect(Set(try await gateway.store.subscriptions().map(\.url)) == Set(urls))
        // What it does not name stays shut.
        let other = try await Self.subscribe(gateway, "https://172.16.0.1/")
        #expect(other.status == 422 && (other.json["detail"] as? String)?.hasPrefix("url: address not allowed: 172.16.0.1 (private network)") == true)
        try await gateway.stop()
    }

    @Test("at delivery a name is resolved and checked, and the client connects to exactly that address (the name itself resolves nowhere else)")
    func deliveredToTheCheckedAddress() async throws {
        let asked = Mutex<[String]>([])
        let setup = try await DeliveryWorkerTests.setup(host: "hooks.kraamzorg.test", resolve: { host in
            asked.withLock { $0.append(host) }
            return try await TestGateway.loopbackResolver(host)
        })
        try await DeliveryWorkerTests.post(setup, "1-kraamzorgoverdracht-prenataal")
        #expect(try await setup.worker.runOnce() == 1)
        // The system resolver knows no hooks.kraamzorg.test: only the pinned address can have reached the receiver.
        #expect(setup.receiver.received.count == 1)
        #expect(setup.receiver.received.first?.headers["host"]?.hasPrefix("hooks.kraamzorg.test") == true)
        #expect(try await setup.gateway.store.deliveries(status: "sent").count == 1)
        #expect(asked.withLock { $0 } == ["hooks.kraamzorg.test"])
        try await setup.stop()
    }

    @Test("DNS rebinding: public at creation, loopback at delivery (not allowed) — a failed attempt that names the address; the receiver gets nothing")
    func rebindingRefused() async throws {
        let answers = Mutex(["93.184.216.34"])
        let resolve: WebhookTargetPolicy.Resolver = { host in
            guard host == "rebind.kraamzorg.test" else { throw TestGateway.Unresolvable() }
            return answers.withLock { $0 }
        }
        let receiver = DeliveryWorkerTests.Receiver()
        let (port, group, task) = try await receiver.start()
        let policy = WebhookTargetPolicy(allowInsecure: true)       // plain http to the test receiver; no network opened
        let gateway = try await TestGateway.start(targets: policy, resolve: resolve)
        let created = try await Self.subscribe(gateway, "http://rebind.kraamzorg.test:\(port)/hook")
        #expect(created.status == 201, "\(created.text)")
        answers.withLock { $0 = ["127.0.0.1"] }
        let clock = DeliveryWorkerTests.Clock()
        let worker = DeliveryWorker(store: gateway.store, partners: gateway.store, views: try ViewPolicy.load(TestSupport.schemas + "/views.json"),
                                    validator: TestSupport.validator(), resolve: resolve, settings: .init(targets: policy),
                                    now: { clock.now }, random: { 0.5 }, logger: TestGateway.quietLogger)
        let posted = try await gateway.post(TestSupport.samples.appendingPathComponent("sequence/1-kraamzorgoverdracht-prenataal.xml"), as: "midwife")
        #expect(posted.json["deliveriesPlanned"] as? [String] == ["webhook:ura:31112222"], "\(posted.text)")
        #expect(try await worker.runOnce() == 1)
        #expect(receiver.received.isEmpty)
        let delivery = try #require(try await gateway.store.deliveries(status: nil).first)
        #expect(delivery.status == "pending" && delivery.attempts == 1)
        #expect(delivery.lastError == "address not allowed: 127.0.0.1 (loopback), resolved from rebind.kraamzorg.test")
        let attempt = try #require(try await gateway.store.attempts(deliveryId: delivery.id).first)
        #expect(attempt.status == nil && attempt.error == delivery.lastError)
        // Retried on the schedule: 5 s later the same refusal, still nothing sent.
        clock.advance(10)
        #expect(try await worker.runOnce() == 1)
        #expect(receiver.received.isEmpty)
        #expect(try await gateway.store.attempts(deliveryId: delivery.id).count == 2)
        try await worker.shutdown()
        await group.triggerGracefulShutdown()
        _ = await task.result
        try await gateway.stop()
    }
}
