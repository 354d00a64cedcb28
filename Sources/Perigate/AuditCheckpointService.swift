import Crypto
import Foundation
import PerigateCore
import PerigateServer
import Logging
import ServiceLifecycle
import Synchronization

/// Signs the audit chain head every `interval` (when it moved) and as soon as `lines` lines were
/// written since the last checkpoint, into the checkpoint file and every witness; once more at
/// start and at shutdown (``GatewayLifetime``), after the HTTP server has stopped. A witness that
/// stops taking checkpoints is logged when it starts failing and when it is back, not every second.
final class AuditCheckpointService: Service, Sendable {
    let checkpointer: AuditCheckpointer
    let interval: Duration
    let lines: Int
    let logger: Logger
    private let failing = Mutex<Set<String>>([])

    init(checkpointer: AuditCheckpointer, interval: Duration, lines: Int, logger: Logger) {
        self.checkpointer = checkpointer
        self.interval = interval
        self.lines = lines
        self.logger = logger
    }

    func run() async throws {
        let clock = ContinuousClock()
        var last = clock.now
        // A cheap look at the head five times a second: the line count can make a checkpoint due before the interval.
        while (try? await cancelWhenGracefulShutdown { try await Task.sleep(for: min(self.interval, .milliseconds(200))) }) != nil {
            if clock.now - last < interval {
                guard let head = try? await checkpointer.store.auditHeadSequence(),
                      head - (await checkpointer.lastSequence()) >= lines else { continue }
            }
            await round()
            last = clock.now
        }
    }

    /// One checkpoint (when the head moved) and the witnesses' pending ones.
    func round() async {
        do {
            let round = try await checkpointer.checkpoint()
            if let tampered = round.tampered {
                logger.critical("THE AUDIT LOG NO LONGER EXTENDS ITS LAST CHECKPOINT: nothing is signed until it does; run perigate audit verify and report a security incident",
                                metadata: ["line": "\(tampered.sequence)", "cause": "\(tampered.cause.rawValue)"])
            }
            if let written = round.written { logger.debug("audit checkpoint", metadata: ["line": "\(written.sequence)"]) }
            let failed = Set(round.failures.map(\.witness))
            let (started, recovered) = failing.withLock { failing in
                defer { failing = failed }
                return (failed.subtracting(failing), failing.subtracting(failed))
            }
            for failure in round.failures where started.contains(failure.witness) {
                logger.error("audit witness does not take checkpoints", metadata: ["witness": "\(failure.witness)", "error": "\(failure.error)"])
            }
            for witness in recovered { logger.notice("audit witness takes checkpoints again", metadata: ["witness": "\(witness)"]) }
        } catch {
            logger.error("audit checkpoint failed", metadata: ["error": "\(String(describing: type(of: error)))"])
        }
    }
}

/// Writes the counts of aggregated authentication refusals once their minute is over, and all of
/// them at shutdown (``GatewayServer/flushRefusals(force:)``).
struct RefusalFlushService: Service {
    let server: GatewayServer
    let logger: Logger

    func run() async throws {
        while (try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(10)) }) != nil {
            await flush(force: false)
        }
        await flush(force: true)
    }

    private func flush(force: Bool) async {
        do { try await server.flushRefusals(force: force) } catch {
            logger.error("refusal audit failed", metadata: ["error": "\(String(describing: type(of: error)))"])
        }
    }
}
