import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import PerigateCore
import PerigateTestSupport
import PerigateDelivery
import PerigateSQLite

/// The delivery worker against a real receiver on 127.0.0.1 whose answers the test chooses, on an
/// injected clock (no sleeping for retries).
@Suite("Webhook delivery")
struct DeliveryWorkerTests {
    /// A webhook receiver: answers with the queued statuses (then 200), records what it got.
    final class Receiver: Sendable {
        struct Received: Sendable {
            var headers: [String: String]
            var body: Data
        }
        let state = Mutex<(answers: [Int], received: [Received])>(([], []))
        /// How long the hook takes to answer.
        let delay = Mutex<Duration>(.zero)
        /// Bodies containing this text are always answered 500 (one client's stream failing).
        let failing = Mutex<String?>(nil)
        var received: [Received] { state.withLock { $0.received } }
        /// Requests answered with a redirect (to `/hook`).
        let redirects = Mutex(0)

        func answer(_ statuses: [Int]) { state.withLock { $0.answers = statuses } }

        func start() async throws -> (port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
            let router = Router()
            router.post("redirect") { _, _ -> Response in
                self.redirects.withLock { $0 += 1 }
                return Response(status: .temporaryRedirect, headers: [.location: "/hook"])
            }
            router.post("slow") { _, _ -> Response in
                try await Task.sleep(for: .seconds(3))
                return Response(status: .ok)
            }
            router.post("hook") { request, _ -> Response in
                let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                headers["host"] = request.head.authority              // HTTP/1.1 `Host` arrives as the authority
                let failing = self.failing.withLock { $0 }.map { String(decoding: body, as: UTF8.self).contains($0) } ?? false
                let status = self.state.withLock { state -> Int in
                    state.received.append(Received(headers: headers, body: body))
                    if failing { return 500 }
                    return state.answers.isEmpty ? 200 : state.answers.removeFirst()
                }
                let pause = self.delay.withLock { $0 }
                if pause > .zero { try await Task.sleep(for: pause) }
                var response = Response(status: HTTPResponse.Status(code: status))
                if status == 429 { response.headers[.retryAfter] = "120" }
                return response
            }
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: TestGateway.quietLogger)
            let group = ServiceGroup(configuration: .init(services: [app], logger: TestGateway.quietLogger))
            let task = Task(executorPreference: ServerExecutor.shared) { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            return (try #require(await iterator.next()), group, task)
        }
    }

    /// A clock the test moves. It starts an hour after the real time (whole seconds), so
    /// deliveries the gateway creates at the real time are due at once, whatever the time of day.
    final class Clock: Sendable {
        let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3600).rounded(.down))
        let time: Mutex<Date>
        init() { time = Mutex(start) }
        var now: Date { time.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    struct Setup {
        var gateway: TestGateway
        var receiver: Receiver
        var worker: DeliveryWorker
        var clock: Clock
        var subscription: Subscription
        var stopReceiver: () async -> Void

        func stop() async throws {
            try await worker.shutdown()
            await stopReceiver()
            try await gateway.stop()
        }
    }

    /// The receiver's subscription URL names `host` (the worker resolves it with `resolve`) and is
    /// checked with `targets` before every attempt.
    static func setup(format: String = "xml", path: String = "hook", scheme: String = "http", timeout: Duration = .seconds(30),
                      console: Bool = false, host: String = "127.0.0.1", targets: WebhookTargetPolicy = TestGateway.loopbackReceivers,
                      resolve: @escaping WebhookTargetPolicy.Resolver = TestGateway.loopbackResolver) async throws -> Setup {
        let gateway = try await TestGateway.start(console: console)
        let receiver = Receiver()
        let (port, group, task) = try await receiver.start()
        let subscription = Subscription(id: "sub-kraamzorg", partnerId: gateway.partners["kraamzorg"]!.id, url: "\(scheme)://\(host):\(port)/\(path)",
                                        kinds: [], format: format, secret: WebhookSignature.newSecret(), createdAt: "2026-11-25T10:00:00Z")
        try await gateway.store.addSubscription(subscription, audit: AuditEntry(time: "2026-11-25T10:00:00Z", actor: "test",
                                                                                event: "subscription.add", action: "C", object: "subscription:x", outcome: "success"))
        let clock = Clock()
        let worker = DeliveryWorker(store: gateway.store, partners: gateway.store, views: try ViewPolicy.load(TestSupport.schemas + "/views.json"),
                                    validator: TestSupport.validator(), resolve: resolve,
                                    settings: .init(timeout: timeout, targets: targets), now: { clock.now }, random: { 0.5 },
                                    logger: TestGateway.quietLogger)
        return Setup(gateway: gateway, receiver: receiver, worker: worker, clock: clock, subscription: subscription,
                     stopReceiver: { await group.triggerGracefulShutdown(); _ = await task.result })
    }

    /// A message whose delivery the receiver refuses with 400 until it is a dead letter (three
    /// attempts). On a loaded machine an attempt can also end in a transport error (it counts
    /// as an attempt too), so the helper goes on until the delivery is dead and the tests compare
    /// with what the store recorded rather than assume three 400s.
    static func deadLetter(_ setup: Setup) async throws {
        setup.receiver.answer(Array(repeating: 400, count: 10))
        try await post(setup, "1-kraamzorgoverdracht-prenataal")
        for _ in 0..<6 {
            _ = try await setup.worker.runOnce()
            setup.clock.advance(200)
            if try await setup.gateway.store.deliveries(status: "dead").isEmpty == false { break }
        }
        setup.receiver.answer([])
        let dead = try #require(try await setup.gateway.store.deliveries(status: "dead").first)
        let attempts = try await setup.gateway.store.attempts(deliveryId: dead.id)
        #expect(attempts.count == RetrySchedule.permanentFailureLimit)
        #expect(attempts.allSatisfy { $0.status == 400 || ($0.status == nil && $0.error != nil) }, "\(attempts)")
        #expect(attempts.contains { $0.status == 400 })
    }

    static func post(_ setup: Setup, _ name: String) async throws {
        let reply = try await setup.gateway.post(TestSupport.samples.appendingPathComponent("sequence/\(name).xml"), as: "midwife")
        #expect(reply.json["deliveriesPlanned"] as? [String] == ["webhook:ura:31112222"], "\(reply.text)")
    }

    @Test("a 307 is not followed: a failed attempt naming the redirect, retried on the schedule; the target never gets it")
    func redirectNotFollowed() async throws {
        let setup = try await Self.setup(path: "redirect")
        try await Self.post(setup, "1-kraamzorgoverdracht-prenataal")
        _ = try await setup.worker.runOnce()
        #expect(setup.receiver.redirects.withLock { $0 } == 1)
        #expect(setup.receiver.received.isEmpty)
        let delivery = try #require(try await setup.gateway.store.deliveries(status: nil).first)
        #expect(delivery.status == "pending")
        #expect(delivery.attempts == 1)
        #expect(delivery.lastError == "redirect not followed: 307 → /hook")
        let attempt = try #require(try await setup.gateway.store.attempts(deliveryId: delivery.id).first)
        #expect(attempt.status == 307)
        try await setup.stop()
    }

    @Test("a delivery is signed, carries its id and trace id, and is recorded with its export line")
    func delivered() async throws {
        let setup = try await Self.setup()
        try await Self.post(setup, "1-kraamzorgoverdracht-prenataal")
        #expect(try await setup.worker.runOnce() == 1)
        let got = try #require(setup.receiver.received.first)
        let delivery = try #require(try await setup.gateway.store.deliveries(status: "sent").first)
        #expect(got.headers["webhook-id"] == delivery.id)
        let timestamp = try #require(got.headers["webhook-timestamp"].flatMap { Int($0) })
        #expect(timestamp == Int(setup.clock.start.timeIntervalSince1970))
        #expect(WebhookSignature.verify(header: got.headers["webhook-signature"] ?? "", id: delivery.id, timestamp: timestamp, body: got.body,
                                        secret: setup.subscription.secret))
        let original = try Data(contentsOf: TestSupport.samples.appendingPathComponent("sequence/1-kraamzorgoverdracht-prenataal.xml"))
        #expect(got.body == original)
        let trace = DeliveryWorker.traceId(delivery)
        #expect(got.headers["traceparent"]?.hasPrefix("00-\(trace)-") == true)
        let line = try #require(try await setup.gateway.store.auditEntries(after: 0, limit: 100).last)
        #expect(line.event == "message.export" && line.outcome == "success" && line.traceId == trace && line.organisation?.ura == "31112222")
        #expect(try await setup.gateway.store.attempts(deliveryId: delivery.id).map(\.status) == [200])
        #expect(try await setup.worker.runOnce() == 0)
        try await setup.stop()
    }

    @Test("failures are retried on the schedule (Retry-After honoured), in order per client; a later message waits for the earlier one")
    func retriesAndOrder() async throws {
        let setup = try await Self.setup()
        setup.receiver.answer([500, 429])
        try await Self.post(setup, "1-kraamzorgoverdracht-prenataal")
        try await Self.post(setup, "6-kraamzorgoverdracht-na-geboorte")
        #expect(try await setup.worker.runOnce() == 1)              // only the head of the client's stream
        #expect(try await setup.worker.runOnce() == 0)              // not due yet: 5 s later
        setup.clock.advance(6)
        #expect(try await setup.worker.runOnce() == 1)              // 429 with Retry-After: 120
        setup.clock.advance(60)
        #expect(try await setup.worker.runOnce() == 0)
        setup.clock.advance(61)
        #expect(try await setup.worker.runOnce() == 1)              // delivered; the next message is due now
        #expect(try await setup.worker.runOnce() == 1)
        let ids = setup.receiver.received.compactMap { $0.headers["webhook-id"] }
        #expect(ids.count == 4)
        #expect(Set(ids.prefix(3)).count == 1)                     // the same webhook-id on every retry
        let sent = try await setup.gateway.store.deliveries(status: "sent")
        #expect(sent.map(\.messageId) == ["0a1b2c3d-0001-4000-8000-000000000001", "0a1b2c3d-0006-4000-8000-000000000006"])
        #expect(try await setup.gateway.store.attempts(deliveryId: ids[0]).map(\.status) == [500, 429, 200])
        try await setup.stop()
    }

    @Test("a subscriber down for an hour (injected clock): everything arrives after recovery, in order per client, nothing dead")
    func hourLongOutage() async throws {
        let setup = try await Self.setup()
        setup.receiver.answer(Array(repeating: 503, count: 100_000))
        let clients = ["999990044"] + BSN.fictitiousSeries(count: 2)
        var expected: [String: [String]] = [:]
        for (index, bsn) in clients.enumerated() {
            for (number, name) in ["1-kraamzorgoverdracht-prenataal", "6-kraamzorgoverdracht-na-geboorte"].enumerated() {
                let sample = try String(contentsOf: TestSupport.samples.appendingPathComponent("sequence/\(name).xml"), encoding: .utf8)
                let id = String(format: "0a1b2c3d-00%02d-4000-8000-0000000000%02d", index, number)
                let body = sample.replacingOccurrences(of: "<bsn>999990044</bsn>", with: "<bsn>\(bsn)</bsn>")
                    .replacingOccurrences(of: number == 0 ? "0a1b2c3d-0001-4000-8000-000000000001" : "0a1b2c3d-0006-4000-8000-000000000006", with: id)
                #expect(try await setup.gateway.send("POST", "v1/messages", token: setup.gateway.midwifeToken, body: Data(body.utf8)).status == 202)
                expected[bsn, default: []].append(id)
            }
        }
        // One hour of outage, the worker polling every minute of injected time.
        for _ in 0..<60 {
            _ = try await setup.worker.runOnce()
            setup.clock.advance(60)
        }
        let duringOutage = setup.receiver.received.count
        #expect(duringOutage > 3 * 5, "retried on the schedule during the outage: \(duringOutage) attempts")
        setup.receiver.answer([])
        var rounds = 0
        while try await setup.gateway.store.deliveries(status: "sent").count < 6, rounds < 240 {
            _ = try await setup.worker.runOnce()
            setup.clock.advance(60)
            rounds += 1
        }
        let sent = try await setup.gateway.store.deliveries(status: "sent")
        #expect(sent.count == 6, "all delivered after recovery (\(rounds) more minutes)")
        #expect(try await setup.gateway.store.deliveries(status: "dead").isEmpty)
        #expect(try await setup.gateway.store.subscriptions().first?.active == true)
        // Per client: the second message was never attempted before the first one got through.
        let messageOf = Dictionary(uniqueKeysWithValues: sent.map { ($0.id, $0.messageId) })
        let requests = setup.receiver.received.map { messageOf[$0.headers["webhook-id"] ?? ""] ?? "?" }
        for (bsn, ids) in expected {
            let firstDelivered = try #require(requests.indices.last { requests[$0] == ids[0] }, "\(bsn)")
            let secondTried = try #require(requests.firstIndex(of: ids[1]), "\(bsn)")
            #expect(firstDelivered < secondTried, "client \(bsn): order per client held")
        }
        try await setup.stop()
    }

    @Test("410 Gone dead-letters and disables the subscription; 4xx three times dead-letters; a dead letter can be replayed with the same id")
    func deadLetters() async throws {
        let setup = try await Self.setup()
        try await Self.deadLetter(setup)
        let dead = try #require(try await setup.gateway.store.deliveries(status: "dead").first)
        #expect(try await setup.gateway.store.requeue(ids: [dead.id], at: setup.clock.now.formatted(.iso8601), audit: []) == 1)
        #expect(try await setup.worker.runOnce() == 1)
        #expect(setup.receiver.received.last?.headers["webhook-id"] == dead.id)
        #expect(try await setup.gateway.store.deliveries(status: "sent").map(\.id) == [dead.id])

        setup.receiver.answer([410])
        try await Self.post(setup, "6-kraamzorgoverdracht-na-geboorte")
        #expect(try await setup.worker.runOnce() == 1)
        #expect(try await setup.gateway.store.subscriptions().first?.active == false)
        #expect(try await setup.gateway.store.auditEntries(after: 0, limit: 200).contains { $0.event == "subscription.disabled" })
        // The owner finds a notice in its inbox.
        let inbox = try await setup.gateway.send("GET", "v1/inbox", token: setup.gateway.tokens["kraamzorg"], contentType: nil)
        let notice = try #require((inbox.json["items"] as? [[String: Any]])?.first)
        #expect(notice["kind"] as? String == "event")
        #expect(notice["reason"] as? String == "event:subscription-disabled:sub-kraamzorg")
        #expect((notice["event"] as? String)?.contains("410 Gone") == true)
        try await setup.stop()
    }

    @Test("a delivery older than the maximum age becomes a dead letter; a consent withdrawal cancels what is queued")
    func exhaustedAndWithdrawn() async throws {
        let setup = try await Self.setup()
        setup.receiver.answer(Array(repeating: 503, count: 100))
        try await Self.post(setup, "1-kraamzorgoverdracht-prenataal")
        var attempts = 0
        while try await setup.gateway.store.deliveries(status: "dead").isEmpty, attempts < 60 {
            attempts += try await setup.worker.runOnce()
            setup.clock.advance(7300)
        }
        #expect(attempts > 30 && attempts < 45, "\(attempts) attempts in three days")
        setup.receiver.answer([])
        try await Self.post(setup, "6-kraamzorgoverdracht-na-geboorte")
        #expect(try await GatewayClientFileTests.consent(setup.gateway, as: "midwife", #"{"status": "withdrawn", "date": "2026-11-24"}"#).status == 201)
        let before = setup.receiver.received.count
        #expect(try await setup.worker.runOnce() == 1)
        #expect(setup.receiver.received.count == before)
        #expect(try await setup.gateway.store.deliveries(status: "cancelled").count == 1)
        #expect(try await setup.gateway.store.auditEntries(after: 0, limit: 500).last?.detail == "access.consent-withdrawn")
        try await setup.stop()
    }

    @Test("a receiver that does not answer in time, speaks no TLS on an https URL, or refuses the connection: a failure to retry, named", arguments: [
        ("slow", "http", "timeout"), ("hook", "https", "TLS"), ("closed", "http", "connection refused"),
    ])
    func timeoutAndBadTLS(_ path: String, _ scheme: String, _ named: String) async throws {
        // Only the slow receiver is meant to pass the timeout; on a loaded machine a TLS handshake
        // with a plain-HTTP receiver can take over a second to fail, and must fail as TLS.
        let setup = try await Self.setup(path: path, scheme: scheme, timeout: path == "slow" ? .seconds(1) : .seconds(20))
        if path == "closed" { await setup.stopReceiver() }
        try await Self.post(setup, "1-kraamzorgoverdracht-prenataal")
        let started = ContinuousClock.now
        #expect(try await setup.worker.runOnce() == 1)
        print("delivery attempt (\(named)) ended after \(ContinuousClock.now - started)")
        let pending = try #require(try await setup.gateway.store.deliveries(status: "pending").first)
        #expect(pending.attempts == 1)
        #expect(pending.lastError != nil)
        let attempt = try #require(try await setup.gateway.store.attempts(deliveryId: pending.id).first)
        #expect(attempt.status == nil && attempt.error?.hasPrefix(named) == true, "\(String(describing: attempt.error))")
        #expect(pending.nextAttemptAt == setup.clock.now.addingTimeInterval(5).formatted(.iso8601))
        try await setup.stop()
    }

    @Test("a worker stopped mid-delivery and a new one started lose nothing; duplicates stay within what was in flight (at least once)")
    func restartMidDelivery() async throws {
        let setup = try await Self.setup(timeout: .seconds(5))
        let template = try String(contentsOf: TestSupport.samples.appendingPathComponent("sequence/1-kraamzorgoverdracht-prenataal.xml"), encoding: .utf8)
        // Eight clients (valid-format fictitious BSNs), so deliveries may go in parallel.
        let clients = BSN.fictitiousSeries(count: 8)
        for (index, bsn) in clients.enumerated() {
            let message = template.replacingOccurrences(of: "999990044", with: bsn)
                .replacingOccurrences(of: "0a1b2c3d-0001-4000-8000-000000000001", with: "0a1b2c3d-0001-4000-8000-0000000001\(String(format: "%02d", index))")
            #expect(try await setup.gateway.send("POST", "v1/messages", token: setup.gateway.midwifeToken, body: Data(message.utf8)).status == 202)
        }
        setup.receiver.delay.withLock { $0 = .milliseconds(400) }
        let first = DeliveryWorker(store: setup.gateway.store, partners: setup.gateway.store, views: try ViewPolicy.load(TestSupport.schemas + "/views.json"),
                                   validator: TestSupport.validator(), resolve: TestGateway.loopbackResolver,
                                   settings: .init(concurrency: 4, timeout: .seconds(5), targets: TestGateway.loopbackReceivers),
                                   now: { [clock = setup.clock] in clock.now }, random: { 0.5 }, logger: TestGateway.quietLogger)
        let running = Task { try await first.runOnce() }
        try await Task.sleep(for: .milliseconds(150))
        running.cancel()                                            // the "crash": answers in flight are never recorded as sent
        _ = await running.result
        try await first.shutdown()
        setup.receiver.delay.withLock { $0 = .zero }
        for _ in 0..<10 {
            setup.clock.advance(10)
            _ = try await setup.worker.runOnce()
        }
        let sent = try await setup.gateway.store.deliveries(status: "sent")
        #expect(sent.count == 8)
        let received = setup.receiver.received.compactMap { $0.headers["webhook-id"] }
        print("restart test: \(received.count) requests for \(Set(received).count) deliveries")
        #expect(Set(received) == Set(sent.map(\.id)))              // nothing lost
        #expect(received.count - Set(received).count <= 4)          // duplicated at most what was in flight
        try await setup.stop()
    }

    @Test("one client's failing stream does not hold up another client's deliveries to the same endpoint")
    func failingStreamDoesNotBlock() async throws {
        let setup = try await Self.setup()
        setup.receiver.failing.withLock { $0 = "<bsn>999990044</bsn>" }
        try await Self.post(setup, "1-kraamzorgoverdracht-prenataal")          // client 999990044: always 500
        try await Self.post(setup, "6-kraamzorgoverdracht-na-geboorte")        // same client: waits behind it
        let other = try String(contentsOf: TestSupport.samples.appendingPathComponent("sequence/1-kraamzorgoverdracht-prenataal.xml"), encoding: .utf8)
            .replacingOccurrences(of: "999990044", with: "999990019")
            .replacingOccurrences(of: "0a1b2c3d-0001-4000-8000-000000000001", with: "0a1b2c3d-0001-4000-8000-0000000000b1")
        #expect(try await setup.gateway.send("POST", "v1/messages", token: setup.gateway.midwifeToken, body: Data(other.utf8)).status == 202)
        #expect(try await setup.worker.runOnce() == 2)              // the head of each client's stream
        let sent = try await setup.gateway.store.deliveries(status: "sent")
        #expect(sent.map(\.bsn) == ["999990019"])
        let pending = try await setup.gateway.store.deliveries(status: "pending")
        #expect(pending.map(\.bsn) == ["999990044", "999990044"])
        #expect(pending.map(\.attempts) == [1, 0])
        try await setup.stop()
    }

    @Test("operators list dead letters with their attempts, retry and replay over HTTP; partner tokens cannot; every call audited")
    func operatorEndpoints() async throws {
        let setup = try await Self.setup()
        try await Self.deadLetter(setup)
        let token = Operator.tokenPrefix + "test-\(UUID().uuidString)"
        try await setup.gateway.store.addOperator(Operator(id: "op-1", name: "Beheer VSV", createdAt: "2026-11-25T10:00:00Z"),
                                                  tokenHash: PartnerToken.hash(token),
                                                  audit: AuditEntry(time: "2026-11-25T10:00:00Z", actor: "test", event: "operator.add", action: "C",
                                                                    object: "operator:op-1", outcome: "success"))
        let user = ["Perigate-User": "uzi:900077777", "Perigate-User-Name": "J. Beheer", "Perigate-User-Role": "beheerder"]
        #expect(try await setup.gateway.send("GET", "v1/operator/deliveries?status=dead", token: setup.gateway.midwifeToken, contentType: nil)
            .json["code"] as? String == "auth.operator-only")
        let dead = try await setup.gateway.send("GET", "v1/operator/deliveries?status=dead", token: token, headers: user, contentType: nil)
        #expect(dead.status == 200)
        let views = try #require(dead.json["deliveries"] as? [[String: Any]])
        #expect(views.count == 1)
        let id = try #require((views.first?["delivery"] as? [String: Any])?["id"] as? String)
        let recorded = try await setup.gateway.store.attempts(deliveryId: id)
        #expect((views.first?["attempts"] as? [[String: Any]])?.map { $0["status"] as? Int } == recorded.map(\.status))
        #expect((views.first?["attempts"] as? [[String: Any]])?.count == 3)
        #expect(try await setup.gateway.send("POST", "v1/operator/deliveries/\(id)/retry", token: token, headers: user, contentType: nil).status == 200)
        #expect(try await setup.worker.runOnce() == 1)
        #expect(try await setup.gateway.store.deliveries(status: "sent").map(\.id) == [id])
        let replay = try await setup.gateway.send("POST", "v1/operator/deliveries/replay", token: token, headers: user, contentType: "application/json",
                                                  body: Data(#"{"subscription": "sub-kraamzorg", "since": "2026-01-01T00:00:00Z"}"#.utf8))
        #expect(replay.json["queued"] as? Int == 1)
        #expect(try await setup.worker.runOnce() == 1)
        #expect(setup.receiver.received.compactMap { $0.headers["webhook-id"] }.suffix(2) == [id, id])
        let events = try await setup.gateway.store.auditEntries(after: 0, limit: 500).filter { $0.actor.hasPrefix("operator:op-1") }.map(\.event)
        #expect(events == ["deliveries.read", "delivery.retry", "delivery.replay"])
        try await setup.stop()
    }
}
