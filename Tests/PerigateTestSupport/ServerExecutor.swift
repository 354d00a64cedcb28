import Foundation

/// The executor the tests' in-process servers (test gateways, webhook receivers, witnesses) run
/// their tasks on: four threads of its own, outside Swift's cooperative pool.
///
/// The pool has as many threads as the machine has cores (two here), and tests share it: a test
/// that computes for seconds, or waits on something blocking, holds one of them. With both held,
/// a server in the same process would read a request and not answer it until they are free —
/// on a loaded CI machine past the 10 s head timeout, so a test would see a closed connection
/// instead of the answer it checks. Servers started with
/// `Task(executorPreference: ServerExecutor.shared)` keep answering (their child tasks, one per
/// connection, inherit the preference).
public final class ServerExecutor: TaskExecutor, @unchecked Sendable {
    public static let shared = ServerExecutor(threads: 4)

    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var jobs: [UnownedJob] = []
    private var next = 0

    init(threads: Int) {
        for index in 0..<threads {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "test-server-\(index)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while next == jobs.count { condition.wait() }
            let job = jobs[next]
            next += 1
            if next == jobs.count { jobs.removeAll(keepingCapacity: true); next = 0 }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
