import Foundation

/// The operator's outbox actions, one code path for the CLI, the operator API and the console.
/// Each writes its audit line in the same transaction as the change.
extension ForwardingStore {
    /// Queues one delivery again now (same webhook-id; re-checked before sending). `false`: no such delivery.
    public func retryDelivery(id: String, audit: AuditEntry) async throws -> Bool {
        try await requeue(ids: [id], at: audit.time, audit: [audit]) == 1
    }

    /// Queues a subscription's sent and dead deliveries created at or after `since` again (same
    /// ids); how many. The audit line's detail gets the count appended.
    public func replayDeliveries(subscription: String, since: String, audit: AuditEntry) async throws -> Int {
        let ids = Delivery.replayable(try await deliveries(status: nil), subscription: subscription, since: since)
        var line = audit
        line.detail = [audit.detail, "since \(since): \(ids.count) deliveries"].compactMap { $0 }.joined(separator: "; ")
        return try await requeue(ids: ids, at: line.time, audit: [line])
    }
}
