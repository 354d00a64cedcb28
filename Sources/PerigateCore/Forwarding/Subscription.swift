import Foundation

/// A partner's webhook subscription: where to deliver, which message kinds, in which form, and
/// the signing secret (Standard Webhooks).
public struct Subscription: Sendable, Codable, Hashable {
    public var id: String
    public var partnerId: String
    public var url: String
    /// Kinds (`verwijzing`) or kind and version (`verwijzing@1.1`); empty: every kind.
    public var kinds: [String]
    /// `xml` (the original message) or `canonical` (the record view as JSON).
    public var format: String
    public var secret: String
    /// The secret before the last rotation, still signed with until `previousSecretUntil`.
    public var previousSecret: String?
    public var previousSecretUntil: String?
    public var active: Bool
    public var createdAt: String
    /// Since when every attempt has failed (cleared by a success).
    public var failingSince: String?
    /// Why it was disabled by the gateway (`410 Gone`, failing too long).
    public var disabledReason: String?

    public init(id: String, partnerId: String, url: String, kinds: [String], format: String, secret: String,
                previousSecret: String? = nil, previousSecretUntil: String? = nil, active: Bool = true, createdAt: String) {
        self.id = id
        self.partnerId = partnerId
        self.url = url
        self.kinds = kinds
        self.format = format
        self.secret = secret
        self.previousSecret = previousSecret
        self.previousSecretUntil = previousSecretUntil
        self.active = active
        self.createdAt = createdAt
    }

    public static let formats: Set<String> = ["xml", "canonical"]

    /// Whether a message of this kind and version passes the filter.
    public func matches(kind: String, version: String) -> Bool {
        kinds.isEmpty || kinds.contains(kind) || kinds.contains("\(kind)@\(version)")
    }

    /// The subscription as shown to its owner: without secrets.
    public var redacted: Subscription {
        var copy = self
        copy.secret = "whsec_…"
        copy.previousSecret = previousSecret.map { _ in "whsec_…" }
        return copy
    }
}

/// One message to one recipient: a webhook delivery or an inbox item (the outbox row, written in
/// the ingest transaction). `id` is the Standard Webhooks `webhook-id`: stable across retries
/// and replays, so receivers deduplicate on it (delivery is at least once).
public struct Delivery: Sendable, Codable, Hashable {
    public var id: String
    public var messageId: String
    public var bsn: String
    public var partnerId: String
    public var partnerURA: String
    /// `nil`: the partner's pull inbox.
    public var subscriptionId: String?
    /// `addressed` (a recipient named in the message), `subscribed` (a matching subscription), or
    /// `event:<what>` for a notice to the partner itself (no message; `lastError` says what).
    public var reason: String
    /// One of ``statuses``.
    public var status: String
    public var attempts: Int
    public var nextAttemptAt: String
    public var createdAt: String
    public var lastError: String?

    /// Every status a delivery can have (the operator API's `status` filter takes exactly these).
    public static let statuses = ["pending", "sent", "acked", "dead", "cancelled"]

    public init(id: String = "msg_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""), messageId: String,
                bsn: String, partnerId: String, partnerURA: String, subscriptionId: String?, reason: String, status: String = "pending",
                attempts: Int = 0, nextAttemptAt: String, createdAt: String, lastError: String? = nil) {
        self.id = id
        self.messageId = messageId
        self.bsn = bsn
        self.partnerId = partnerId
        self.partnerURA = partnerURA
        self.subscriptionId = subscriptionId
        self.reason = reason
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.createdAt = createdAt
        self.lastError = lastError
    }
}

extension Delivery {
    /// What a replay of `subscription` since `since` (UTC ISO 8601) sends again: its sent and dead
    /// deliveries created since then, oldest first (pending ones are still on their way).
    public static func replayable(_ deliveries: [Delivery], subscription: String, since: String) -> [String] {
        deliveries.filter { $0.subscriptionId == subscription && $0.createdAt >= since && ["sent", "dead"].contains($0.status) }.map(\.id)
    }
}

/// One try to deliver: what the receiver answered (or why there was no answer).
public struct DeliveryAttempt: Sendable, Codable, Hashable {
    public var deliveryId: String
    public var number: Int
    public var time: String
    /// The HTTP status, when there was an answer.
    public var status: Int?
    public var error: String?
    public var milliseconds: Int

    public init(deliveryId: String, number: Int, time: String, status: Int?, error: String?, milliseconds: Int) {
        self.deliveryId = deliveryId
        self.number = number
        self.time = time
        self.status = status
        self.error = error
        self.milliseconds = milliseconds
    }
}
