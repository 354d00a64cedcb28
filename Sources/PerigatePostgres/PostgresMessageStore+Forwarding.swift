import Foundation
import PerigateCore
import PostgresNIO

extension PostgresMessageStore: ForwardingStore {
    static func decoded<T: Decodable>(_ type: T.Type, _ rows: PostgresRowSequence) async throws -> [T] {
        var result: [T] = []
        for try await body in rows.decode(String.self) { result.append(try JSONDecoder().decode(T.self, from: Data(body.utf8))) }
        return result
    }

    /// Inside a transaction: outbox rows.
    public func notify(_ events: [Delivery], audit: [AuditEntry]) async throws {
        let templates = try auditTemplates(audit)
        try await transaction { connection in
            try await self.insertDeliveries(events, on: connection)
            try await self.insertAudit(templates: templates, on: connection)
        }
    }

    /// In INSERTs of at most 4,000 rows (PostgreSQL takes at most 65,535 parameters a statement).
    func insertDeliveries(_ deliveries: [Delivery], on connection: PostgresConnection) async throws {
        for chunk in deliveries.chunked(into: 4_000) { try await insertDeliveryRows(chunk, on: connection) }
    }

    private func insertDeliveryRows(_ deliveries: [Delivery], on connection: PostgresConnection) async throws {
        var bindings = PostgresBindings(capacity: deliveries.count * 8)
        for delivery in deliveries {
            bindings.append(delivery.id)
            bindings.append(delivery.messageId)
            bindings.append(delivery.bsn)
            bindings.append(delivery.partnerId)
            bindings.append(delivery.subscriptionId)
            bindings.append(delivery.status)
            bindings.append(delivery.nextAttemptAt)
            bindings.append(try StorageJSON.text(delivery))
        }
        try await connection.query(PostgresQuery(unsafeSQL: """
            INSERT INTO deliveries (id, message_id, bsn, partner_id, subscription_id, status, next_attempt_at, body)
            VALUES \(Self.placeholders(rows: deliveries.count, columns: 8))
            """, binds: bindings), logger: logger)
    }

    public func addSubscription(_ subscription: Subscription, audit: AuditEntry) async throws {
        let body = try StorageJSON.text(subscription), templates = try auditTemplates([audit])
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO subscriptions (id, partner_id, body, created_at)
                VALUES (\(subscription.id), \(subscription.partnerId), \(body), \(subscription.createdAt))
                """, logger: self.logger)
            try await self.insertAudit(templates: templates, on: connection)
        }
    }

    public func subscriptions() async throws -> [Subscription] {
        try await Self.decoded(Subscription.self, try await query("SELECT body FROM subscriptions ORDER BY created_at, id"))
    }

    public func updateSubscription(_ subscription: Subscription, audit: AuditEntry) async throws {
        let body = try StorageJSON.text(subscription), templates = try auditTemplates([audit])
        try await transaction { connection in
            try await connection.query("UPDATE subscriptions SET body = \(body) WHERE id = \(subscription.id) AND partner_id = \(subscription.partnerId)",
                                       logger: self.logger)
            try await self.insertAudit(templates: templates, on: connection)
        }
    }

    public func deleteSubscription(id: String, partnerId: String, audit: AuditEntry) async throws -> Bool {
        let templates = try auditTemplates([audit])
        return try await transaction { connection in
            let deleted = try await connection.query("DELETE FROM subscriptions WHERE id = \(id) AND partner_id = \(partnerId) RETURNING id",
                                                     logger: self.logger).collect().isEmpty == false
            if deleted { try await self.insertAudit(templates: templates, on: connection) }
            return deleted
        }
    }

    public func inbox(partnerId: String, after cursor: Int, limit: Int) async throws -> [(cursor: Int, delivery: Delivery)] {
        var result: [(cursor: Int, delivery: Delivery)] = []
        for try await (seq, body) in try await query("""
            SELECT seq, body FROM deliveries WHERE partner_id = \(partnerId) AND subscription_id IS NULL AND status = 'pending' AND seq > \(cursor)
            ORDER BY seq LIMIT \(limit)
            """).decode((Int, String).self) {
            result.append((seq, try JSONDecoder().decode(Delivery.self, from: Data(body.utf8))))
        }
        return result
    }

    public func setDeliveryStatus(id: String, partnerId: String, status: String, audit: [AuditEntry]) async throws -> Bool {
        let templates = try auditTemplates(audit)
        return try await transaction { connection in
            let rows = try await connection.query("SELECT body FROM deliveries WHERE id = \(id) AND partner_id = \(partnerId) FOR UPDATE", logger: self.logger)
            guard var delivery = try await Self.decoded(Delivery.self, rows).first else { return false }
            delivery.status = status
            try await connection.query("UPDATE deliveries SET status = \(status), body = \(try StorageJSON.text(delivery)) WHERE id = \(id)", logger: self.logger)
            try await self.insertAudit(templates: templates, on: connection)
            return true
        }
    }

    public func deliveries(messageId: String) async throws -> [Delivery] {
        try await Self.decoded(Delivery.self, try await query("SELECT body FROM deliveries WHERE message_id = \(messageId) ORDER BY seq"))
    }

    public func pendingWebhookDeliveries() async throws -> [Delivery] {
        try await Self.decoded(Delivery.self, try await query(
            "SELECT body FROM deliveries WHERE subscription_id IS NOT NULL AND status = 'pending' ORDER BY seq"))
    }

    /// The due, unleased head of each stream, locked with `FOR UPDATE SKIP LOCKED` so two nodes
    /// claiming at once never get the same row, and leased in the same transaction. Only heads
    /// are claimable: a stream's next delivery waits until its head is sent, dead or cancelled,
    /// whichever node holds it.
    public func claimDueHeads(now: String, leaseUntil: String, node: String, limit: Int) async throws -> [Delivery] {
        try await transaction { connection in
            let rows = try await connection.query("""
                WITH heads AS (
                    SELECT DISTINCT ON (subscription_id, bsn) id FROM deliveries
                    WHERE subscription_id IS NOT NULL AND status = 'pending'
                    ORDER BY subscription_id, bsn, seq
                )
                SELECT d.body FROM deliveries d JOIN heads h ON d.id = h.id
                WHERE d.next_attempt_at <= \(now) AND (d.lease_until IS NULL OR d.lease_until < \(now))
                ORDER BY d.seq LIMIT \(limit)
                FOR UPDATE OF d SKIP LOCKED
                """, logger: self.logger)
            let claimed = try await Self.decoded(Delivery.self, rows)
            for delivery in claimed {
                try await connection.query("UPDATE deliveries SET lease_until = \(leaseUntil), leased_by = \(node) WHERE id = \(delivery.id)",
                                           logger: self.logger)
            }
            return claimed
        }
    }

    public func recordAttempt(_ attempt: DeliveryAttempt, delivery: Delivery, subscription: Subscription?, audit: [AuditEntry],
                              events: [Delivery]) async throws {
        let attemptBody = try StorageJSON.text(attempt), deliveryBody = try StorageJSON.text(delivery)
        let subscriptionBody = try subscription.map { try StorageJSON.text($0) }
        let templates = try auditTemplates(audit)
        try await transaction { connection in
            try await connection.query("INSERT INTO delivery_attempts (delivery_id, body) VALUES (\(attempt.deliveryId), \(attemptBody))", logger: self.logger)
            try await connection.query("""
                UPDATE deliveries SET status = \(delivery.status), next_attempt_at = \(delivery.nextAttemptAt), body = \(deliveryBody),
                    lease_until = NULL, leased_by = NULL
                WHERE id = \(delivery.id)
                """, logger: self.logger)
            if let subscription, let subscriptionBody {
                try await connection.query("UPDATE subscriptions SET body = \(subscriptionBody) WHERE id = \(subscription.id)", logger: self.logger)
            }
            try await self.insertAudit(templates: templates, on: connection)
            try await self.insertDeliveries(events, on: connection)
        }
    }

    public func attempts(deliveryId: String) async throws -> [DeliveryAttempt] {
        try await Self.decoded(DeliveryAttempt.self, try await query("SELECT body FROM delivery_attempts WHERE delivery_id = \(deliveryId) ORDER BY seq"))
    }

    public func requeue(ids: [String], at time: String, audit: [AuditEntry]) async throws -> Int {
        let templates = try auditTemplates(audit)
        return try await transaction { connection in
            var count = 0
            for id in ids {
                let rows = try await connection.query("SELECT body FROM deliveries WHERE id = \(id) FOR UPDATE", logger: self.logger)
                guard var delivery = try await Self.decoded(Delivery.self, rows).first else { continue }
                delivery.status = "pending"
                delivery.nextAttemptAt = time
                try await connection.query("""
                    UPDATE deliveries SET status = 'pending', next_attempt_at = \(time), body = \(try StorageJSON.text(delivery)),
                        lease_until = NULL, leased_by = NULL
                    WHERE id = \(id)
                    """, logger: self.logger)
                count += 1
            }
            try await self.insertAudit(templates: templates, on: connection)
            return count
        }
    }

    public func deliveries(status: String?) async throws -> [Delivery] {
        try await Self.decoded(Delivery.self, try await query(
            "SELECT body FROM deliveries WHERE \(status)::text IS NULL OR status = \(status) ORDER BY seq"))
    }
}

extension PostgresMessageStore {
    /// Deliveries claimed by a node and not yet recorded: which node holds them, and until when.
    public func leasedDeliveries() async throws -> [(deliveryId: String, node: String, until: String)] {
        var result: [(deliveryId: String, node: String, until: String)] = []
        for try await (id, node, until) in try await query(
            "SELECT id, leased_by, lease_until FROM deliveries WHERE leased_by IS NOT NULL ORDER BY seq").decode((String, String, String).self) {
            result.append((id, node, until))
        }
        return result
    }
}
