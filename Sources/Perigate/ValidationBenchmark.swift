import Foundation
import PerigateCore

/// Measures validation throughput: each of `threads` OS threads validates the same document in
/// a loop for `seconds`, against the shared compiled schemas (one validation context each).
public struct ValidationBenchmark: Sendable {
    public var validator: MessageValidator
    public var threads: Int
    public var seconds: Double
    /// When set, each thread validates exactly this many documents instead of running for
    /// `seconds` (for instruction counting under valgrind).
    public var iterations: Int?

    public init(validator: MessageValidator, threads: Int, seconds: Double, iterations: Int? = nil) {
        self.validator = validator
        self.threads = max(1, threads)
        self.seconds = max(0.01, seconds)
        self.iterations = iterations.map { max(0, $0) }
    }

    /// Figures for one document.
    public struct Result: Sendable, Codable {
        public var name: String
        public var bytes: Int
        public var threads: Int
        public var documents: Int
        public var elapsedSeconds: Double
        /// The report of one validation, to show what was measured (valid or not).
        public var outcome: ValidationReport.Outcome
        public var documentsPerSecond: Double { Double(documents) / elapsedSeconds }
        public var megabytesPerSecond: Double { Double(documents * bytes) / elapsedSeconds / 1_000_000 }
        public var microsecondsPerDocument: Double { elapsedSeconds * 1_000_000 * Double(threads) / Double(documents) }
    }

    /// Runs the benchmark for one document (after a short warm-up).
    public func run(name: String, data: Data) -> Result {
        let outcome = validator.validate(data).outcome
        for _ in 0..<20 { _ = validator.validate(data) }
        let counter = BenchmarkCounter()
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(seconds * 1_000_000_000)
        let group = DispatchGroup()
        let validator = self.validator
        let iterations = self.iterations
        for _ in 0..<threads {
            group.enter()
            let thread = Thread {
                var count = 0
                if let iterations {
                    for _ in 0..<iterations { _ = validator.validate(data) }
                    count = iterations
                }
                while iterations == nil && DispatchTime.now().uptimeNanoseconds < deadline {
                    for _ in 0..<8 { _ = validator.validate(data) }
                    count += 8
                }
                counter.add(count)
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000_000
        return Result(name: name, bytes: data.count, threads: threads, documents: counter.total,
                      elapsedSeconds: max(elapsed, 1e-9), outcome: outcome)
    }
}

/// A total that benchmark threads add to. `@unchecked Sendable`: every access holds `lock`.
public final class BenchmarkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    public init() {}

    public func add(_ amount: Int) { lock.withLock { value += amount } }
    public var total: Int { lock.withLock { value } }
}
