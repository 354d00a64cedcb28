import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import PerigateCore

/// The HTTP front door: thin routes over the core use cases. Handlers decode, call one core
/// function and choose a status; status mapping lives in `IngestStatus`, `ClientFileStatus` and
/// `Problem`.
public struct GatewayServer: Sendable {
    public let ingest: IngestService
    public let clientFile: ClientFileService
    public let partners: any PartnerRegistry
    /// Client-portal credentials (her own access log only); `nil`: none accepted.
    public let clientCredentials: (any ClientCredentialRegistry)?
    /// Subscriptions and the pull inbox; `nil`: not offered.
    public let forwarding: GatewayForwarding?
    public var limits: GatewayLimits
    public let metrics: GatewayMetrics
    /// HTTPS (and, with a client CA, mutual TLS); `nil` serves plain HTTP.
    public var tls: GatewayTLS?
    /// Process log (no message content, no BSNs).
    public var logger: Logger
    let partnerCache: PartnerCache

    public init(ingest: IngestService, clientFile: ClientFileService, partners: any PartnerRegistry,
                clientCredentials: (any ClientCredentialRegistry)? = nil, forwarding: GatewayForwarding? = nil, limits: GatewayLimits = GatewayLimits(), metrics: GatewayMetrics = GatewayMetrics(), tls: GatewayTLS? = nil,
                logger: Logger = Logger(label: "perigate")) {
        self.ingest = ingest
        self.clientFile = clientFile
        self.partners = partners
        self.clientCredentials = clientCredentials
        self.forwarding = forwarding
        self.limits = limits
        self.metrics = metrics
        self.tls = tls
        self.logger = logger
        partnerCache = PartnerCache(lifetime: limits.partnerCacheLifetime)
    }

    /// The routes (the middleware first, so it wraps every route and the not-found answer).
    public func router() -> Router<GatewayContext> {
        let router = Router(context: GatewayContext.self)
        router.add(middleware: GatewayMiddleware(metrics: metrics, limits: limits, inFlight: InFlightCounter()))
        router.get("health") { _, _ in JSONResponse.make(["status": "ok"], status: .ok) }
        router.get("ready") { _, _ in try await ready() }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
        router.post("v1/messages") { request, context in
            try await authenticated(request, context) { caller in try await postMessage(request, caller) }
        }
        router.get("v1/messages/:id") { request, context in
            try await authenticated(request, context) { caller in try await getMessage(context, raw: false, caller) }
        }
        router.get("v1/messages/:id/raw") { request, context in
            try await authenticated(request, context) { caller in try await getMessage(context, raw: true, caller) }
        }
        router.get("v1/clients/:bsn/record") { request, context in
            try await authenticated(request, context) { caller in try await getRecord(request, context, caller) }
        }
        router.post("v1/subscriptions") { request, context in
            try await authenticated(request, context) { caller in try await postSubscription(request, caller) }
        }
        router.get("v1/subscriptions") { request, context in
            try await authenticated(request, context) { caller in try await getSubscriptions(caller) }
        }
        router.patch("v1/subscriptions/:id") { request, context in
            try await authenticated(request, context) { caller in try await patchSubscription(request, context, caller) }
        }
        router.delete("v1/subscriptions/:id") { request, context in
            try await authenticated(request, context) { caller in try await deleteSubscription(context, caller) }
        }
        router.get("v1/operator/deliveries") { request, _ in try await operatorDeliveries(request) }
        router.post("v1/operator/deliveries/replay") { request, _ in try await operatorReplay(request) }
        router.post("v1/operator/deliveries/:id/retry") { request, context in try await operatorRetry(request, context) }
        router.get("v1/inbox") { request, context in
            try await authenticated(request, context) { caller in try await getInbox(request, caller) }
        }
        router.post("v1/inbox/:id/ack") { request, context in
            try await authenticated(request, context) { caller in try await ackInbox(context, caller) }
        }
        router.get("v1/audit-log") { request, context in
            try await authenticated(request, context) { caller in try await getPartnerAuditLog(request, caller) }
        }
        router.get("v1/clients/:bsn/access-log") { request, context in try await getAccessLog(request, context, copy: false) }
        router.get("v1/clients/:bsn/access-log/copy") { request, context in try await getAccessLog(request, context, copy: true) }
        router.delete("v1/clients/:bsn/consents") { request, context in
            try await authenticated(request, context) { caller in try await deleteConsent(context, caller) }
        }
        router.post("v1/clients/:bsn/consents") { request, context in
            try await authenticated(request, context) { caller in try await postConsent(request, context, caller) }
        }
        return router
    }

    /// An application bound to `host:port` (port 0: any free port, reported to `onRunning`).
    /// Run it with `runService()` (graceful shutdown on SIGTERM/SIGINT) or inside a `ServiceGroup`.
    public func application(host: String, port: Int, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws
        -> some ApplicationProtocol {
        let http = HTTP1Channel.Configuration(idleTimeout: .nanoseconds(Int64(limits.idleTimeout.components.seconds) * 1_000_000_000))
        let server: HTTPServerBuilder = try tls.map { try .tls(.http1(configuration: http), tlsConfiguration: $0.configuration) }
            ?? .http1(configuration: http)
        return Application(router: router(), server: server,
                           configuration: .init(address: .hostname(host, port: port), serverName: "perigate"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
                           logger: logger)
    }

    private func ready() async throws -> Response {
        do {
            _ = try await ingest.store.auditEntries(after: Int.max - 1, limit: 1)
        } catch {
            return Problem(status: .serviceUnavailable, code: "store.unavailable", detail: "the message store does not answer").response
        }
        return JSONResponse.make(["status": "ready", "schemas": "\(ingest.validator.registry.messageTypes.count)"], status: .ok)
    }
}
