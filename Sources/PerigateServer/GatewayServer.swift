import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
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
    public var limits: GatewayServer.Configuration
    public let metrics: GatewayMetrics
    /// HTTPS (and, with a client CA, mutual TLS); `nil` serves plain HTTP.
    public var tls: GatewayTLS?
    /// Process log (no message content, no BSNs).
    public var logger: Logger
    let partnerCache: PartnerCache
    /// Authentication refusals, aggregated for the audit log.
    public let refusals = RefusalAggregator()
    /// Extra readiness checks: each answers `nil` when healthy, else the problem (`GET /ready`).
    public var readinessChecks: [@Sendable () async -> String?] = []
    /// Gauges read at each scrape of `/metrics`, before it answers (the outbox's are built in);
    /// read at most once a second however often it is scraped.
    public var scrapeUpdates: [@Sendable () async -> Void] = []
    /// `/ready`'s store probe (shared while it runs), its registered checks (shared, and their
    /// answer reused for a second) and `/metrics`' gauges: unauthenticated, so bounded.
    let storeProbe = SharedProbe<Bool>(lifetime: .zero)
    let checksProbe = SharedProbe<String?>(lifetime: .seconds(1))
    let scrapeProbe = SharedProbe<Void>(lifetime: .seconds(1))
    /// The OpenAPI 3.1 document of `/v1` (`Schemas/openapi.json`), answered at `GET /openapi.json`;
    /// `nil`: that route answers 404.
    public var openAPIDocument: Data?
    /// More routes on the same router and middleware (the operator console adds `/console/…`).
    public var routeExtensions: [@Sendable (Router<GatewayContext>) -> Void] = []
    /// The clock of every timestamp the routes write (audit lines, creation times, expiries): the
    /// ingest service's injected clock, so the whole request path reads one clock.
    public var now: @Sendable () -> Date { ingest.now }

    /// Now as stored: UTC ISO 8601.
    func timestamp() -> String {
        now().formatted(.iso8601)
    }

    public init(ingest: IngestService, clientFile: ClientFileService, partners: any PartnerRegistry,
                clientCredentials: (any ClientCredentialRegistry)? = nil, forwarding: GatewayForwarding? = nil, limits: GatewayServer.Configuration = GatewayServer.Configuration(), metrics: GatewayMetrics = GatewayMetrics(), tls: GatewayTLS? = nil,
                logger: Logger = Logger(label: "perigate")) {
        var ingest = ingest
        if ingest.observer == nil { ingest.observer = metrics }
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
        router.add(middleware: GatewayMiddleware(metrics: metrics, limits: limits, inFlight: InFlightCounter(), publicInFlight: InFlightCounter()))
        router.get("health") { _, _ in JSONResponse.make(["status": "ok"], status: .ok) }
        router.get("ready") { _, _ in try await ready() }
        router.get("openapi.json") { [openAPIDocument] _, _ in
            guard let openAPIDocument else {
                return Problem(.routeNotFound, detail: "this gateway was started without its OpenAPI document (openapi.json in the schema directory)").response
            }
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: openAPIDocument)))
        }
        router.get("metrics") { _, _ in
            await scrapeProbe.value(within: .seconds(5), fallback: ()) {
                await updateOutboxGauges()
                for update in scrapeUpdates { await update() }
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
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
            // Her own token reads her whole file (Wabvpz electronic access); partners through their view.
            if request.headers[.authorization]?.hasPrefix("Bearer " + ClientCredential.tokenPrefix) == true {
                return try await getOwnRecord(request, context)
            }
            return try await authenticated(request, context) { caller in try await getRecord(request, context, caller) }
        }
        router.post("v1/subscriptions") { request, context in
            try await authenticated(request, context) { caller in try await carePartnerOnly(caller, "subscription.create") { try await postSubscription(request, caller) } }
        }
        router.get("v1/subscriptions") { request, context in
            try await authenticated(request, context) { caller in try await carePartnerOnly(caller, "subscription.read") { try await getSubscriptions(caller) } }
        }
        router.patch("v1/subscriptions/:id") { request, context in
            try await authenticated(request, context) { caller in try await carePartnerOnly(caller, "subscription.update") { try await patchSubscription(request, context, caller) } }
        }
        router.delete("v1/subscriptions/:id") { request, context in
            try await authenticated(request, context) { caller in try await carePartnerOnly(caller, "subscription.delete") { try await deleteSubscription(context, caller) } }
        }
        router.get("v1/operator/deliveries") { request, context in try await operatorDeliveries(request, context) }
        router.post("v1/operator/deliveries/replay") { request, context in try await operatorReplay(request, context) }
        router.post("v1/operator/deliveries/:id/retry") { request, context in try await operatorRetry(request, context) }
        router.get("v1/inbox") { request, context in
            try await authenticated(request, context) { caller in try await carePartnerOnly(caller, "inbox.read") { try await getInbox(request, caller) } }
        }
        router.post("v1/inbox/:id/ack") { request, context in
            try await authenticated(request, context) { caller in try await carePartnerOnly(caller, "delivery.ack") { try await ackInbox(context, caller) } }
        }
        router.get("v1/audit-log") { request, context in
            try await authenticated(request, context) { caller in try await getPartnerAuditLog(request, caller) }
        }
        router.get("v1/clients/:bsn/access-log") { request, context in try await getAccessLog(request, context, copy: false) }
        router.get("v1/clients/:bsn/access-log/copy") { request, context in try await getAccessLog(request, context, copy: true) }
        router.delete("v1/clients/:bsn/consents") { request, context in
            try await deleteConsent(request, context)
        }
        router.get("v1/clients/:bsn/care-team") { request, context in try await getCareTeam(request, context) }
        router.post("v1/clients/:bsn/care-team") { request, context in try await postCareTeam(request, context) }
        router.post("v1/clients/:bsn/consents") { request, context in
            try await postConsent(request, context)
        }
        addFHIRRoutes(to: router)
        for extend in routeExtensions { extend(router) }
        return router
    }

    /// An application bound to `host:port` (port 0: any free port, reported to `onRunning`).
    /// Run it with `runService()` (graceful shutdown on SIGTERM/SIGINT) or inside a `ServiceGroup`.
    public func application(host: String, port: Int, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws
        -> some ApplicationProtocol {
        let idle = TimeAmount.seconds(limits.idleTimeout.components.seconds)
        let head = TimeAmount.seconds(limits.requestHeadTimeout.components.seconds)
        let counter = ConnectionCounter(maximumPerSource: limits.maximumConnectionsPerSource, metrics: metrics)
        let http = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuardHandler(counter: counter, headTimeout: head, idleTimeout: idle)],
            idleTimeout: idle)
        return Application(router: router(), server: try GatewayTLS.server(http, tls: tls),
                           configuration: .init(address: .hostname(host, port: port), serverName: "perigate"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
                           logger: logger)
    }

    /// Ready when the store answers (within 5 s) and every registered check (the delivery
    /// worker's, the audit sealing's) passes (within 5 s). Probes bypass the request timeout, so
    /// these have their own: a database that is down or a check that hangs must make `/ready` say
    /// so, not hang — neither the caller nor the callers sharing the probe wait longer.
    private func ready() async throws -> Response {
        let store = ingest.store, checks = readinessChecks
        let answered = await storeProbe.value(within: .seconds(5), fallback: false) {
            guard (try? await store.auditEntries(after: Int.max - 1, limit: 1)) != nil else { return false }
            return (try? await store.probeWritable()) != nil
        }
        guard answered else {
            return Problem(.storeUnavailable, detail: "the message store does not answer, or cannot start a write").response
        }
        let problem = await checksProbe.value(within: .seconds(5), fallback: "the readiness checks did not answer within 5 s") {
            for check in checks { if let problem = await check() { return problem } }
            return nil
        }
        if let problem {
            return Problem(.workerUnhealthy, detail: problem).response
        }
        return JSONResponse.make(["status": "ready", "schemas": "\(ingest.validator.registry.messageTypes.count)"], status: .ok)
    }

    /// Outbox depth and oldest age per subscription (every known subscription gets a value, 0 when
    /// its queue is empty), read at each scrape.
    private func updateOutboxGauges() async {
        guard let store = forwarding?.store,
              let pending = try? await store.deliveries(status: "pending"),
              let subscriptions = try? await store.subscriptions() else { return }
        for depth in OutboxDepth.compute(pending: pending, subscriptions: subscriptions) {
            metrics.outbox(subscription: depth.subscription, pending: depth.pending, oldestAge: depth.oldestAge)
        }
    }
}
