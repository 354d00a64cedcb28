/// Who receives a newly accepted message (pure; tested on its own).
///
/// - Every active partner named as a recipient (`ontvanger`) — other than the sender — gets it:
///   through each of its matching subscriptions, or else in its pull inbox.
/// - Every other partner with a matching active subscription gets it only when it may read the
///   client's file (``AccessPolicy/decide(_:by:for:views:)``: partner type, established care
///   relationship, consent).
/// - Nobody gets it while the client's latest registered consent is a withdrawal; excluded
///   partner types never.
public enum DeliveryRouter {
    public struct Plan: Sendable, Hashable {
        public var partner: Partner
        public var subscription: Subscription?
        /// `addressed` or `subscribed`.
        public var reason: String
    }

    /// `client` is what the gateway knew of her before this message (her earlier messages,
    /// consents, confirmations): a subscriber that is not addressed gets the message only when
    /// it may read her file with this message added (``AccessPolicy/Purpose/delivery(addressed:)``).
    public static func plan(_ facts: MessageFacts, senderURA: String, partners: [Partner], subscriptions: [Subscription],
                            client: AccessPolicy.Client, views: ViewPolicy) -> [Plan] {
        let addressed = Self.addressed(facts)
        let kind = facts.provenance.kind, version = facts.provenance.version
        let after = client.adding(facts)
        var plans: [Plan] = []
        for partner in partners where !partner.revoked && !SenderPolicy.sameOrganisation(partner.ura, senderURA) {
            let matching = subscriptions.filter { $0.partnerId == partner.id && $0.active && $0.matches(kind: kind, version: version) }
            let isAddressed = addressed.contains(SenderPolicy.normalised(partner.ura))
            guard isAddressed || !matching.isEmpty,
                  case .allowed = AccessPolicy.decide(.delivery(addressed: isAddressed), by: partner, for: after, views: views).decision
            else { continue }
            let reason = isAddressed ? "addressed" : "subscribed"
            plans += matching.isEmpty ? [Plan(partner: partner, subscription: nil, reason: reason)]
                : matching.map { Plan(partner: partner, subscription: $0, reason: reason) }
        }
        return plans
    }

    /// The recipients a message names (`ontvanger` of its events), as normalised URAs: the one
    /// definition of "addressed".
    public static func addressed(_ facts: MessageFacts) -> Set<String> {
        Set(facts.events.flatMap(\.to).compactMap(\.ura).map(SenderPolicy.normalised))
    }
}
