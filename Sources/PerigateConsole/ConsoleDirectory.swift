import PerigateCore

/// A partner as the console shows it: its name, with the URA beside it (or its id when it is
/// not registered).
struct PartyText {
    var name: String
    /// The URA (or partner id) the name stands for, for the `title` attribute and beside the name.
    var identifier: String
}

/// The one look-up of names the console shows instead of bare URAs, partner ids and
/// subscription UUIDs: read once per page from the registries.
struct ConsoleDirectory {
    let partnersById: [String: Partner]
    let partnersByURA: [String: Partner]
    let subscriptions: [String: Subscription]

    init(partners: [Partner], subscriptions: [Subscription]) {
        partnersById = Dictionary(partners.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        partnersByURA = Dictionary(partners.map { ($0.ura, $0) }, uniquingKeysWith: { first, _ in first })
        self.subscriptions = Dictionary(subscriptions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// A sender or recipient by URA: its registered name, else the URA alone.
    func party(ura: String?) -> PartyText {
        guard let ura, !ura.isEmpty else { return PartyText(name: "–", identifier: "") }
        return PartyText(name: partnersByURA[ura]?.name ?? "onbekende partner", identifier: "URA \(ura)")
    }

    /// A partner by id: its name with its URA, else the id.
    func party(id: String) -> PartyText {
        guard let partner = partnersById[id] else { return PartyText(name: id, identifier: id) }
        return PartyText(name: partner.name, identifier: "URA \(partner.ura)")
    }

    /// Where a delivery goes: the subscription's URL (its id in the title), or the pull inbox.
    func target(subscriptionId: String?) -> PartyText {
        guard let id = subscriptionId else { return PartyText(name: "pull-inbox", identifier: "") }
        return PartyText(name: subscriptions[id]?.url ?? id, identifier: "abonnement \(id)")
    }
}

extension OperatorConsole {
    /// The directory of the store's partners and subscriptions now.
    func directory() async throws -> ConsoleDirectory {
        ConsoleDirectory(partners: try await store.partners(), subscriptions: try await store.subscriptions())
    }
}
