import Foundation
import PerigateCore
import SQLiteNIO

/// Group commit: concurrent accepts wait in a queue and are written together in one transaction
/// (one fsync for the group). The first caller that finds no writer active becomes the writer
/// and drains the queue batch by batch; everyone gets their own outcome. No background task.
actor GroupCommitQueue {
    struct Item: Sendable {
        var message: StoredMessage
        var compressed: Data
        /// The message row's column values, in `INSERT INTO messages` order.
        var row: [SQLiteData]
        var audit: [AuditEntry]
        /// `audit` encoded (``AuditChain/template(_:)``) before the transaction.
        var auditTemplates: [String]
        /// Outbox rows, written only when the message is newly stored.
        var deliveries: [Delivery]
        var promise: Promise<AcceptOutcome>
    }

    private var pending: [Item] = []
    private var writing = false
    /// Largest group written in one transaction.
    let maximumBatch: Int

    init(maximumBatch: Int = 256) {
        self.maximumBatch = maximumBatch
    }

    /// Queues `item`; `true` when the caller must become the writer and drain the queue.
    func enqueue(_ item: Item) -> Bool {
        pending.append(item)
        if writing { return false }
        writing = true
        return true
    }

    /// The next group to write, or `nil` (and the writer role ends) when the queue is empty.
    func nextBatch() -> [Item]? {
        guard !pending.isEmpty else {
            writing = false
            return nil
        }
        let batch = Array(pending.prefix(maximumBatch))
        pending.removeFirst(batch.count)
        return batch
    }
}

/// A one-shot result that may be fulfilled before or after someone waits for it.
/// `@unchecked Sendable`: all state is guarded by `lock`.
final class Promise<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Value, any Error>?
    private var waiter: CheckedContinuation<Value, any Error>?

    func fulfil(_ result: Result<Value, any Error>) {
        lock.lock()
        if let waiter {
            self.waiter = nil
            lock.unlock()
            waiter.resume(with: result)
        } else {
            self.result = result
            lock.unlock()
        }
    }

    func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            lock.lock()
            if let result {
                lock.unlock()
                continuation.resume(with: result)
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }
}
