import Foundation
import PerigateCore
import Prometheus

/// The gateway's Prometheus metrics (`GET /metrics`), in one registry per server so tests and
/// several servers in one process never share counters.
///
/// Labels never carry client data: routes are templates (`/v1/clients/{bsn}/record`), not paths.
public final class GatewayMetrics: Sendable, IngestObserver {
    public let registry: PrometheusCollectorRegistry

    /// Latency buckets from 1 ms to 10 s.
    static let buckets: [Duration] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000].map { .microseconds(Int64($0 * 1000)) }

    private let inFlight: Gauge
    private let shed: Counter
    private let connectionsRefused: Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        inFlight = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "perigate", subsystem: "http", metricName: "requests_in_flight", unitName: "", helpText: "Requests being handled now."))
        shed = registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "perigate", subsystem: "http", metricName: "requests_shed", unitName: "total",
            helpText: "Requests refused with 503 because the concurrency limit was reached."))
        connectionsRefused = registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "perigate", subsystem: "http", metricName: "connections_refused", unitName: "total",
            helpText: "Connections closed at once because their address already had maxConnectionsPerSource open."))
    }

    /// A connection closed at once: its address had its maximum open.
    func connectionRefused() {
        connectionsRefused.increment()
    }

    /// One finished request.
    func request(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "perigate", subsystem: "http", metricName: "requests", unitName: "total",
            helpText: "Finished HTTP requests by route template, method and status."), labels: labels).increment()
        registry.makeDurationHistogram(descriptor: MetricNameDescriptor(
            namespace: "perigate", subsystem: "http", metricName: "request_duration", unitName: "seconds",
            helpText: "HTTP request latency by route template and method."),
            labels: [("route", route), ("method", method)], buckets: Self.buckets).record(duration)
    }

    /// One ingest outcome (``IngestOutcome/label``: `accepted`, `duplicate`, `conflict`,
    /// `unsupported-version`, or the rejection reason), with the kind and version the message named.
    func ingest(kind: String, version: String, outcome: String, duration: Duration) {
        registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "perigate", subsystem: "ingest", metricName: "messages", unitName: "total",
            helpText: "Offered messages by kind, version and outcome."),
            labels: [("kind", kind), ("version", version), ("outcome", outcome)]).increment()
        registry.makeDurationHistogram(descriptor: MetricNameDescriptor(
            namespace: "perigate", subsystem: "ingest", metricName: "duration", unitName: "seconds",
            helpText: "Time to validate, map and durably store one message, by kind."),
            labels: [("kind", kind)], buckets: Self.buckets).record(duration)
    }

    /// How long a store operation took (`accept`, `append_audit`, … — ``ObservedMessageStore``).
    public func store(operation: String, duration: Duration) {
        registry.makeDurationHistogram(descriptor: MetricNameDescriptor(
            namespace: "perigate", subsystem: "store", metricName: "operation_duration", unitName: "seconds",
            helpText: "Store latency by operation (append_audit is the audit write latency; accept includes its audit lines)."),
            labels: [("operation", operation)], buckets: Self.buckets).record(duration)
    }

    /// One hold of the lock that serializes every node's writes (PostgreSQL's audit chain lock,
    /// held by a sealing round), the wait for it and the audit lines sealed under it:
    /// `held_seconds_total` per accepted message is the serialized time, whose inverse is what any
    /// number of nodes can reach at that load.
    public func serializedSection(held: Duration, waited: Duration, lines: Int) {
        let counter = { (name: String, help: String) in
            self.registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "perigate", subsystem: "store", metricName: name, unitName: "",
                                                                     helpText: help))
        }
        counter("serialized_sections_total", "Sealing rounds that held the lock serializing every node's writes (the audit chain lock).").increment()
        counter("serialized_held_seconds_total", "Time that lock was held (the database's clock).").increment(by: held.seconds)
        counter("serialized_wait_seconds_total", "Time spent waiting for that lock.").increment(by: waited.seconds)
        counter("serialized_lines_total", "Audit lines sealed into the chain under that lock.").increment(by: Double(lines))
    }

    /// One webhook attempt: its subscription, outcome (`sent`, `retry`, `dead`, `gone`,
    /// `cancelled`) and duration.
    public func deliveryAttempt(subscription: String, outcome: String, duration: Duration) {
        registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "perigate", subsystem: "delivery", metricName: "attempts", unitName: "total",
            helpText: "Webhook delivery attempts by subscription and outcome."),
            labels: [("subscription", subscription), ("outcome", outcome)]).increment()
        registry.makeDurationHistogram(descriptor: MetricNameDescriptor(
            namespace: "perigate", subsystem: "delivery", metricName: "attempt_duration", unitName: "seconds",
            helpText: "Webhook attempt latency by subscription."),
            labels: [("subscription", subscription)], buckets: Self.buckets).record(duration)
    }

    /// The outbox now: pending deliveries and the age of the oldest, per subscription (`inbox`
    /// for the pull inbox). Set at every scrape.
    func outbox(subscription: String, pending: Int, oldestAge: Double) {
        registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "perigate", subsystem: "outbox", metricName: "pending", unitName: "",
            helpText: "Pending deliveries by subscription (inbox: the pull inbox)."), labels: [("subscription", subscription)]).set(Double(pending))
        registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "perigate", subsystem: "outbox", metricName: "oldest_pending_age", unitName: "seconds",
            helpText: "Age of the oldest pending delivery by subscription."), labels: [("subscription", subscription)]).set(oldestAge)
    }

    /// Audit lines committed and waiting to be sealed into the chain (PostgreSQL), and the age of
    /// the oldest: near 0 on a healthy gateway (docs/audit.md, "Sealing on PostgreSQL").
    public func unsealedAudit(_ unsealed: UnsealedAudit, now: Date) {
        registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "perigate", subsystem: "audit", metricName: "unsealed_lines", unitName: "",
            helpText: "Audit lines committed but not yet sealed into the chain (rows that are no line included).")).set(Double(unsealed.count))
        registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "perigate", subsystem: "audit", metricName: "unsealed_oldest_age", unitName: "seconds",
            helpText: "Age of the oldest audit line waiting to be sealed into the chain.")).set(unsealed.oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0)
    }

    func started() { inFlight.increment() }
    func finished() { inFlight.decrement() }
    func refusedBusy() { shed.increment() }

    public func validated(kind: String?, outcome: String, duration: Duration) {
        registry.makeDurationHistogram(descriptor: MetricNameDescriptor(
            namespace: "perigate", subsystem: "validation", metricName: "duration", unitName: "seconds",
            helpText: "Time to detect, XSD-validate and check one parsed message, by kind."),
            labels: [("kind", kind ?? "unknown")], buckets: Self.buckets).record(duration)
    }

    /// The exposition text (Prometheus text format 0.0.4).
    public func exposition() -> String {
        registry.emitToString()
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
