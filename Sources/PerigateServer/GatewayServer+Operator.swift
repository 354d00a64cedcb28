import Foundation
import Hummingbird
import PerigateCore

/// Operator endpoints (`/v1/operator/…`): the outbox — list deliveries with their attempts,
/// retry one, replay a subscription's deliveries since a time. Operator tokens (`pgo_…`) and a
/// named end user; every call is audited.
extension GatewayServer {
    struct OperatorCaller {
        var operatorAccount: Operator
        var user: EndUser
        /// When the call came in (the gateway's clock): the time of its audit lines.
        var time: String

        var actor: String { "operator:\(operatorAccount.id)/\(user.id)" }

        func line(_ event: String, _ action: String, _ object: String, detail: String? = nil) -> AuditEntry {
            AuditEntry(time: time, actor: actor, event: event, action: action, object: object, outcome: "success",
                       checks: AuditChecks.authorized, detail: detail,
                       user: AuditUser(id: user.id, name: user.name, role: user.role, responsible: user.onBehalfOf, accessPoint: nil))
        }
    }

    func authenticateOperator(_ request: Request) async throws -> Result<OperatorCaller, Problem> {
        // No credentials at all: 401, as on every route; another kind of token: 403.
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            return .failure(Problem(.authTokenMissing, detail: "send Authorization: Bearer <operator token>"))
        }
        guard header.hasPrefix("Bearer " + Operator.tokenPrefix),
              let registry = forwarding?.operators else {
            return .failure(Problem(.authOperatorOnly, detail: "operator endpoints need an operator token"))
        }
        let hash = PartnerToken.hash(String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces))
        guard let account = try await registry.activeOperator(tokenHash: hash) else {
            return .failure(Problem(.authTokenInvalid, detail: "unknown or revoked operator token"))
        }
        return EndUser.from(request.headers).map { OperatorCaller(operatorAccount: account, user: $0, time: timestamp()) }
    }

    func asOperator(_ request: Request, _ context: GatewayContext,
                    _ body: (OperatorCaller, GatewayForwarding) async throws -> Response) async throws -> Response {
        switch try await authenticateOperator(request) {
        case .failure(let problem): return try await refused(problem, request, context)
        case .success(let caller):
            guard let forwarding else { return Problem(.routeNotFound, detail: "forwarding is not enabled").response }
            return try await body(caller, forwarding)
        }
    }

    /// A delivery as operators see it: the client only as a masked reference (`bsn:******007`) —
    /// operator tokens open no client data.
    struct DeliveryView: Encodable {
        var delivery: Delivery
        var attempts: [DeliveryAttempt]

        init(delivery: Delivery, attempts: [DeliveryAttempt]) {
            var masked = delivery
            masked.bsn = Receipt.maskedReference(bsn: delivery.bsn)
            self.delivery = masked
            self.attempts = attempts
        }
    }

    /// `GET /v1/operator/deliveries[?status=dead]`.
    func operatorDeliveries(_ request: Request, _ context: GatewayContext) async throws -> Response {
        try await asOperator(request, context) { caller, forwarding in
            let status = try StrictQuery(request).choice("status", Delivery.statuses)
            var views: [DeliveryView] = []
            for delivery in try await forwarding.store.deliveries(status: status) {
                views.append(DeliveryView(delivery: delivery, attempts: try await forwarding.store.attempts(deliveryId: delivery.id)))
            }
            var line = caller.line("deliveries.read", "R", "outbox", detail: "\(views.count) deliveries, status \(status ?? "any")")
            line.eventType = "log-access"
            try await ingest.store.appendAudit([line])
            return JSONResponse.make(["deliveries": views], status: .ok)
        }
    }

    /// `POST /v1/operator/deliveries/{id}/retry`: again now, same webhook-id, re-checked before sending.
    func operatorRetry(_ request: Request, _ context: GatewayContext) async throws -> Response {
        try await asOperator(request, context) { caller, forwarding in
            let id = context.parameters.get("id") ?? ""
            let found = try await forwarding.store.retryDelivery(id: id, audit: caller.line("delivery.retry", "U", "delivery:\(id)"))
            return found ? JSONResponse.make(["queued": 1], status: .ok)
                : Problem(.deliveryNotFound, detail: "no delivery \(id)").response
        }
    }

    /// `POST /v1/operator/deliveries/replay` `{"subscription": S, "since": T}`: the subscription's sent
    /// and dead deliveries created since T, again (same ids).
    func operatorReplay(_ request: Request, _ context: GatewayContext) async throws -> Response {
        try await asOperator(request, context) { caller, forwarding in
            struct Body: Decodable { var subscription: String; var since: String }
            guard let bytes = try? await request.body.collect(upTo: 4096), let body = try? JSONDecoder().decode(Body.self, from: Data(buffer: bytes)) else {
                return Problem(.requestInvalidJson, detail: "send {\"subscription\", \"since\"}").response
            }
            let count = try await forwarding.store.replayDeliveries(
                subscription: body.subscription, since: body.since, audit: caller.line("delivery.replay", "U", "subscription:\(body.subscription)"))
            return JSONResponse.make(["queued": count], status: .ok)
        }
    }
}
