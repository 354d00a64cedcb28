import PerigateXML

/// The re-check of a planned delivery just before it is handed out — by the webhook worker and
/// by the pull inbox alike — and what the recipient may receive of it (data minimisation).
public struct DeliveryCheck: Sendable {
    public let store: any MessageStore
    public let views: ViewPolicy
    /// The registry whose names, AGBs and types a view shows for senders (as her file does).
    public let partners: (any PartnerRegistry)?
    let mapper: CanonicalMapper
    let parser: SafeXMLParser
    let records: ClientRecords

    public init(store: any MessageStore, views: ViewPolicy, validator: MessageValidator, partners: (any PartnerRegistry)? = nil) {
        self.store = store
        self.views = views
        self.partners = partners
        mapper = CanonicalMapper(validator: validator)
        parser = validator.parser
        records = ClientRecords(store: store, validator: validator, partners: partners)
    }

    /// May `delivery` still go to `partner`? ``AccessPolicy/Purpose/delivery(addressed:)`` on what
    /// the gateway knows of her now (a withdrawal since planning cancels it).
    public func verdict(_ delivery: Delivery, partner: Partner) async throws -> AccessPolicy.Verdict {
        let addressed = delivery.reason == "addressed"
        // An addressed delivery depends on her consent and the partner only; a subscription also
        // on the partner's care relationship (her stored index).
        let client = addressed ? AccessPolicy.Client(index: ClientIndex(), consents: try await store.consents(bsn: delivery.bsn))
            : try await records.client(delivery.bsn)
        return AccessPolicy.decide(.delivery(addressed: addressed), by: partner, for: client, views: views)
    }

    /// What the recipient receives: the original message only when it was addressed (with the
    /// subscription's format); every other recipient its view of the message's facts — never the
    /// original, which holds more than its view allows.
    public static func sendsOriginal(_ delivery: Delivery, format: String) -> Bool {
        delivery.reason == "addressed" && format == "xml"
    }

    /// The partner's view of one message (canonical JSON), for recipients that get no original.
    public func view(of message: StoredMessage, for partner: Partner) async throws -> ClientRecord {
        var facts = [try mapper.facts(of: message, parser: parser)]
        if let partners { facts = SenderPolicy.withRegisteredSenders(facts, partners: try await partners.partners()) }
        return try views.view(try ClientRecord.build(from: facts), for: partner.type)
    }
}
