import Foundation

/// Group commit: concurrent writes wait in a queue and are written together in one transaction
/// (one WAL flush or fsync, one take of any lock the transaction needs). The first caller that
/// finds no writer active becomes the writer and drains the queue group by group; every caller
/// gets its own outcome. No background task: a store's writes are serialized by the queue, one
/// group at a time. Both stores accept messages through it (SQLite and PostgreSQL).
public actor GroupCommitQueue<Item: Sendable, Outcome: Sendable> {
    private var pending: [(item: Item, promise: Promise<Outcome>)] = []
    private var writing = false
    /// Largest group written in one transaction.
    public let maximumBatch: Int

    public init(maximumBatch: Int = 256) {
        self.maximumBatch = maximumBatch
    }

    /// Queues `item` and returns its outcome once its group is written. `write` gets a group in
    /// queue order and returns one outcome per item, in the same order; when it throws, every item
    /// of the group gets the error (a store that can tell the bad item from the others retries the
    /// group item by item inside `write`).
    public nonisolated func submit(_ item: Item, write: @Sendable ([Item]) async throws -> [Outcome]) async throws -> Outcome {
        let promise = Promise<Outcome>()
        if await enqueue(item, promise) {
            while let group = await nextBatch() {
                do {
                    let outcomes = try await write(group.map(\.item))
                    guard outcomes.count == group.count else {
                        throw StoreError(.damaged, message: "a group of \(group.count) writes returned \(outcomes.count) outcomes")
                    }
                    for (entry, outcome) in zip(group, outcomes) { entry.promise.fulfil(.success(outcome)) }
                } catch {
                    for entry in group { entry.promise.fulfil(.failure(error)) }
                }
            }
        }
        return try await promise.value()
    }

    /// Queues `item`; `true` when the caller must become the writer and drain the queue.
    private func enqueue(_ item: Item, _ promise: Promise<Outcome>) -> Bool {
        pending.append((item, promise))
        if writing { return false }
        writing = true
        return true
    }

    /// The next group to write, or `nil` (and the writer role ends) when the queue is empty.
    private func nextBatch() -> [(item: Item, promise: Promise<Outcome>)]? {
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
public final class Promise<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Value, any Error>?
    private var waiter: CheckedContinuation<Value, any Error>?

    public init() {}

    public func fulfil(_ result: Result<Value, any Error>) {
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

    public func value() async throws -> Value {
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
