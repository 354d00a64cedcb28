import PerigateXML

/// Who may read a client's record (pure functions; the server and the CLI share them).
///
/// A partner may read only when all hold, checked in this order:
/// 1. its type is a care type with a view — health insurers and company/insurance doctors never
///    (Wabvpz 15f), whatever the configuration says;
/// 2. a **care relationship**: it sent a message about her, was addressed in one, or is the
///    target of a referral/handover about her;
/// 3. the client's **consent for exchange**: the latest registered ``ExchangeConsent`` is
///    `given`, or (without any registration) a consent carried in a message whose purpose the
///    partner type's view accepts (the PHB referral's consent opens her file to JGZ). A
///    registered withdrawal overrides consents carried in messages.
public enum AccessPolicy {
    /// Names this policy in audit lines (with its version).
    public static let protocolName = "perigate-access-policy/1"

    /// Partner types that never get client data.
    public static let excludedTypes: Set<String> = ["zorgverzekeraar", "bedrijfsarts", "verzekeringsarts"]

    /// The decision for one read.
    public enum Decision: Sendable, Hashable {
        /// Allowed; `basis` names the consent that allowed it (for the audit line).
        case allowed(basis: String)
        case refused(Refusal)
    }

    /// Why a read was refused: a stable code (problem `code`, audit) and a sentence.
    public struct Refusal: Sendable, Hashable, Error {
        public var code: Code
        public var reason: String

        public init(code: Code, reason: String) {
            self.code = code
            self.reason = reason
        }

        /// A refusal's stable code (in problem bodies and audit lines).
        public struct Code: StableCode {
            /// The stable string, e.g. `access.no-consent`.
            public var rawValue: String

            /// A code from its stable string.
            public init(rawValue: String) { self.rawValue = rawValue }

            /// The partner's type may not take part (insurer, company doctor).
            public static let partnerType: Code = "access.partner-type"
            /// No care relationship with her.
            public static let noCareRelationship: Code = "access.no-care-relationship"
            /// No consent for exchange registered.
            public static let noConsent: Code = "access.no-consent"
            /// Her latest registration is a withdrawal.
            public static let consentWithdrawn: Code = "access.consent-withdrawn"
            /// A client credential used for another client.
            public static let otherClient: Code = "access.other-client"
        }
    }

    /// May `partner` read the record built from `facts`, given the registered `consents`
    /// (oldest first)? `facts` empty means the gateway knows nothing of her: refused like a missing
    /// care relationship, so a partner cannot probe which BSNs are known.
    ///
    /// `emergency` (break-the-glass, with a reason recorded by the caller) skips the care
    /// relationship and consent checks — never the partner type — and is flagged in the log.
    public static func recordRead(by partner: Partner, facts: [MessageFacts], consents: [ExchangeConsent],
                                  views: ViewPolicy, emergency: Bool = false) -> Decision {
        guard !excludedTypes.contains(partner.type), let view = views.views[partner.type] else {
            return .refused(Refusal(code: .partnerType,
                                    reason: "partner type '\(partner.type)' never receives client data"))
        }
        if emergency { return .allowed(basis: "emergency") }
        guard careOrganisations(in: facts).contains(SenderPolicy.normalised(partner.ura)) else {
            return .refused(Refusal(code: .noCareRelationship,
                                    reason: "no care relationship with this client is known to the gateway"))
        }
        if let latest = consents.last {
            return latest.status == .given ? .allowed(basis: "consent:registered")
                : .refused(Refusal(code: .consentWithdrawn, reason: "the client withdrew her consent for exchange"))
        }
        let purposes = Set(view.consentPurposes ?? [])
        if let purpose = facts.flatMap(\.consents).map(\.purpose).first(where: purposes.contains) {
            return .allowed(basis: "consent:\(purpose)")
        }
        return .refused(Refusal(code: .noConsent, reason: "no consent for exchange is registered for this client"))
    }

    /// The checks string of an audit line for a read: authorization (partner type), care
    /// relationship, consent, emergency procedure — `T`/`F` per position, `-` when not reached.
    public static func readChecks(by partner: Partner, facts: [MessageFacts], consents: [ExchangeConsent],
                                  views: ViewPolicy, emergency: Bool) -> String {
        let typeAllowed = !excludedTypes.contains(partner.type) && views.views[partner.type] != nil
        guard typeAllowed else { return "F--" + (emergency ? "T" : "F") }
        let related = careOrganisations(in: facts).contains(SenderPolicy.normalised(partner.ura))
        var consented = false
        if case .allowed = recordRead(by: partner, facts: facts, consents: consents, views: views) { consented = true }
        let consent = related || emergency ? (consented ? "T" : "F") : "-"
        return "T" + (related ? "T" : "F") + consent + (emergency ? "T" : "F")
    }

    /// May `partner` act for the client (register her consent, show her her access log)? It needs
    /// an allowed type and a care relationship, but not her consent for exchange. `nil` when it may,
    /// else the refusal.
    public static func careTeamRefusal(by partner: Partner, facts: [MessageFacts], views: ViewPolicy) -> Refusal? {
        guard !excludedTypes.contains(partner.type), views.views[partner.type] != nil else {
            return Refusal(code: .partnerType, reason: "partner type '\(partner.type)' never receives client data")
        }
        guard careOrganisations(in: facts).contains(SenderPolicy.normalised(partner.ura)) else {
            return Refusal(code: .noCareRelationship, reason: "no care relationship with this client is known to the gateway")
        }
        return nil
    }

    /// Normalised URAs of every organisation in a care relationship with the client: senders,
    /// addressed recipients and referral/handover targets of her messages.
    public static func careOrganisations(in facts: [MessageFacts]) -> Set<String> {
        var uras = Set<String>()
        for message in facts {
            let named = [message.provenance.sender] + message.events.flatMap { [$0.from] + $0.to }
            uras.formUnion(named.compactMap(\.ura).map(SenderPolicy.normalised))
        }
        return uras
    }
}
