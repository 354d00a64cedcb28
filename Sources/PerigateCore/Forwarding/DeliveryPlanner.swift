import Foundation
import PerigateXML

/// Plans the outbox rows for a newly accepted message (``DeliveryRouter``), with the partner and
/// subscription lists cached briefly: a partner or subscription change made in this process is
/// seen at once (``invalidate()``), one made by another process within `lifetime`.
public actor DeliveryPlanner {
    let partners: any PartnerRegistry
    let forwarding: any ForwardingStore
    let store: any MessageStore
    let views: ViewPolicy
    let mapper: CanonicalMapper
    let parser: SafeXMLParser
    let lifetime: Duration
    private var cached: (partners: [Partner], subscriptions: [Subscription], at: ContinuousClock.Instant)?

    public init(partners: any PartnerRegistry, forwarding: any ForwardingStore, store: any MessageStore, views: ViewPolicy,
                validator: MessageValidator, lifetime: Duration = .seconds(2)) {
        self.partners = partners
        self.forwarding = forwarding
        self.store = store
        self.views = views
        self.mapper = CanonicalMapper(validator: validator)
        self.parser = validator.parser
        self.lifetime = lifetime
    }

    /// Forget the cached lists (after a change in this process).
    public func invalidate() {
        cached = nil
    }

    /// The registered partners (cached like the routing's own reads).
    public func registeredPartners() async throws -> [Partner] {
        try await directory().partners
    }

    private func directory() async throws -> (partners: [Partner], subscriptions: [Subscription]) {
        if let cached, ContinuousClock.now - cached.at < lifetime { return (cached.partners, cached.subscriptions) }
        let fresh = (try await partners.partners(), try await forwarding.subscriptions())
        cached = (fresh.0, fresh.1, ContinuousClock.now)
        return fresh
    }

    /// How a receipt names planned deliveries: `inbox:ura:40506070`, `webhook:ura:27654321`.
    /// Notices to her care team (events) are not the sender's business and are left out.
    public static func receiptNames(_ deliveries: [Delivery]) -> [String] {
        deliveries.filter { !$0.reason.hasPrefix("event:") }.map { "\($0.subscriptionId == nil ? "inbox" : "webhook"):ura:\($0.partnerURA)" }
    }

    /// The deliveries planned for a stored message (for the receipt of a re-send).
    public func planned(messageId: String) async throws -> [Delivery] {
        try await forwarding.deliveries(messageId: messageId)
    }

    /// The receipt warnings for addressed recipients that will not get `facts` (``NotForwarded``).
    /// `consents`: her registrations as the caller already read them (oldest first).
    public func notForwarded(for facts: MessageFacts, senderURA: String, consents: [ExchangeConsent]) async throws -> [ValidationIssue] {
        guard !DeliveryRouter.addressed(facts).isEmpty else { return [] }
        let partners = try await directory().partners
        return NotForwarded.warnings(facts, senderURA: senderURA, partners: partners, consents: consents)
    }

    /// The deliveries for `facts`, sent by `sender`, created at `now`, given what the gateway
    /// knew of her before (`client`); with `claim`, also an inbox event for each member of her
    /// established care team (``CareTeamNotice``).
    public func deliveries(for facts: MessageFacts, sender: Partner, client: AccessPolicy.Client, claim: Bool = false,
                           now: Date) async throws -> [Delivery] {
        let (partners, subscriptions) = try await directory()
        let time = now.formatted(.iso8601)
        let notices = claim ? CareTeamNotice.events(CareTeamNotice.claim, bsn: facts.client.bsn, messageId: facts.provenance.messageId,
                                                    actor: sender, team: client.team, partners: partners, time: time) : []
        return notices + DeliveryRouter.plan(facts, senderURA: sender.ura, partners: partners, subscriptions: subscriptions,
                                             client: client, views: views).map { plan in
            Delivery(messageId: facts.provenance.messageId, bsn: facts.client.bsn, partnerId: plan.partner.id, partnerURA: plan.partner.ura,
                     subscriptionId: plan.subscription?.id, reason: plan.reason, nextAttemptAt: time, createdAt: time)
        }
    }
}
