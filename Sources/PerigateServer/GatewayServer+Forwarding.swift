import Foundation
import Hummingbird
import PerigateCore

/// Subscriptions (`/v1/subscriptions`) and the pull inbox (`/v1/inbox`).
extension GatewayServer {
    struct SubscriptionRequest: Decodable {
        var url: String?
        var kinds: [String]?
        var format: String?
        var active: Bool?
        var rotateSecret: Bool?
    }

    /// A subscription as answered: the secret only when it was just made.
    struct SubscriptionReply: Encodable {
        var subscription: Subscription
        var secret: String?
    }

    func decodeSubscriptionRequest(_ request: Request) async throws -> SubscriptionRequest? {
        guard let bytes = try? await request.body.collect(upTo: 16 * 1024) else { return nil }
        return try? JSONDecoder().decode(SubscriptionRequest.self, from: Data(buffer: bytes))
    }

    func subscriptionProblem(_ body: SubscriptionRequest, creating: Bool) async -> Problem? {
        if creating, body.url == nil { return Problem(.subscriptionInvalid, detail: "url is required") }
        if let format = body.format, !Subscription.formats.contains(format) {
            return Problem(.subscriptionInvalid, detail: "format must be xml or canonical")
        }
        let known = Set(ingest.validator.registry.messageTypes.map(\.kind))
        if let unknown = (body.kinds ?? []).first(where: { !known.contains(String($0.split(separator: "@").first ?? "")) }) {
            return Problem(.subscriptionInvalid, detail: "unknown message kind '\(unknown)'")
        }
        if let url = body.url, let forwarding, case .failure(let refusal) = await forwarding.targets.check(url: url, resolve: forwarding.resolve) {
            return Problem(webhookTarget: refusal)
        }
        return nil
    }

    func configurationLine(_ caller: Authenticated, _ event: String, _ action: String, _ id: String) -> AuditEntry {
        caller.ingestCaller.auditLine(time: timestamp(), event: event, action: action, object: "subscription:\(id)",
                                      outcome: "success", checks: AuditChecks.authorized,
                                      objectDetail: AuditObject(idType: "urn:perigate:subscription", id: id, objectClass: "system-object"))
    }

    func postSubscription(_ request: Request, _ caller: Authenticated) async throws -> Response {
        guard let forwarding, let body = try await decodeSubscriptionRequest(request) else {
            return Problem(.requestInvalidJson, detail: "send {\"url\", \"kinds\", \"format\"}").response
        }
        if let problem = await subscriptionProblem(body, creating: true) { return problem.response }
        let subscription = Subscription(id: UUID().uuidString.lowercased(), partnerId: caller.partner.id, url: body.url ?? "",
                                        kinds: body.kinds ?? [], format: body.format ?? "xml", secret: WebhookSignature.newSecret(),
                                        createdAt: timestamp())
        try await forwarding.store.addSubscription(subscription, audit: configurationLine(caller, "subscription.add", "C", subscription.id))
        await forwarding.planner.invalidate()
        return JSONResponse.make(SubscriptionReply(subscription: subscription.redacted, secret: subscription.secret), status: .created)
    }

    func getSubscriptions(_ caller: Authenticated) async throws -> Response {
        guard let forwarding else { return JSONResponse.make(["subscriptions": [Subscription]()], status: .ok) }
        let mine = try await forwarding.store.subscriptions().filter { $0.partnerId == caller.partner.id }.map(\.redacted)
        return JSONResponse.make(["subscriptions": mine], status: .ok)
    }

    func patchSubscription(_ request: Request, _ context: GatewayContext, _ caller: Authenticated) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        guard let forwarding,
              var subscription = try await forwarding.store.subscriptions().first(where: { $0.id == id && $0.partnerId == caller.partner.id })
        else { return Problem(.subscriptionNotFound, detail: "no subscription \(id) of this partner").response }
        guard let body = try await decodeSubscriptionRequest(request) else {
            return Problem(.requestInvalidJson, detail: "send the fields to change").response
        }
        if let problem = await subscriptionProblem(body, creating: false) { return problem.response }
        subscription.url = body.url ?? subscription.url
        subscription.kinds = body.kinds ?? subscription.kinds
        subscription.format = body.format ?? subscription.format
        subscription.active = body.active ?? subscription.active
        var newSecret: String?
        if body.rotateSecret == true {
            // The old secret keeps signing (beside the new one) for a day, so receivers can switch over.
            subscription.previousSecret = subscription.secret
            subscription.previousSecretUntil = now().addingTimeInterval(86_400).formatted(.iso8601)
            subscription.secret = WebhookSignature.newSecret()
            newSecret = subscription.secret
        }
        try await forwarding.store.updateSubscription(
            subscription, audit: configurationLine(caller, newSecret == nil ? "subscription.update" : "subscription.rotate-secret", "U", id))
        await forwarding.planner.invalidate()
        return JSONResponse.make(SubscriptionReply(subscription: subscription.redacted, secret: newSecret), status: .ok)
    }

    func deleteSubscription(_ context: GatewayContext, _ caller: Authenticated) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        guard let forwarding,
              try await forwarding.store.deleteSubscription(id: id, partnerId: caller.partner.id,
                                                             audit: configurationLine(caller, "subscription.delete", "D", id))
        else { return Problem(.subscriptionNotFound, detail: "no subscription \(id) of this partner").response }
        await forwarding.planner.invalidate()
        return Response(status: .noContent)
    }

    /// One inbox item: the message as received (addressed), or the partner's view of it.
    struct InboxItem: Encodable {
        var id: String
        var messageId: String
        var kind: String?
        var version: String?
        var receivedAt: String
        var reason: String
        /// The message as received: only for a partner it was addressed to.
        var xml: String?
        /// The partner's view of the message's facts, for every other recipient (data minimisation).
        var record: ClientRecord?
        /// For events (`reason` `event:…`): what happened, e.g. why a subscription was disabled.
        var event: String?
        /// For events about one client (a care claim, an emergency read): her BSN.
        var client: String?
    }

    struct InboxReply: Encodable {
        var items: [InboxItem]
        var nextCursor: Int
    }

    /// `GET /v1/inbox[?cursor=N&limit=M]`: pending messages for the caller, oldest first. Each is
    /// re-checked (a withdrawn consent cancels it) and logged as an export before it is handed out.
    func getInbox(_ request: Request, _ caller: Authenticated) async throws -> Response {
        guard let forwarding else { return JSONResponse.make(InboxReply(items: [], nextCursor: 0), status: .ok) }
        let query = StrictQuery(request)
        let cursor = try query.integer("cursor", default: 0, clampedTo: 0...Int.max)
        let limit = try query.integer("limit", default: 50, clampedTo: 1...500)
        var items: [InboxItem] = []
        var next = cursor
        let check = DeliveryCheck(store: ingest.store, views: clientFile.views, validator: ingest.validator, partners: partners)
        for (position, delivery) in try await forwarding.store.inbox(partnerId: caller.partner.id, after: cursor, limit: limit) {
            next = position
            if delivery.reason.hasPrefix("event:") {
                items.append(InboxItem(id: delivery.id, messageId: delivery.messageId, kind: "event", version: nil, receivedAt: delivery.createdAt,
                                       reason: delivery.reason, xml: nil, record: nil, event: delivery.lastError,
                                       client: delivery.bsn.isEmpty ? nil : delivery.bsn))
                continue
            }
            guard let message = try await ingest.store.message(id: delivery.messageId) else { continue }
            let verdict = try await check.verdict(delivery, partner: caller.partner)
            var line = caller.ingestCaller.auditLine(
                time: timestamp(), event: "message.export", action: "E", object: "bsn:\(delivery.bsn)/message:\(delivery.messageId)",
                outcome: verdict.refusal == nil ? "success" : "refused", checks: verdict.checks, detail: verdict.refusal?.code.rawValue ?? "inbox",
                objectDetail: .client(delivery.bsn, category: message.report.kind ?? "bericht", authorizationProtocol: AccessPolicy.protocolName),
                custodians: message.senderURA.map { [AuditOrganisation(ura: $0)] })
            line.traceId = delivery.id
            if verdict.refusal != nil {
                _ = try await forwarding.store.setDeliveryStatus(id: delivery.id, partnerId: caller.partner.id, status: "cancelled", audit: [line])
                continue
            }
            let original = DeliveryCheck.sendsOriginal(delivery, format: "xml")
            let record = original ? nil : try await check.view(of: message, for: caller.partner)
            try await ingest.store.appendAudit([line])
            items.append(InboxItem(id: delivery.id, messageId: MessageKey.messageId(of: delivery.messageId), kind: message.report.kind,
                                   version: message.report.version,
                                   receivedAt: message.receivedAt, reason: delivery.reason,
                                   xml: original ? String(decoding: message.raw, as: UTF8.self) : nil, record: record, event: nil, client: nil))
        }
        return JSONResponse.make(InboxReply(items: items, nextCursor: next), status: .ok)
    }

    /// `POST /v1/inbox/{id}/ack`: the partner has the message; it leaves the inbox.
    func ackInbox(_ context: GatewayContext, _ caller: Authenticated) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let line = caller.ingestCaller.auditLine(time: timestamp(), event: "delivery.ack", action: "U", object: "delivery:\(id)",
                                                 outcome: "success", checks: AuditChecks.authorized)
        guard let forwarding, try await forwarding.store.setDeliveryStatus(id: id, partnerId: caller.partner.id, status: "acked", audit: [line])
        else { return Problem(.deliveryNotFound, detail: "no inbox item \(id) for this partner").response }
        return Response(status: .noContent)
    }
}

/// The forwarding parts of the gateway: subscriptions and outbox, and the planner to tell about changes.
public struct GatewayForwarding: Sendable {
    public let store: any ForwardingStore
    public let planner: DeliveryPlanner
    /// Where webhooks may go (`delivery.allowedNetworks`, `delivery.allowInsecure`): checked on
    /// every new or changed URL, as the delivery worker checks it before every attempt.
    public let targets: WebhookTargetPolicy
    /// Resolves the host of a new or changed URL (the system resolver by default).
    public let resolve: WebhookTargetPolicy.Resolver
    /// Operator accounts for `/v1/operator/…`; `nil`: no operator endpoints.
    public let operators: (any OperatorRegistry)?

    public init(store: any ForwardingStore, planner: DeliveryPlanner, targets: WebhookTargetPolicy = WebhookTargetPolicy(),
                resolve: @escaping WebhookTargetPolicy.Resolver = WebhookTargetPolicy.systemResolver, operators: (any OperatorRegistry)? = nil) {
        self.store = store
        self.planner = planner
        self.targets = targets
        self.resolve = resolve
        self.operators = operators
    }
}

extension Problem {
    /// A webhook URL the target policy refused: 400 `subscription.invalid` when it is no URL,
    /// else 422 `subscription.url-not-allowed` with the reason (and, for an internal address,
    /// what opens it).
    init(webhookTarget refusal: WebhookTargetRefusal) {
        switch refusal.code {
        case .malformed: self.init(.subscriptionInvalid, detail: "url: \(refusal)")
        case .address: self.init(.subscriptionURLNotAllowed, detail: "url: \(refusal); an operator may open it with delivery.allowedNetworks")
        case .insecure: self.init(.subscriptionURLNotAllowed, detail: "url: \(refusal); an operator may allow it with delivery.allowInsecure")
        case .scheme, .unresolvable: self.init(.subscriptionURLNotAllowed, detail: "url: \(refusal)")
        }
    }
}

extension GatewayServer {
    /// Forwarding (subscriptions, the inbox) is for partners whose type takes part: any other
    /// gets 403 `access.partner-type`, audited — also when the database holds such a partner.
    func carePartnerOnly(_ caller: Authenticated, _ event: String, _ body: () async throws -> Response) async throws -> Response {
        guard !AccessPolicy.takesPart(caller.partner.type) else { return try await body() }
        let refusal = AccessPolicy.Refusal(code: .partnerType, reason: "partner type '\(caller.partner.type)' may not take part in the exchange")
        try await ingest.store.appendAudit([caller.ingestCaller.auditLine(
            time: timestamp(), event: event, action: "E", object: "partner:\(caller.partner.id)", outcome: "refused",
            checks: AuditChecks.unauthorized, detail: refusal.code.rawValue)])
        return Problem(refusal: refusal).response
    }
}
