import Crypto
import Foundation
import PerigateCore
import PerigateServer
import Logging
import ServiceLifecycle

/// Signs the audit chain head every `interval` (when it moved) and once more at shutdown, after
/// the HTTP server has stopped (it is listed before the server in the service group, and groups
/// shut down in reverse order).
struct AuditCheckpointService: Service {
    let store: any AuditChainStore
    let file: AuditCheckpointFile
    /// The raw private key (the key type itself is not `Sendable`).
    let key: Data
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while true {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
            await checkpoint()
        }
        await checkpoint()
    }

    private func checkpoint() async {
        do {
            if let written = try await store.writeAuditCheckpoint(to: file, key: try Curve25519.Signing.PrivateKey(rawRepresentation: key)) {
                logger.debug("audit checkpoint", metadata: ["line": "\(written.sequence)"])
            }
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
