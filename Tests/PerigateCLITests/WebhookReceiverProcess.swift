import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import PerigateTestSupport

/// A webhook receiver on 127.0.0.1 for tests of the real binary: records the `webhook-id` of every
/// request when it arrives, and answers 200 after `delay` (a slow receiver keeps deliveries in flight).
final class WebhookReceiver: Sendable {
    let ids = Mutex<[String]>([])
    let delay = Mutex<Duration>(.zero)
    /// The requests not answered yet, by `webhook-id`, with when each arrived.
    private let holding = Mutex<[String: ContinuousClock.Instant]>([:])
    private let stopper = Mutex<(@Sendable () async -> Void)?>(nil)

    /// Every `webhook-id` received, in arrival order (repeats included).
    var received: [String] { ids.withLock { $0 } }

    /// The `webhook-id`s of requests held right now that arrived less than `age` ago.
    func held(lessThan age: Duration) -> Set<String> {
        let now = ContinuousClock.now
        return Set(holding.withLock { $0.filter { now - $0.value < age }.keys })
    }

    /// Starts listening; returns the port.
    func start() async throws -> Int {
        let router = Router()
        router.post("hook") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            let id = request.headers.first { $0.name.canonicalName == "webhook-id" }?.value ?? ""
            self.ids.withLock { $0.append(id) }
            self.holding.withLock { $0[id] = .now }
            defer { _ = self.holding.withLock { $0.removeValue(forKey: id) } }
            let pause = self.delay.withLock { $0 }
            if pause > .zero { try await Task.sleep(for: pause) }
            return Response(status: .ok)
        }
        var logger = Logger(label: "receiver")
        logger.logLevel = .warning
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task(executorPreference: ServerExecutor.shared) { try await group.run() }
        stopper.withLock { $0 = { await group.triggerGracefulShutdown(); _ = await task.result } }
        var iterator = ports.makeAsyncIterator()
        return try #require(await iterator.next())
    }

    func stop() async {
        delay.withLock { $0 = .zero }
        await stopper.withLock { $0 }?()
    }
}
