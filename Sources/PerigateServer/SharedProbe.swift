import Synchronization

/// One computation for all who ask at once, its answer reused for `lifetime`: what the
/// unauthenticated probes (`/ready`, `/metrics`) cost the database does not grow with how often,
/// or by how many clients at once, they are asked — at most one computation at a time, and at
/// most one per `lifetime` (`.zero`: only shared while it runs).
actor SharedProbe<Value: Sendable> {
    private let lifetime: Duration
    private var last: (at: ContinuousClock.Instant, value: Value)?
    private var running: Task<Value, Never>?

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    func value(_ compute: @escaping @Sendable () async -> Value) async -> Value {
        if let last, ContinuousClock.now - last.at < lifetime { return last.value }
        if let running { return await running.value }
        let task = Task { await compute() }
        running = task
        let value = await task.value
        last = (ContinuousClock.now, value)
        running = nil
        return value
    }
}

extension SharedProbe {
    /// `body`'s answer, or `nil` when it takes longer than `timeout`; then it runs on, not
    /// awaited (a probe must answer in time even when what it asks hangs and ignores cancellation).
    static func answer(within timeout: Duration, _ body: @escaping @Sendable () async -> Value) async -> Value? {
        let race = Race<Value?>()
        return await withCheckedContinuation { continuation in
            race.start(continuation)
            Task { race.finish(await body()) }
            race.setTimer(Task {
                try? await Task.sleep(for: timeout)
                race.finish(nil)
            })
        }
    }

    /// ``value(_:)`` of a computation that gives up after `timeout` with `fallback`: so that
    /// callers waiting for it wait no longer than that either.
    func value(within timeout: Duration, fallback: Value, _ compute: @escaping @Sendable () async -> Value) async -> Value {
        await value { await Self.answer(within: timeout, compute) ?? fallback }
    }
}

/// The first of two finishers resumes the waiting caller; the second is ignored.
private final class Race<Value: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Value, Never>?, timer: Task<Void, Never>?, done: Bool)>((nil, nil, false))

    func start(_ continuation: CheckedContinuation<Value, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    /// The timer to cancel when the body finishes first (at once, if it has already).
    func setTimer(_ timer: Task<Void, Never>) {
        let done = state.withLock { state in
            if !state.done { state.timer = timer }
            return state.done
        }
        if done { timer.cancel() }
    }

    func finish(_ value: Value) {
        let (continuation, timer) = state.withLock { state in
            defer { state = (nil, nil, true) }
            return (state.continuation, state.timer)
        }
        timer?.cancel()
        continuation?.resume(returning: value)
    }
}
