/// Who receives a newly accepted message (pure; tested on its own).
///
/// - Every active partner named as a recipient (`ontvanger`) — other than the sender — gets it:
///   through each of its matching subscriptions, or else in its pull inbox.
/// - Every other partner with a matching active subscription gets it only when it may read the
///   client's file (``AccessPolicy/recordRead(by:facts:consents:views:emergency:)``: partner type,
///   care relationship, consent).
/// - Nobody gets it while the client's latest registered consent is a withdrawal.
public enum DeliveryRouter {
    public struct Plan: Sendable, Hashable {
        public var partner: Partner
        public var subscription: Subscription?
        /// `addressed` or `subscribed`.
        public var reason: String
    }

    /// `history` is every earlier message about her (for the care relationship of subscribers);
    /// it is only needed when a non-addressed subscription matches (see ``needsHistory``).
    /// `addressed`: the message's ``addressed(_:)`` set when the caller has it already.
    public static func plan(_ facts: MessageFacts, senderURA: String, partners: [Partner], subscriptions: [Subscription],
                            history: [MessageFacts], consents: [ExchangeConsent], views: ViewPolicy, addressed: Set<String>? = nil) -> [Plan] {
        if consents.last?.status == .withdrawn { return [] }
        let addressed = addressed ?? Self.addressed(facts)
        let kind = facts.provenance.kind, version = facts.provenance.version
        var plans: [Plan] = []
        for partner in partners where !partner.revoked && !SenderPolicy.sameOrganisation(partner.ura, senderURA) {
            let matching = subscriptions.filter { $0.partnerId == partner.id && $0.active && $0.matches(kind: kind, version: version) }
            if addressed.contains(SenderPolicy.normalised(partner.ura)) {
                guard !AccessPolicy.excludedTypes.contains(partner.type) else { continue }
                plans += matching.isEmpty ? [Plan(partner: partner, subscription: nil, reason: "addressed")]
                    : matching.map { Plan(partner: partner, subscription: $0, reason: "addressed") }
            } else if !matching.isEmpty,
                      case .allowed = AccessPolicy.recordRead(by: partner, facts: history + [facts], consents: consents, views: views) {
                plans += matching.map { Plan(partner: partner, subscription: $0, reason: "subscribed") }
            }
        }
        return plans
    }

    /// Whether routing needs her earlier messages: only when a partner that is not addressed has
    /// a matching subscription.
    public static func needsHistory(_ facts: MessageFacts, senderURA: String, partners: [Partner], subscriptions: [Subscription],
                                    addressed: Set<String>? = nil) -> Bool {
        let addressed = addressed ?? Self.addressed(facts)
        let others = Set(partners.filter { !addressed.contains(SenderPolicy.normalised($0.ura)) && !SenderPolicy.sameOrganisation($0.ura, senderURA) }
            .map(\.id))
        return subscriptions.contains { others.contains($0.partnerId) && $0.active
            && $0.matches(kind: facts.provenance.kind, version: facts.provenance.version) }
    }

    /// The recipients a message names (`ontvanger` of its events), as normalised URAs: the one
    /// definition of "addressed".
    public static func addressed(_ facts: MessageFacts) -> Set<String> {
        Set(facts.events.flatMap(\.to).compactMap(\.ura).map(SenderPolicy.normalised))
    }
}
