import Foundation

/// How many deliveries wait per subscription (the pull inbox as `inbox`) and how old the oldest
/// is: for the metrics and the operator console.
public struct OutboxDepth: Sendable, Hashable {
    public var subscription: String
    public var pending: Int
    /// Seconds since the oldest pending delivery was created (0 when none waits).
    public var oldestAge: Double

    /// Every known subscription gets a row (0 when its queue is empty), sorted by id.
    public static func compute(pending: [Delivery], subscriptions: [Subscription], now: Date = Date()) -> [OutboxDepth] {
        var groups = Dictionary(uniqueKeysWithValues: (subscriptions.map(\.id) + ["inbox"]).map { ($0, (count: 0, oldest: now)) })
        for delivery in pending where delivery.status == "pending" {
            let key = delivery.subscriptionId ?? "inbox"
            let created = (try? Date(delivery.createdAt, strategy: .iso8601)) ?? now
            let group = groups[key] ?? (0, now)
            groups[key] = (group.count + 1, min(group.oldest, created))
        }
        return groups.map { OutboxDepth(subscription: $0.key, pending: $0.value.count, oldestAge: max(0, now.timeIntervalSince($0.value.oldest))) }
            .sorted { $0.subscription < $1.subscription }
    }
}
