import Foundation

/// Authentication refusals (a missing, unknown or revoked credential, malformed user headers, a
/// credential used where it does not belong), audited without letting a flood fill the log: per
/// source address, refusal code and presented credential one line per minute — the first at
/// once, the others of that minute as one line with their count when the minute is over.
///
/// The presented credential is named by its kind and the first 8 hex digits of its SHA-256,
/// never the secret. At most `maximumKeys` minutes are held; beyond that the oldest are written.
public actor RefusalAggregator {
    /// One kind of refusal from one source.
    public struct Refusal: Hashable, Sendable {
        /// The client's address (`unknown` when the transport does not say).
        public var source: String
        /// The refusal's problem code, e.g. `auth.token-invalid`.
        public var code: String
        /// The presented credential: `none`, or its kind and hash prefix (`bearer pgp_ sha256:1a2b3c4d`).
        public var credential: String
        /// Who the line names as actor: `unauthenticated:<source>` unless the refusal names a
        /// would-be actor (a console login name: `console:<name>`).
        public var actor: String?
        /// The audit event: `auth.refused`, or `console.login` for console logins.
        public var event: String

        public init(source: String, code: String, credential: String, actor: String? = nil, event: String = "auth.refused") {
            self.source = source
            self.code = code
            self.credential = credential
            self.actor = actor
            self.event = event
        }
    }

    private var minutes: [Refusal: (start: Date, more: Int)] = [:]
    let window: TimeInterval = 60
    let maximumKeys: Int

    public init(maximumKeys: Int = 10_000) {
        self.maximumKeys = maximumKeys
    }

    /// The audit lines to write now for one refusal at `time`.
    public func record(_ refusal: Refusal, at time: Date) -> [AuditEntry] {
        var lines = flush(now: time)
        if minutes[refusal] != nil {
            minutes[refusal]?.more += 1
            return lines
        }
        if minutes.count >= maximumKeys, let oldest = minutes.min(by: { $0.value.start < $1.value.start }) {
            lines += summary(oldest.key, oldest.value, time: time)
            minutes[oldest.key] = nil
        }
        minutes[refusal] = (time, 0)
        return lines + [Self.line(refusal, count: 1, since: time, time: time)]
    }

    /// The count lines of minutes that have ended (all with `force`), which are then forgotten.
    public func flush(now: Date, force: Bool = false) -> [AuditEntry] {
        let ended = minutes.filter { force || now.timeIntervalSince($0.value.start) >= window }
        for key in ended.keys { minutes[key] = nil }
        return ended.sorted { $0.value.start < $1.value.start }.flatMap { summary($0.key, $0.value, time: now) }
    }

    private func summary(_ refusal: Refusal, _ minute: (start: Date, more: Int), time: Date) -> [AuditEntry] {
        minute.more > 0 ? [Self.line(refusal, count: minute.more, since: minute.start, time: time)] : []
    }

    /// The audit line for `count` refusals since `since` (no client data: nobody was identified).
    static func line(_ refusal: Refusal, count: Int, since: Date, time: Date) -> AuditEntry {
        AuditEntry(time: time.formatted(.iso8601), actor: refusal.actor ?? "unauthenticated:\(refusal.source)", event: refusal.event, action: "E",
                   eventType: "security", object: "gateway", outcome: "refused", checks: AuditChecks.credentialRefused,
                   detail: "\(refusal.code); credential \(refusal.credential); \(count) since \(since.formatted(.iso8601))",
                   user: AuditUser(id: "unauthenticated", name: nil, role: nil, responsible: nil, accessPoint: refusal.source))
    }
}
