/// Lets one transaction at a time use the single SQLite connection, first come first served.
///
/// An actor alone is not enough: it is re-entrant at every `await`, so two transactions' statements
/// could interleave on the connection. The gate holds waiting callers in a FIFO queue.
actor TransactionGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` exclusively.
    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
