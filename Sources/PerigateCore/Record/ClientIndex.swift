/// What access decisions and routing need of her messages, kept per client and updated with
/// every accepted message in the store's own transaction (docs/canonical-record.md, "Stored
/// record"): her care team as her messages make it, the consent purposes her messages carry and
/// the organisations that made her data available. Small: it grows with the organisations in
/// her care, not with her messages.
public struct ClientIndex: Sendable, Codable, Hashable {
    /// Accepted messages about her.
    public private(set) var messages = 0
    /// Her care team from her messages alone, in storage order (her own confirmations are added
    /// when a decision is made: ``AccessPolicy/Client``).
    public private(set) var team = CareTeam(messages: [])
    /// The consent purposes her messages carry (`toestemming/doel`), each once, in storage order.
    public private(set) var consentPurposes: [String] = []
    /// The senders of her messages, each once (by URA, else name), in storage order.
    public private(set) var custodians: [OrganisationRef] = []

    /// The index of nothing: no message of hers is known.
    public init() {}

    /// The index after `messages` (storage order).
    public init(messages facts: [MessageFacts]) {
        for message in facts { add(message) }
    }

    /// Takes one more accepted message into account (the next in storage order).
    public mutating func add(_ message: MessageFacts) {
        messages += 1
        team.add(message)
        for purpose in message.consents.map(\.purpose) where !consentPurposes.contains(purpose) { consentPurposes.append(purpose) }
        let sender = message.provenance.sender
        if !custodians.contains(where: { ($0.ura ?? $0.name ?? "") == (sender.ura ?? sender.name ?? "") }) { custodians.append(sender) }
    }

    /// The same with one more message.
    public func adding(_ message: MessageFacts) -> ClientIndex {
        var copy = self
        copy.add(message)
        return copy
    }
}
