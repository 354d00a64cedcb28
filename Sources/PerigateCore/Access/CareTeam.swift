/// Her care team as the gateway knows it: which organisations have an **established** care
/// relationship with her, and which only an **unconfirmed claim** (docs/access.md).
///
/// Derived in one pass over her accepted messages in storage order and her own confirmations:
/// - the first organisation that sends a message about her establishes itself (intake);
/// - an established organisation establishes every organisation its messages address or hand
///   care over to (`ontvanger`, referral and handover targets);
/// - she herself confirms an organisation through her client portal;
/// - any other sender has an unconfirmed claim: its messages are stored and reach their
///   addressed recipients, but it gets nothing of hers until (b) or (c) happens.
public struct CareTeam: Sendable, Hashable, Codable {
    /// Normalised URAs with an established care relationship.
    public private(set) var established: Set<String> = []
    /// Normalised URA → the id of the first message by which it claimed a relationship, for the
    /// organisations whose only link is their own message.
    public private(set) var claims: [String: String] = [:]
    /// Whether a message about her has been taken in: intake is the first message's sender, also
    /// when she confirmed an organisation before any message arrived.
    private var intake = false

    /// The team after her `messages` (storage order) and her `confirmations` (URAs she confirmed).
    public init(messages: [MessageFacts], confirmations: [String] = []) {
        for message in messages { add(message) }
        self = confirming(confirmations)
    }

    /// Whether the organisation with this URA has an established relationship with her.
    public func isEstablished(_ ura: String) -> Bool {
        established.contains(SenderPolicy.normalised(ura))
    }

    /// Whether `message` would be a new claim: from a sender who is neither established nor
    /// already claiming, about a client who already has a care team.
    public func isNewClaim(_ message: MessageFacts) -> Bool {
        guard let sender = message.provenance.sender.ura.map(SenderPolicy.normalised), intake else { return false }
        return !established.contains(sender) && claims[sender] == nil
    }

    /// Takes one more message into account (the next in storage order).
    public mutating func add(_ message: MessageFacts) {
        guard let sender = message.provenance.sender.ura.map(SenderPolicy.normalised) else { return }
        if !intake { establish(sender) }
        intake = true
        guard established.contains(sender) else {
            if claims[sender] == nil { claims[sender] = message.provenance.messageId }
            return
        }
        let named = message.events.flatMap { [$0.from] + $0.to }.compactMap(\.ura).map(SenderPolicy.normalised)
        for ura in named { establish(ura) }
    }

    /// The team with the organisations she confirmed herself (URAs) established as well.
    public func confirming(_ confirmations: [String]) -> CareTeam {
        var copy = self
        for ura in confirmations { copy.establish(SenderPolicy.normalised(ura)) }
        return copy
    }

    private mutating func establish(_ ura: String) {
        established.insert(ura)
        claims[ura] = nil
    }
}
