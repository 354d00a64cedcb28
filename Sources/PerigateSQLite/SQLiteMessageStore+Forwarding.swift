import Foundation
import PerigateCore
import SQLiteNIO

extension SQLiteMessageStore: ForwardingStore {
    /// Inside a transaction: the outbox rows of newly stored messages.
    public func notify(_ events: [Delivery], audit: [AuditEntry]) async throws {
        try await transaction {
            try await self.insertDeliveries(events)
            try await self.insertAudit(audit)
        }
    }

    func insertDeliveries(_ deliveries: [Delivery]) async throws {
        for chunk in deliveries.chunked(into: 100) {
            let placeholders = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            _ = try await connection.query("""
                INSERT INTO deliveries (id, message_id, bsn, partner_id, subscription_id, status, next_attempt_at, body)
                VALUES \(placeholders)
                """, try chunk.flatMap { delivery -> [SQLiteData] in
                    [.text(delivery.id), .text(delivery.messageId), .text(delivery.bsn), .text(delivery.partnerId),
                     Self.text(delivery.subscriptionId), .text(delivery.status), .text(delivery.nextAttemptAt),
                     .text(try StorageJSON.text(delivery))]
                })
        }
    }

    public func addSubscription(_ subscription: Subscription, audit: AuditEntry) async throws {
        let body = try StorageJSON.text(subscription)
        try await transaction {
            _ = try await self.connection.query("INSERT INTO subscriptions (id, partner_id, body, created_at) VALUES (?, ?, ?, ?)",
                                                [.text(subscription.id), .text(subscription.partnerId), .text(body), .text(subscription.createdAt)])
            try await self.insertAudit([audit])
        }
    }

    public func subscriptions() async throws -> [Subscription] {
        try await reader.query("SELECT body FROM subscriptions ORDER BY created_at, id", []).map { row in
            try JSONDecoder().decode(Subscription.self, from: Data((row.column("body")?.string ?? "").utf8))
        }
    }

    public func updateSubscription(_ subscription: Subscription, audit: AuditEntry) async throws {
        let body = try StorageJSON.text(subscription)
        try await transaction {
            _ = try await self.connection.query("UPDATE subscriptions SET body = ? WHERE id = ? AND partner_id = ?",
                                                [.text(body), .text(subscription.id), .text(subscription.partnerId)])
            try await self.insertAudit([audit])
        }
    }

    public func deleteSubscription(id: String, partnerId: String, audit: AuditEntry) async throws -> Bool {
        try await transaction {
            let found = try await self.connection.query("SELECT id FROM subscriptions WHERE id = ? AND partner_id = ?",
                                                        [.text(id), .text(partnerId)]).isEmpty == false
            guard found else { return false }
            _ = try await self.connection.query("DELETE FROM subscriptions WHERE id = ?", [.text(id)])
            try await self.insertAudit([audit])
            return true
        }
    }

    public func inbox(partnerId: String, after cursor: Int, limit: Int) async throws -> [(cursor: Int, delivery: Delivery)] {
        try await reader.query("""
            SELECT seq, body FROM deliveries WHERE partner_id = ? AND subscription_id IS NULL AND status = 'pending' AND seq > ?
            ORDER BY seq LIMIT ?
            """, [.text(partnerId), .integer(cursor), .integer(limit)]).map { row in
            (Int(row.column("seq")?.integer ?? 0), try JSONDecoder().decode(Delivery.self, from: Data((row.column("body")?.string ?? "").utf8)))
        }
    }

    public func setDeliveryStatus(id: String, partnerId: String, status: String, audit: [AuditEntry]) async throws -> Bool {
        try await transaction {
            guard let row = try await self.connection.query("SELECT body FROM deliveries WHERE id = ? AND partner_id = ?",
                                                            [.text(id), .text(partnerId)]).first else { return false }
            var delivery = try JSONDecoder().decode(Delivery.self, from: Data((row.column("body")?.string ?? "").utf8))
            delivery.status = status
            _ = try await self.connection.query("UPDATE deliveries SET status = ?, body = ? WHERE id = ?",
                                                [.text(status), .text(try StorageJSON.text(delivery)), .text(id)])
            try await self.insertAudit(audit)
            return true
        }
    }

    public func deliveries(messageId: String) async throws -> [Delivery] {
        try await reader.query("SELECT body FROM deliveries WHERE message_id = ? ORDER BY seq", [.text(messageId)])
            .map { row in try JSONDecoder().decode(Delivery.self, from: Data((row.column("body")?.string ?? "").utf8)) }
    }

    public func pendingWebhookDeliveries() async throws -> [Delivery] {
        try await reader.query("SELECT body FROM deliveries WHERE subscription_id IS NOT NULL AND status = 'pending' ORDER BY seq", [])
            .map { row in try JSONDecoder().decode(Delivery.self, from: Data((row.column("body")?.string ?? "").utf8)) }
    }

    public func recordAttempt(_ attempt: DeliveryAttempt, delivery: Delivery, subscription: Subscription?, audit: [AuditEntry],
                              events: [Delivery]) async throws {
        let attemptBody = try StorageJSON.text(attempt)
        let deliveryBody = try StorageJSON.text(delivery)
        let subscriptionBody = try subscription.map { try StorageJSON.text($0) }
        let templates = try auditTemplates(audit)
        try await transaction {
            _ = try await self.connection.query("INSERT INTO delivery_attempts (delivery_id, body) VALUES (?, ?)",
                                                [.text(attempt.deliveryId), .text(attemptBody)])
            _ = try await self.connection.query("UPDATE deliveries SET status = ?, next_attempt_at = ?, body = ? WHERE id = ?",
                                                [.text(delivery.status), .text(delivery.nextAttemptAt), .text(deliveryBody), .text(delivery.id)])
            if let subscription, let subscriptionBody {
                _ = try await self.connection.query("UPDATE subscriptions SET body = ? WHERE id = ?", [.text(subscriptionBody), .text(subscription.id)])
            }
            try await self.insertAudit(templates: templates)
            try await self.insertDeliveries(events)
        }
    }

    public func attempts(deliveryId: String) async throws -> [DeliveryAttempt] {
        try await reader.query("SELECT body FROM delivery_attempts WHERE delivery_id = ? ORDER BY seq", [.text(deliveryId)])
            .map { row in try JSONDecoder().decode(DeliveryAttempt.self, from: Data((row.column("body")?.string ?? "").utf8)) }
    }

    public func requeue(ids: [String], at time: String, audit: [AuditEntry]) async throws -> Int {
        try await transaction {
            var count = 0
            for id in ids {
                guard let row = try await self.connection.query("SELECT body FROM deliveries WHERE id = ?", [.text(id)]).first else { continue }
                var delivery = try JSONDecoder().decode(Delivery.self, from: Data((row.column("body")?.string ?? "").utf8))
                delivery.status = "pending"
                delivery.nextAttemptAt = time
                _ = try await self.connection.query("UPDATE deliveries SET status = 'pending', next_attempt_at = ?, body = ? WHERE id = ?",
                                                    [.text(time), .text(try StorageJSON.text(delivery)), .text(id)])
                count += 1
            }
            try await self.insertAudit(audit)
            return count
        }
    }

    public func deliveries(status: String?) async throws -> [Delivery] {
        try await reader.query("SELECT body FROM deliveries WHERE ?1 IS NULL OR status = ?1 ORDER BY seq", [status.map { .text($0) } ?? .null])
            .map { row in try JSONDecoder().decode(Delivery.self, from: Data((row.column("body")?.string ?? "").utf8)) }
    }
}
