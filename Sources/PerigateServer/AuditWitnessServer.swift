import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import PerigateCore

/// The store of `perigate audit witness`: checkpoints signed by the pinned keys, appended to one
/// file (fsynced before the answer) and never rewritten. It refuses what would let a dishonest
/// gateway rewrite history: a checkpoint signed by another key, one that names another hash for a
/// line it already holds (its own line or the line of the checkpoint it extends).
public actor AuditWitnessLedger {
    let file: AuditCheckpointFile
    let pinned: Set<String>
    let now: @Sendable () -> Date
    /// Per key: line → hash, for every checkpoint held (about 100 bytes each).
    private var lines: [String: [Int: String]] = [:]
    public private(set) var count = 0

    public init(path: String, pinned: Set<String>, now: @escaping @Sendable () -> Date = Date.init) throws {
        file = AuditCheckpointFile(path: path)
        self.pinned = pinned
        self.now = now
        // A line torn by a crash or a full disk is skipped: the witness starts again.
        for checkpoint in try file.read() {
            lines[checkpoint.publicKey, default: [:]][checkpoint.sequence] = checkpoint.hash
            count += 1
        }
    }

    public enum Outcome: Sendable, Equatable {
        case stored(AuditCheckpoint)
        case alreadyHeld
    }

    /// Checks and stores one checkpoint, stamped with the witness's own time.
    func accept(_ checkpoint: AuditCheckpoint) throws -> Outcome {
        guard checkpoint.isSignatureValid else { throw Problem(.witnessBadSignature, detail: "the checkpoint's signature does not verify") }
        guard pinned.contains(checkpoint.publicKey) else {
            throw Problem(.witnessOtherKey, detail: "signed by key \(AuditSigner.fingerprint(checkpoint.publicKey)), which this witness does not pin")
        }
        let held = lines[checkpoint.publicKey] ?? [:]
        if let hash = held[checkpoint.sequence] {
            guard hash == checkpoint.hash else {
                throw Problem(.witnessConflict, detail: "this witness holds another hash for line \(checkpoint.sequence): the log was rewritten")
            }
            return .alreadyHeld
        }
        if let previous = checkpoint.previous, let hash = held[previous.sequence], hash != previous.hash {
            throw Problem(.witnessConflict, detail: "the checkpoint extends line \(previous.sequence) with another hash than this witness holds")
        }
        var stamped = checkpoint
        stamped.witnessedAt = now().formatted(.iso8601)
        try file.append(stamped)
        lines[checkpoint.publicKey, default: [:]][checkpoint.sequence] = checkpoint.hash
        count += 1
        return .stored(stamped)
    }

    /// Everything held, as stored (JSON lines), read in 64 KiB pieces outside the actor: readers
    /// never queue ahead of a gateway's checkpoint, nor hold the whole file in memory.
    nonisolated func contents() -> ResponseBody {
        let path = file.path
        return ResponseBody { writer in
            guard let handle = FileHandle(forReadingAtPath: path) else { return try await writer.finish(nil) }
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 64 * 1024), !chunk.isEmpty {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
    }
}

/// `perigate audit witness`: a small HTTP(S) server that keeps checkpoints for a gateway it does
/// not trust — run by the VSV on another machine, or by a partner.
/// - `POST /v1/checkpoints` (one checkpoint as JSON, at most 16 KiB): 201 stored (with
///   `witnessedAt`), 200 already held, 400 `witness.invalid`, 403 `witness.other-key`, 409
///   `witness.conflict`, 422 `witness.bad-signature`.
/// - `GET /v1/checkpoints`: everything held, JSON lines (`application/x-ndjson`), oldest first.
/// - `GET /health`.
/// Checkpoints hold line numbers and hashes, no client data, so reading needs no credential;
/// writing needs none either: only checkpoints signed by the pinned keys are taken.
public struct AuditWitnessServer: Sendable {
    public let ledger: AuditWitnessLedger
    public let tls: GatewayTLS?
    public let logger: Logger

    public init(ledger: AuditWitnessLedger, tls: GatewayTLS? = nil, logger: Logger) {
        self.ledger = ledger
        self.tls = tls
        self.logger = logger
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: WitnessProblems())
        let ledger = ledger
        let logger = logger
        router.get("health") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n"))) }
        router.get("v1/checkpoints") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: ledger.contents())
        }
        router.post("v1/checkpoints") { request, _ -> Response in
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: 16 * 1024) } catch {
                throw Problem(.witnessInvalid, detail: "a checkpoint is at most 16 KiB")
            }
            guard let checkpoint = try? JSONDecoder().decode(AuditCheckpoint.self, from: Data(buffer: body)) else {
                throw Problem(.witnessInvalid, detail: "the body is not an audit checkpoint (JSON)")
            }
            switch try await ledger.accept(checkpoint) {
            case .stored(let stamped):
                logger.info("checkpoint witnessed", metadata: ["line": "\(stamped.sequence)", "key": "\(AuditSigner.fingerprint(stamped.publicKey))"])
                return JSONResponse.make(stamped, status: .created)
            case .alreadyHeld:
                return JSONResponse.make(checkpoint, status: .ok)
            }
        }
        return router
    }

    /// The server on `host:port` (0: any free port, reported to `onRunning`).
    public func application(host: String, port: Int, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws
        -> some ApplicationProtocol {
        let http = HTTP1Channel.Configuration(idleTimeout: .seconds(30))
        return Application(router: router(), server: try GatewayTLS.server(http, tls: tls),
                           configuration: .init(address: .hostname(host, port: port), serverName: "perigate-witness"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
                           logger: logger)
    }
}

/// Renders a ``Problem`` thrown by a witness route, and an unknown route, as problem+json.
struct WitnessProblems: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return problem.response
        } catch let error as HTTPError {
            return Problem(routerError: error).response
        }
    }
}
