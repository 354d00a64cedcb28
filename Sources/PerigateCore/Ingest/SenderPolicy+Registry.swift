import Foundation

/// The partner registry is the truth about senders (issue 17, item 5): a message's name, AGB and
/// type of its sending organisation must match the registered partner that authenticated. A
/// mismatch does not refuse the message — the URA rule (``SenderPolicy/refusal(authenticatedURA:claimed:)``)
/// already proved who sent it — but the receipt carries a `sender.registry-mismatch` warning per
/// field, and the facts show the registry's values, so a record's provenance never names an
/// organisation the partner is not.
extension SenderPolicy {
    /// The code of the receipt warning.
    public static let registryMismatchCode = "sender.registry-mismatch"

    /// `facts` with every organisation that carries the sender's URA (provenance, care team,
    /// events, care period) shown with the `registered` name, AGB and type, and one warning per
    /// field in which the message's sender differs from the registry (`naam`, `agb`, `type`).
    public static func registered(_ facts: MessageFacts, as registered: OrganisationRef) -> (facts: MessageFacts, warnings: [ValidationIssue]) {
        let warnings = mismatchedFields(claimed: facts.provenance.sender, registered: registered).map { field in
            ValidationIssue(code: registryMismatchCode, severity: .warning,
                            message: "the sending organisation's \(field) in the message differs from the partner registry; the record shows the registered value")
        }
        return (withRegisteredSender(facts, registered), warnings)
    }

    /// The fields (`naam`, `agb`, `type`) the message gives for its sender that differ from the
    /// registry. A field the message leaves out is not a mismatch; one the registry lacks is.
    /// Names compare without case and extra whitespace.
    public static func mismatchedFields(claimed: OrganisationRef, registered: OrganisationRef) -> [String] {
        var fields: [String] = []
        if let name = claimed.name, folded(name) != registered.name.map(folded) { fields.append("naam") }
        if let agb = claimed.agb, agb.trimmingCharacters(in: .whitespaces) != registered.agb { fields.append("agb") }
        if let type = claimed.type, type.lowercased() != registered.type?.lowercased() { fields.append("type") }
        return fields
    }

    /// `facts` with the registry's identity for every organisation with the sender's URA.
    public static func withRegisteredSender(_ facts: MessageFacts, _ registered: OrganisationRef) -> MessageFacts {
        guard let ura = facts.provenance.sender.ura ?? registered.ura else { return facts }
        var result = facts
        result.provenance.sender.ura = ura
        return result.mappingOrganisations { organisation in
            guard let own = organisation.ura, sameOrganisation(own, ura) else { return organisation }
            return OrganisationRef(ura: own, agb: registered.agb, name: registered.name, type: registered.type, lvrId: organisation.lvrId)
        }
    }

    /// `facts` with every organisation it names only by its LVR id (kernset messages) shown as the
    /// registered partner with that LVR id — URA, name, AGB and type — so care relationships,
    /// routing and provenance treat it as that partner. The active care partner first when two
    /// registrations share an LVR id; an LVR id no partner has stays as it is.
    public static func resolvingLVR(_ facts: MessageFacts, partners: [Partner]) -> MessageFacts {
        let holders = partners.filter { $0.lvr != nil }
        guard !holders.isEmpty else { return facts }
        return facts.mappingOrganisations { organisation in
            guard organisation.ura == nil, let lvr = organisation.lvrId else { return organisation }
            guard var registered = registration(among: holders.filter { $0.lvr == lvr })?.organisation else { return organisation }
            registered.lvrId = lvr
            return registered
        }
    }

    /// The registered identity of the organisation with `ura` among `partners`: a care partner
    /// that is not revoked first (two registrations may share a URA), else any with that URA.
    public static func registeredOrganisation(ura: String, in partners: [Partner]) -> OrganisationRef? {
        registration(among: partners.filter { sameOrganisation($0.ura, ura) })?.organisation
    }

    /// Which of an organisation's registrations speaks for it: a care partner that is not revoked
    /// first, else the first.
    static func registration(among candidates: [Partner]) -> Partner? {
        candidates.first { !$0.revoked && Partner.types.contains($0.type) } ?? candidates.first
    }

    /// A stored message's facts with the registered identity of the partner that sent it (by its
    /// partner id: two registrations may share a URA), else of its sender's URA
    /// (``withRegisteredSenders(_:partners:)``) — as ingest named it; LVR ids resolved first.
    public static func withRegisteredSender(of message: StoredMessage, _ facts: MessageFacts, partners: [Partner]) -> MessageFacts {
        if let id = message.senderPartnerId, let partner = partners.first(where: { $0.id == id }) {
            return withRegisteredSender(resolvingLVR(facts, partners: partners), partner.organisation)
        }
        return withRegisteredSenders([facts], partners: partners)[0]
    }

    /// Every message's facts with its sender's registered identity, where the registry knows the sender.
    /// Organisations named only by LVR id are resolved first (``resolvingLVR(_:partners:)``).
    public static func withRegisteredSenders(_ facts: [MessageFacts], partners: [Partner]) -> [MessageFacts] {
        facts.map { resolvingLVR($0, partners: partners) }.map { message in
            guard let ura = message.provenance.sender.ura, let registered = registeredOrganisation(ura: ura, in: partners) else { return message }
            return withRegisteredSender(message, registered)
        }
    }

    static func folded(_ name: String) -> String {
        name.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

extension MessageFacts {
    /// The facts with `transform` applied to every organisation they name: the sender, the care
    /// team (and its persons' organisations), the events' sides, the care period and the
    /// children's birth hospitals.
    func mappingOrganisations(_ transform: (OrganisationRef) -> OrganisationRef) -> MessageFacts {
        var result = self
        result.provenance.sender = transform(provenance.sender)
        result.careTeam.organisations = careTeam.organisations.map(transform)
        result.careTeam.persons = careTeam.persons.map { person in
            var person = person
            person.organisation = person.organisation.map(transform)
            return person
        }
        result.events = events.map { event in
            var event = event
            event.from = transform(event.from)
            event.to = event.to.map(transform)
            let person = event.fromPerson?.organisation.map(transform)
            event.fromPerson?.organisation = person
            return event
        }
        result.carePeriod?.organisation = carePeriod?.organisation.map(transform)
        result.children = children.map { child in
            var child = child
            child.birthHospital = child.birthHospital.map(transform)
            return child
        }
        return result
    }
}
