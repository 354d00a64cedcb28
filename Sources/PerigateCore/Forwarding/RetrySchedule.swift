import Foundation

/// When to try a delivery again, and when to give up (pure; the clock is the caller's).
///
/// Delays after attempt 1, 2, …: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, then every 2 h, each with
/// up to ±10 % jitter, until the delivery is older than `maximumAge` (default 3 days): then it is
/// a dead letter. A `Retry-After` from the receiver (429, 503) is honoured when it is later.
public struct RetrySchedule: Sendable, Hashable {
    public var delays: [Duration]
    public var steadyDelay: Duration
    public var maximumAge: Duration
    /// 0 … 1: the largest relative jitter.
    public var jitter: Double

    public init(delays: [Duration] = [.seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(1800), .seconds(3600)],
                steadyDelay: Duration = .seconds(7200), maximumAge: Duration = .seconds(3 * 86_400), jitter: Double = 0.1) {
        self.delays = delays
        self.steadyDelay = steadyDelay
        self.maximumAge = maximumAge
        self.jitter = jitter
    }

    /// The time of the next attempt after `attempts` failed ones, or `nil` when the delivery
    /// (created at `createdAt`) has run out of time. `random` gives a value in 0 ..< 1.
    public func nextAttempt(after attempts: Int, createdAt: Date, now: Date, retryAfter: TimeInterval? = nil,
                            random: () -> Double = { Double.random(in: 0..<1) }) -> Date? {
        let base = attempts <= delays.count ? delays[max(attempts, 1) - 1] : steadyDelay
        let seconds = Double(base.components.seconds) * (1 + jitter * (2 * random() - 1))
        let next = now.addingTimeInterval(max(seconds, retryAfter ?? 0))
        return next.timeIntervalSince(createdAt) > Double(maximumAge.components.seconds) ? nil : next
    }

    /// What a receiver's answer means for the delivery.
    public enum Verdict: Sendable, Hashable {
        case delivered
        /// Try again later (5xx, 408, 409, 429, network errors).
        case retry
        /// A 4xx that will not change: give up after `permanentFailureLimit` tries.
        case permanent
        /// 410 Gone: the subscription is to be disabled.
        case gone
    }

    /// 4xx answers (other than 408/409/429) are tried this many times in total.
    public static let permanentFailureLimit = 3

    public static func verdict(status: Int?) -> Verdict {
        guard let status else { return .retry }
        switch status {
        case 200..<300: return .delivered
        case 410: return .gone
        case 408, 409, 429: return .retry
        case 400..<500: return .permanent
        default: return .retry
        }
    }
}
