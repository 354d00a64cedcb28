import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PerigateCore
import PerigateXML
import ServiceLifecycle
import Synchronization

/// Sends webhook deliveries from the outbox: signed (Standard Webhooks), re-checked before
/// every attempt, retried on a schedule, dead-lettered when exhausted, in order per client and
/// endpoint. At least once: a crash between the receiver's answer and the recorded attempt sends
/// that delivery again — receivers deduplicate on `webhook-id`.
public final class DeliveryWorker: Service, Sendable {
    public typealias Store = MessageStore & ForwardingStore

    let store: any Store
    let partners: any PartnerRegistry
    /// The re-check before each attempt and the recipient's view (shared with the inbox).
    let check: DeliveryCheck
    /// The HTTP clients, each pinned to a checked address (``WebhookClients``).
    let clients: WebhookClients
    /// Answers a webhook host's addresses before every attempt (the system resolver by default).
    let resolve: WebhookTargetPolicy.Resolver
    let settings: Configuration
    let now: @Sendable () -> Date
    let random: @Sendable () -> Double
    let logger: Logger
    /// Told about every attempt: subscription id, outcome (`sent`, `retry`, `dead`, `gone`,
    /// `cancelled`) and how long it took (metrics).
    let onAttempt: (@Sendable (_ subscription: String, _ outcome: String, _ duration: Duration) -> Void)?
    /// When the last round ended (``health()``).
    private let lastRound = Mutex<ContinuousClock.Instant?>(nil)
    private let started = ContinuousClock.now

    /// The webhook client's settings, decided here: redirects are never followed, the connection
    /// is given 5 s, an answer `timeout`.
    public static func clientConfiguration(timeout: Duration) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(5), read: .seconds(Int64(timeout.components.seconds))))
        // The worker retries on its own schedule: a refused connection fails this attempt at once
        // instead of being retried inside it until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    /// `clients`: by default with ``clientConfiguration(timeout:)``; `resolve`: by default the
    /// system resolver (tests map their names to loopback).
    public init(store: any Store, partners: any PartnerRegistry, views: ViewPolicy, validator: MessageValidator, clients: WebhookClients? = nil,
                resolve: @escaping WebhookTargetPolicy.Resolver = WebhookTargetPolicy.systemResolver,
                settings: Configuration = Configuration(), now: @escaping @Sendable () -> Date = { Date() },
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, logger: Logger = Logger(label: "perigate.delivery"),
                onAttempt: (@Sendable (_ subscription: String, _ outcome: String, _ duration: Duration) -> Void)? = nil) {
        self.onAttempt = onAttempt
        self.store = store
        self.partners = partners
        self.check = DeliveryCheck(store: store, views: views, validator: validator, partners: partners)
        self.clients = clients ?? WebhookClients(configuration: Self.clientConfiguration(timeout: settings.timeout))
        self.resolve = resolve
        self.settings = settings
        self.now = now
        self.random = random
        self.logger = logger
    }

    public func run() async throws {
        while true {
            do {
                _ = try await runOnce()
                lastRound.withLock { $0 = .now }
            } catch {
                logger.error("delivery round failed", metadata: ["error": "\(String(describing: type(of: error)))"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.settings.pollInterval) }
            } catch {
                return
            }
        }
    }

    /// Shuts the HTTP clients down: after the last round (`perigate serve` does it after the
    /// worker has stopped).
    public func shutdown() async throws {
        try await clients.shutdown()
    }

    /// `nil` while rounds complete; else the problem (no round completed lately: the store fails
    /// or a round hangs) — for `GET /ready`.
    public func health() -> String? {
        let limit = settings.timeout * 3 + settings.pollInterval * 5 + .seconds(30)
        let last = lastRound.withLock { $0 } ?? started
        let silent = ContinuousClock.now - last
        return silent > limit ? "the delivery worker completed no round for \(silent.components.seconds) s" : nil
    }

    /// One round: attempts every due delivery that heads its stream (one subscription, one
    /// client). Returns the number attempted.
    @discardableResult
    public func runOnce() async throws -> Int {
        await clients.shutDownRetired()
        let moment = now()
        // A lease outlives the longest attempt (timeout) with room to record it; a node that dies
        // mid-attempt leaves its heads to the others after that.
        let leaseSeconds = settings.lease.map { TimeInterval($0.components.seconds) } ?? TimeInterval(settings.timeout.components.seconds) * 2 + 30
        let lease = moment.addingTimeInterval(leaseSeconds)
        let due = try await store.claimDueHeads(now: moment.formatted(.iso8601), leaseUntil: lease.formatted(.iso8601), node: settings.node,
                                                limit: settings.concurrency * 8)
        guard !due.isEmpty else { return 0 }
        let subscriptions = Dictionary(try await store.subscriptions().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let partners = Dictionary(try await self.partners.partners().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for batch in stride(from: 0, to: due.count, by: settings.concurrency).map({ Array(due[$0..<min($0 + settings.concurrency, due.count)]) }) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for delivery in batch {
                    group.addTask {
                        try await self.attempt(delivery, subscription: delivery.subscriptionId.flatMap { subscriptions[$0] },
                                               partner: partners[delivery.partnerId])
                    }
                }
                try await group.waitForAll()
            }
        }
        return due.count
    }

    /// One attempt, with its re-checks; its outcome is recorded in one transaction.
    func attempt(_ original: Delivery, subscription: Subscription?, partner: Partner?) async throws {
        let moment = now()
        let time = moment.formatted(.iso8601)
        var delivery = original
        delivery.attempts += 1
        var attempt = DeliveryAttempt(deliveryId: delivery.id, number: delivery.attempts, time: time, status: nil, error: nil, milliseconds: 0)
        guard let subscription, subscription.active, let partner, !partner.revoked else {
            return try await cancel(delivery, attempt, subscription, partner, code: "delivery.subscription-inactive")
        }
        if let refusal = try await recheck(delivery, partner: partner) {
            return try await cancel(delivery, attempt, subscription, partner, code: refusal)
        }
        guard let message = try await store.message(id: delivery.messageId) else {
            return try await cancel(delivery, attempt, subscription, partner, code: "delivery.message-missing")
        }
        let (body, contentType) = try await payload(message, delivery: delivery, format: subscription.format, partner: partner)
        let timestamp = Int(moment.timeIntervalSince1970)
        var secrets = [subscription.secret]
        if let previous = subscription.previousSecret, let until = subscription.previousSecretUntil, until > time { secrets.append(previous) }
        var request = HTTPClientRequest(url: subscription.url)
        request.method = .POST
        request.headers.add(name: "webhook-id", value: delivery.id)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(name: "webhook-signature", value: WebhookSignature.header(id: delivery.id, timestamp: timestamp, body: body, secrets: secrets))
        request.headers.add(name: "content-type", value: contentType)
        request.headers.add(name: "user-agent", value: "perigate")
        request.headers.add(name: "traceparent", value: "00-\(Self.traceId(delivery))-\(Self.spanId())-01")
        request.body = .bytes(ByteBuffer(bytes: body))
        let started = ContinuousClock.now
        var retryAfter: TimeInterval?
        // Where it may go is decided again now, after resolving the host; a refusal is a failed
        // attempt (retried on the schedule) that opens no connection.
        switch await settings.targets.check(url: subscription.url, resolve: resolve) {
        case .failure(let refusal):
            attempt.error = refusal.description
        case .success(let target):
            (attempt.status, attempt.error, retryAfter) = await send(request, to: target)
        }
        let elapsed = ContinuousClock.now - started
        attempt.milliseconds = Int(elapsed.components.seconds) * 1000 + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
        var updated = subscription
        let verdict = RetrySchedule.verdict(status: attempt.status)
        switch verdict {
        case .delivered:
            delivery.status = "sent"
            delivery.lastError = nil
            updated.failingSince = nil
        case .gone:
            delivery.status = "dead"
            delivery.lastError = "410 Gone"
            updated.active = false
            updated.disabledReason = "the receiver answered 410 Gone at \(time)"
        case .retry, .permanent:
            delivery.lastError = attempt.error ?? attempt.status.map { "HTTP \($0)" }
            let exhausted = verdict == .permanent && delivery.attempts >= RetrySchedule.permanentFailureLimit
            let created = (try? Date(delivery.createdAt, strategy: .iso8601)) ?? moment
            if !exhausted, let next = settings.schedule.nextAttempt(after: delivery.attempts, createdAt: created, now: moment,
                                                                     retryAfter: retryAfter, random: random) {
                delivery.nextAttemptAt = next.formatted(.iso8601)
            } else {
                delivery.status = "dead"
            }
            updated.failingSince = subscription.failingSince ?? time
            if let since = updated.failingSince.flatMap({ try? Date($0, strategy: .iso8601) }),
               moment.timeIntervalSince(since) > TimeInterval(settings.disableAfter.components.seconds) {
                updated.active = false
                updated.disabledReason = "every attempt failed since \(since.formatted(.iso8601))"
            }
        }
        let outcome = verdict == .delivered ? "sent" : verdict == .gone ? "gone" : delivery.status == "dead" ? "dead" : "retry"
        onAttempt?(subscription.id, outcome, elapsed)
        var events: [Delivery] = []
        var lines = [exportLine(delivery, message: message, partner: partner, time: time,
                                outcome: verdict == .delivered ? "success" : "error", checks: delivery.reason == "subscribed" ? AuditChecks.consented : AuditChecks.careTeam,
                                detail: attempt.status.map { "webhook HTTP \($0)" } ?? "webhook \(attempt.error ?? "failed")")]
        if subscription.active && !updated.active {
            lines.append(AuditEntry(time: time, actor: "system:perigate", event: "subscription.disabled", action: "U",
                                    object: "subscription:\(subscription.id)", outcome: "success", checks: AuditChecks.notChecked, detail: updated.disabledReason,
                                    organisation: AuditOrganisation(ura: partner.ura, agb: partner.agb, name: partner.name)))
            // The owner is told in its inbox as well.
            events.append(Delivery(messageId: "", bsn: "", partnerId: partner.id, partnerURA: partner.ura, subscriptionId: nil,
                                   reason: "event:subscription-disabled:\(subscription.id)", nextAttemptAt: time, createdAt: time,
                                   lastError: updated.disabledReason))
        }
        try await store.recordAttempt(attempt, delivery: delivery, subscription: updated == subscription ? nil : updated, audit: lines,
                                      events: events)
    }

    /// One POST to the checked address of `target`: the status, why it failed, and `Retry-After`.
    func send(_ request: HTTPClientRequest, to target: WebhookTarget) async -> (Int?, String?, TimeInterval?) {
        do {
            let response = try await clients.client(for: target)
                .execute(request, timeout: .nanoseconds(Int64(settings.timeout.components.seconds) * 1_000_000_000))
            let retryAfter = response.headers.first(name: "retry-after").flatMap { TimeInterval($0.trimmingCharacters(in: .whitespaces)) }
            var error: String?
            // Signed clinical content goes only where the subscription points: a redirect is a failed
            // attempt, retried on the schedule, never followed (also if the client were set to follow).
            if (300..<400).contains(response.status.code) {
                let location = response.headers.first(name: "location")
                let host = location.flatMap { URL(string: $0)?.host } ?? location.map { String($0.prefix(100)) } ?? "no location"
                error = "redirect not followed: \(response.status.code) → \(host)"
            }
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return (Int(response.status.code), error, retryAfter)
        } catch {
            return (nil, DeliveryFailure.describe(error), nil)
        }
    }

    /// Consent and authorization again, as at planning (``DeliveryCheck``): `nil` when it may
    /// still go, else the refusal code.
    func recheck(_ delivery: Delivery, partner: Partner) async throws -> String? {
        try await check.verdict(delivery, partner: partner).refusal?.code.rawValue
    }

    func cancel(_ delivery: Delivery, _ attempt: DeliveryAttempt, _ subscription: Subscription?, _ partner: Partner?, code: String) async throws {
        onAttempt?(delivery.subscriptionId ?? "inbox", "cancelled", .zero)
        var delivery = delivery
        delivery.status = "cancelled"
        delivery.lastError = code
        var attempt = attempt
        attempt.error = code
        let message = try await store.message(id: delivery.messageId)
        let line = exportLine(delivery, message: message, partner: partner, time: attempt.time, outcome: "refused", checks: AuditChecks.consentRefused, detail: code)
        try await store.recordAttempt(attempt, delivery: delivery, subscription: nil, audit: [line], events: [])
    }

    /// The export line of one attempt (sent, failed or cancelled), with the delivery's trace id.
    func exportLine(_ delivery: Delivery, message: StoredMessage?, partner: Partner?, time: String, outcome: String, checks: String,
                    detail: String) -> AuditEntry {
        var line = AuditEntry(time: time, actor: "system:perigate", event: "message.export", action: "E",
                              object: "bsn:\(delivery.bsn)/message:\(delivery.messageId)", outcome: outcome, checks: checks, detail: detail,
                              organisation: partner.map { AuditOrganisation(ura: $0.ura, agb: $0.agb, name: $0.name) },
                              custodians: message?.senderURA.map { [AuditOrganisation(ura: $0)] },
                              objectDetail: .client(delivery.bsn, category: message?.report.kind ?? "bericht", authorizationProtocol: AccessPolicy.protocolName))
        line.traceId = Self.traceId(delivery)
        return line
    }

    /// The body in the subscribed form: the original XML, or this message's canonical facts
    /// through the recipient's view (JSON).
    /// The body: the original XML only for an addressed recipient that asked for it, else the
    /// partner's view as canonical JSON (``DeliveryCheck/sendsOriginal(_:format:)``).
    func payload(_ message: StoredMessage, delivery: Delivery, format: String, partner: Partner) async throws -> (Data, String) {
        guard !DeliveryCheck.sendsOriginal(delivery, format: format) else { return (message.raw, message.mediaType) }
        return (try CanonicalJSON.data(try await check.view(of: message, for: partner)), "application/json")
    }

    /// The W3C trace id of a delivery: the 32 hex digits of its id (shared with the receiver).
    public static func traceId(_ delivery: Delivery) -> String {
        let hex = delivery.id.dropFirst(4).filter(\.isHexDigit)
        return hex.count == 32 ? String(hex) : String(repeating: "0", count: 31) + "1"
    }

    static func spanId() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<8).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
