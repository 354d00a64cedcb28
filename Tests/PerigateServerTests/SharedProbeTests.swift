import Synchronization
import Testing
@testable import PerigateServer

/// The unauthenticated probes (`/ready`, `/metrics`) cost the database one computation at a time
/// and at most one per lifetime, and answer in time even when what they ask hangs.
@Suite("Shared probes")
struct SharedProbeTests {
    final class Counter: Sendable {
        let value = Mutex(0)
        func next() -> Int { value.withLock { $0 += 1; return $0 } }
    }

    @Test("50 callers at once share one computation; within the lifetime its answer is reused; with lifetime zero only while it runs")
    func shared() async throws {
        let calls = Counter()
        let probe = SharedProbe<Int>(lifetime: .seconds(3600))
        let answers = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<50 {
                group.addTask { await probe.value { try? await Task.sleep(for: .milliseconds(200)); return calls.next() } }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(Set(answers) == [1] && answers.count == 50)
        #expect(await probe.value { calls.next() } == 1, "reused within its lifetime")
        let fresh = SharedProbe<Int>(lifetime: .zero)
        #expect(await fresh.value { calls.next() } == 2)
        #expect(await fresh.value { calls.next() } == 3, "lifetime zero: each call after the last one ended computes again")
    }

    @Test("an answer in time, or nil when the body hangs past the timeout (it runs on, not awaited)")
    func timeout() async throws {
        #expect(await SharedProbe<Int>.answer(within: .seconds(60)) { 7 } == 7)
        let hung = await SharedProbe<Int>.answer(within: .milliseconds(100)) {
            // Ignores cancellation, as a call into a wedged database may (long enough that even a
            // loaded test machine runs the 100 ms timer first).
            let until = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < until { try? await Task.sleep(for: .milliseconds(50)) }
            return 8
        }
        #expect(hung == nil)
    }
}
