import Foundation
import PerigateCore

extension DeliveryWorker {
    /// How the worker behaves, each default stated here once (`perigate serve` reads the
    /// `delivery.*` keys of docs/operations.md into this).
    public struct Configuration: Sendable {
        /// When attempts are retried; deliveries older than its maximum age (default 72 h,
        /// `delivery.maxAgeHours`) go to the dead letters.
        public var schedule: RetrySchedule = RetrySchedule()
        /// A subscription failing this long without a success is disabled. Default 72 h
        /// (`delivery.disableAfterHours`).
        public var disableAfter: Duration = .seconds(3 * 86_400)
        /// Deliveries attempted at once (different clients or endpoints). Default 16
        /// (`delivery.concurrency`).
        public var concurrency: Int = 16
        /// Longest wait for a receiver's answer. Default 10 s (`delivery.timeoutSeconds`).
        public var timeout: Duration = .seconds(10)
        /// Pause between rounds when idle. Default 1 s.
        public var pollInterval: Duration = .seconds(1)
        /// This node's name in delivery leases (several nodes on one PostgreSQL database).
        /// Default: host name and process id.
        public var node: String = ProcessInfo.processInfo.hostName + ":\(ProcessInfo.processInfo.processIdentifier)"
        /// How long a claimed delivery stays with this node before another may take it over
        /// (`delivery.leaseSeconds`; default: twice the timeout plus 30 s — longer than any
        /// attempt and its recording).
        public var lease: Duration?
        /// Where webhooks may go, checked before every attempt: https to public addresses unless
        /// `delivery.allowedNetworks` and `delivery.allowInsecure` open more.
        public var targets: WebhookTargetPolicy = WebhookTargetPolicy()

        /// The defaults, with any of them replaced.
        public init(schedule: RetrySchedule? = nil, disableAfter: Duration? = nil, concurrency: Int? = nil, timeout: Duration? = nil,
                    pollInterval: Duration? = nil, node: String? = nil, lease: Duration? = nil, targets: WebhookTargetPolicy? = nil) {
            if let schedule { self.schedule = schedule }
            if let disableAfter { self.disableAfter = disableAfter }
            if let concurrency { self.concurrency = concurrency }
            if let timeout { self.timeout = timeout }
            if let pollInterval { self.pollInterval = pollInterval }
            if let node { self.node = node }
            self.lease = lease
            if let targets { self.targets = targets }
        }
    }
}
