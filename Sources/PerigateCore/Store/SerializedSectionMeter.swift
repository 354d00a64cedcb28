import Synchronization

/// How long a store holds the lock that serializes the writes of every node — on PostgreSQL the
/// audit chain lock, held by sealing rounds — how long they waited for it and how many audit lines
/// they sealed. The held time per message bounds what more nodes can add: whatever the number of
/// nodes, the gateway accepts at most 1 / (held time per message) messages per second at that
/// load (rounds grow with the load, so the bound rises with it: docs/performance.md).
public final class SerializedSectionMeter: Sendable {
    public struct Totals: Sendable, Hashable {
        /// Sections entered (lock acquisitions that reached their commit or rollback).
        public var sections = 0
        public var held = Duration.zero
        public var waited = Duration.zero
        /// Audit lines written under the lock.
        public var lines = 0

        public init() {}
    }

    private let totals = Mutex(Totals())
    private let observers = Mutex<[@Sendable (_ held: Duration, _ waited: Duration, _ lines: Int) -> Void]>([])

    public init() {}

    /// `observer` is told of every section as it ends (the gateway's metrics).
    public func observe(_ observer: @escaping @Sendable (_ held: Duration, _ waited: Duration, _ lines: Int) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    public func record(held: Duration, waited: Duration, lines: Int) {
        totals.withLock {
            $0.sections += 1
            $0.held += held
            $0.waited += waited
            $0.lines += lines
        }
        for observer in observers.withLock({ $0 }) { observer(held, waited, lines) }
    }

    public var current: Totals { totals.withLock { $0 } }
}
