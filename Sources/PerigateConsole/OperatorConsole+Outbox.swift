import Foundation
import Hummingbird
import PerigateCore

/// Deliveries (dead letters, failing subscriptions, retry and replay) and partners and
/// subscriptions (enable, disable): the same store functions as the CLI and the operator API.
extension OperatorConsole {
    struct DeliveriesPage {
        var dead: [DeliveryRow]
        var deadLinks: PageLinks
        var failing: [SubscriptionRow]
        var failingLinks: PageLinks
        var queues: [QueueRow]
        var since: String
    }

    struct SubscriptionRow {
        var id: String
        var partner: PartyText
        var url: String
        var kinds: String
        var format: String
        var active: Bool
        var failingSince: String?
        var disabledReason: CodeText?
    }

    /// Rows per page of the deliveries and partners pages.
    static let listSize = 50

    /// `GET /console/deliveries?pagina=&falend-pagina=`.
    func deliveries(_ request: Request, _ caller: Caller) async throws -> Response {
        let directory = try await directory()
        let (deadPage, deadLinks) = Paging(request, size: Self.listSize).slice(try await store.deliveries(status: "dead"))
        var dead: [DeliveryRow] = []
        for delivery in deadPage {
            dead.append(try await deliveryRow(delivery, directory: directory))
        }
        let subscriptions = try await store.subscriptions()
        let (failing, failingLinks) = Paging(request, parameter: "falend-pagina", size: Self.listSize)
            .slice(subscriptions.filter { $0.failingSince != nil || $0.disabledReason != nil }.map { Self.row($0, directory: directory) })
        let page = DeliveriesPage(dead: dead, deadLinks: deadLinks, failing: failing, failingLinks: failingLinks,
                                  queues: try await queues(now: now(), directory: directory),
                                  since: String(ConsoleFormat.iso(now().addingTimeInterval(-86400)).prefix(10)))
        try await store.appendAudit([caller.line("console.view", "R", "console:/console/deliveries", detail: "\(dead.count) dead letters")])
        return html(render("deliveries", Shell(caller: caller, title: "Afleveringen", section: "deliveries", page: page)))
    }

    static func row(_ subscription: Subscription, directory: ConsoleDirectory) -> SubscriptionRow {
        SubscriptionRow(id: subscription.id, partner: directory.party(id: subscription.partnerId), url: subscription.url,
                        kinds: subscription.kinds.isEmpty ? "alle" : subscription.kinds.joined(separator: ", "), format: subscription.format,
                        active: subscription.active, failingSince: subscription.failingSince.map(ConsoleFormat.time),
                        disabledReason: subscription.disabledReason.map(CodeText.init))
    }

    /// `POST /console/deliveries/{id}/retry`.
    func retry(_ id: String, _ caller: Caller) async throws -> Response {
        let found = try await store.retryDelivery(id: id, audit: caller.line("delivery.retry", "U", "delivery:\(id)"))
        return found ? notice(caller, "Opnieuw in de wachtrij", "Aflevering \(id) wordt nu opnieuw geprobeerd (zelfde webhook-id).")
            : notice(caller, "Niet gevonden", "Er is geen aflevering \(id).", status: .notFound)
    }

    struct ReplayForm: Decodable, CSRFCarrying {
        var csrf: String?
        var sinds: String?
    }

    /// `POST /console/subscriptions/{id}/replay`: sent and dead deliveries since a date or time, again.
    func replay(_ id: String, _ caller: Caller, _ form: ReplayForm) async throws -> Response {
        guard let since = ConsoleFormat.bound(form.sinds, upper: false), (try? Date(since, strategy: .iso8601)) != nil else {
            return notice(caller, "Opnieuw versturen", "Geef een datum (JJJJ-MM-DD) of tijd (ISO 8601, UTC) op.", status: .badRequest)
        }
        let count = try await store.replayDeliveries(subscription: id, since: since, audit: caller.line("delivery.replay", "U", "subscription:\(id)"))
        return notice(caller, "Opnieuw versturen", "\(count) afleveringen van abonnement \(id) sinds \(ConsoleFormat.time(since)) staan opnieuw in de wachtrij.")
    }

    struct PartnersPage {
        var partners: [PartnerRow]
        var partnerLinks: PageLinks
        var subscriptions: [SubscriptionRow]
        var subscriptionLinks: PageLinks
    }

    struct PartnerRow {
        var id: String
        var name: String
        var type: String
        var ura: String
        var agb: String
        var active: Bool
        var createdAt: String
    }

    /// `GET /console/partners?pagina=&abonnementen-pagina=`.
    func partners(_ request: Request, _ caller: Caller) async throws -> Response {
        let all = try await store.partners()
        let subscriptions = try await store.subscriptions()
        let directory = ConsoleDirectory(partners: all, subscriptions: subscriptions)
        let (partners, partnerLinks) = Paging(request, size: Self.listSize).slice(all.map {
            PartnerRow(id: $0.id, name: $0.name, type: $0.type, ura: $0.ura, agb: $0.agb ?? "–", active: !$0.revoked,
                       createdAt: ConsoleFormat.time($0.createdAt))
        })
        let (rows, subscriptionLinks) = Paging(request, parameter: "abonnementen-pagina", size: Self.listSize)
            .slice(subscriptions.map { Self.row($0, directory: directory) })
        let page = PartnersPage(partners: partners, partnerLinks: partnerLinks, subscriptions: rows, subscriptionLinks: subscriptionLinks)
        try await store.appendAudit([caller.line("console.view", "R", "console:/console/partners")])
        return html(render("partners", Shell(caller: caller, title: "Partners en abonnementen", section: "partners", page: page)))
    }

    /// `POST /console/partners/{id}/enable|disable`: a disabled partner's token and certificate open nothing.
    func setPartner(_ id: String, enabled: Bool, _ caller: Caller) async throws -> Response {
        let found = try await store.setPartnerRevoked(id: id, revoked: !enabled,
                                                      audit: caller.line(enabled ? "partner.enable" : "partner.revoke", "U", "partner:\(id)"))
        return found ? notice(caller, "Partner \(enabled ? "ingeschakeld" : "uitgeschakeld")",
                              "Partner \(id) is \(enabled ? "weer actief" : "uitgeschakeld: zijn token en certificaat geven geen toegang meer").")
            : notice(caller, "Niet gevonden", "Er is geen partner \(id).", status: .notFound)
    }

    /// `POST /console/subscriptions/{id}/enable|disable`: enabling also clears the failure state.
    func setSubscription(_ id: String, enabled: Bool, _ caller: Caller) async throws -> Response {
        guard var subscription = try await store.subscriptions().first(where: { $0.id == id }) else {
            return notice(caller, "Niet gevonden", "Er is geen abonnement \(id).", status: .notFound)
        }
        subscription.active = enabled
        if enabled {
            subscription.failingSince = nil
            subscription.disabledReason = nil
        } else {
            subscription.disabledReason = "disabled by operator \(caller.account.id)"
        }
        try await store.updateSubscription(subscription, audit: caller.line(enabled ? "subscription.enable" : "subscription.disable", "U",
                                                                           "subscription:\(id)"))
        return notice(caller, "Abonnement \(enabled ? "ingeschakeld" : "uitgeschakeld")",
                      "Abonnement \(id) is \(enabled ? "actief; wachtende afleveringen gaan weer uit" : "uitgeschakeld; wachtende afleveringen worden geannuleerd").")
    }
}
