import Foundation
import Hummingbird
import PerigateCore

/// The HTTP front door: thin routes over the core use cases. Handlers decode, call one core
/// function and choose a status; all status mapping lives in `IngestStatus` and `Problem`.
public struct GatewayServer: Sendable {
    public let ingest: IngestService
    public let partners: any PartnerRegistry
    /// Largest accepted request body in bytes.
    public var maximumBodyBytes: Int

    public init(ingest: IngestService, partners: any PartnerRegistry, maximumBodyBytes: Int = SafeXMLParser.defaultMaximumBytes) {
        self.ingest = ingest
        self.partners = partners
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// The routes.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("health") { _, _ in JSONResponse.make(["status": "ok"], status: .ok) }
        router.get("ready") { _, _ in
            do {
                _ = try await ingest.store.auditEntries(after: Int.max - 1, limit: 1)
                return JSONResponse.make(["status": "ready", "schemas": "\(ingest.validator.registry.messageTypes.count)"], status: .ok)
            } catch {
                return Problem(status: .serviceUnavailable, code: "store.unavailable", detail: "the message store does not answer").response
            }
        }
        router.post("v1/messages") { request, _ in try await postMessage(request) }
        router.get("v1/messages/:id") { request, context in try await getMessage(request, context, raw: false) }
        router.get("v1/messages/:id/raw") { request, context in try await getMessage(request, context, raw: true) }
        return router
    }

    /// An application bound to `host:port` (port 0: any free port, reported to `onRunning`).
    public func application(host: String, port: Int, onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "perigate"),
                    onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) })
    }

    private func postMessage(_ request: Request) async throws -> Response {
        try await authenticated(request) { caller in try await postMessage(request, caller) }
    }

    private func postMessage(_ request: Request, _ caller: Authenticated) async throws -> Response {
        let contentType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard contentType == "application/xml" || contentType == "text/xml" else {
            return Problem(status: .unsupportedMediaType, code: "request.content-type",
                           detail: "send messages as application/xml (got \(contentType ?? "none"))").response
        }
        var body: Data
        do {
            body = Data(buffer: try await request.body.collect(upTo: maximumBodyBytes))
        } catch {
            return Problem(status: .contentTooLarge, code: "message.too-large",
                           detail: "the body exceeds \(maximumBodyBytes) bytes").response
        }
        switch request.headers[.contentEncoding]?.lowercased() {
        case nil, "identity":
            break
        case "gzip":
            do {
                body = try GzipBody.inflate(body, limit: maximumBodyBytes)
            } catch GzipBody.Failure.tooLarge {
                return Problem(status: .contentTooLarge, code: "message.too-large",
                               detail: "the decompressed body exceeds \(maximumBodyBytes) bytes").response
            } catch {
                return Problem(status: .badRequest, code: "request.bad-gzip", detail: "the body is not valid gzip data").response
            }
        case let other?:
            return Problem(status: .unsupportedMediaType, code: "request.content-encoding",
                           detail: "unsupported Content-Encoding \(other); use gzip or none").response
        }
        let outcome = try await ingest.ingest(body, from: caller.ingestCaller)
        return IngestStatus.response(for: outcome)
    }

    private func getMessage(_ request: Request, _ context: BasicRequestContext, raw: Bool) async throws -> Response {
        try await authenticated(request) { caller in try await getMessage(request, context, raw: raw, caller) }
    }

    private func getMessage(_ request: Request, _ context: BasicRequestContext, raw: Bool,
                            _ caller: Authenticated) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let message = try await ingest.store.message(id: id)
        let visible = message?.senderURA.map { SenderPolicy.sameOrganisation($0, caller.partner.ura) } ?? false
        let audit = AuditEntry(time: Date().formatted(.iso8601), actor: caller.ingestCaller.auditActor,
                               event: raw ? "message.read-raw" : "message.read", action: "R",
                               object: message?.bsn.map { "bsn:\($0)/message:\(id)" } ?? "message:\(id)",
                               outcome: visible ? "success" : "refused")
        try await ingest.store.appendAudit([audit])
        guard let message, visible else {
            return Problem(status: .notFound, code: "message.not-found", detail: "no message \(id) sent by this partner").response
        }
        if raw {
            return Response(status: .ok, headers: [.contentType: "application/xml"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: message.raw)))
        }
        let accepted = message.facts != nil
        return JSONResponse.make(MessageStatus(
            id: message.id, status: accepted ? "accepted" : "rejected", receivedAt: message.receivedAt,
            kind: message.report.kind, version: message.report.version, report: message.report), status: .ok)
    }

    /// `GET /v1/messages/{id}`.
    struct MessageStatus: Encodable {
        var id: String
        var status: String
        var receivedAt: String
        var kind: String?
        var version: String?
        var report: ValidationReport
    }
}
