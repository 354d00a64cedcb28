import PerigateXML

/// Who may do what with a client's data: one decision function (``decide(_:by:for:views:)``)
/// for record reads, acting for her (consent, her log), routing, the delivery worker and the
/// inbox, returning the decision and the audit checks together (pure; tested on its own).
///
/// A partner may read her record only when all hold, checked in this order:
/// 1. its type is a care type with a view — health insurers and company/insurance doctors never
///    (Wabvpz 15f), whatever the configuration says;
/// 2. an **established care relationship** (``CareTeam``): intake, addressed or handed over by
///    her care team, or confirmed by her — never a relationship a partner claims by itself;
/// 3. the client's **consent for exchange**: the latest registered ``ExchangeConsent`` is
///    `given`, or (without any registration) a consent carried in a message whose purpose the
///    partner type's view accepts (the PHB referral's consent opens her file to JGZ). A
///    registered withdrawal overrides everything, also break-the-glass.
public enum AccessPolicy {
    /// Names this policy in audit lines (with its version).
    public static let protocolName = "perigate-access-policy/1"

    /// Partner types that never get client data.
    public static let excludedTypes: Set<String> = ["zorgverzekeraar", "bedrijfsarts", "verzekeringsarts"]

    /// Whether partners of this type take part in the exchange at all (every path checks it).
    public static func takesPart(_ partnerType: String) -> Bool {
        !excludedTypes.contains(partnerType)
    }

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
            /// Something only the client herself may do (confirm her care team).
            public static let clientOnly: Code = "access.client-only"
            /// Break-the-glass by a partner type that does not give acute care.
            public static let emergencyNotAllowed: Code = "access.emergency-not-allowed"
        }
    }

    /// What is asked of her data.
    public enum Purpose: Sendable, Hashable {
        /// Read her record through the partner's view; `emergency`: break-the-glass (a reason was
        /// given), allowed only to acute-care partner types and never over a withdrawal.
        case read(emergency: Bool)
        /// Act for her: register or withdraw her consent, show her her access log.
        case actForClient
        /// Hand out a delivery planned because the partner was `addressed` in the message, or
        /// because it subscribed (then: as a read).
        case delivery(addressed: Bool)
    }

    /// What the gateway knows of one client for a decision.
    public struct Client: Sendable {
        /// What her messages say (care team, consent purposes, custodians): the stored index.
        public var index: ClientIndex
        public var consents: [ExchangeConsent]
        /// Her care team: her messages' team with her own confirmations established.
        public var team: CareTeam

        /// Her stored index, her consent registrations (oldest first) and the URAs she confirmed herself.
        public init(index: ClientIndex, consents: [ExchangeConsent], confirmations: [String] = []) {
            self.index = index
            self.consents = consents
            team = index.team.confirming(confirmations)
        }

        /// The same from her accepted messages (storage order).
        public init(facts: [MessageFacts], consents: [ExchangeConsent], confirmations: [String] = []) {
            self.init(index: ClientIndex(messages: facts), consents: consents, confirmations: confirmations)
        }

        /// The same with one more message (the next in storage order).
        public func adding(_ message: MessageFacts) -> Client {
            var copy = self
            copy.index.add(message)
            copy.team.add(message)
            return copy
        }
    }

    /// A decision with the audit checks that led to it.
    public struct Verdict: Sendable, Hashable {
        public var decision: Decision
        /// The audit line's checks (``AuditChecks``).
        public var checks: String

        /// The refusal, or `nil` when allowed.
        public var refusal: Refusal? {
            if case .refused(let refusal) = decision { return refusal }
            return nil
        }
    }

    /// Whether her latest registration is a withdrawal: nobody gets anything of hers then, by no
    /// path (the one place this rule lives).
    public static func consentWithdrawn(_ consents: [ExchangeConsent]) -> Bool {
        consents.last?.status == .withdrawn
    }

    /// The one decision: may `partner` do `purpose` with the data of `client`?
    public static func decide(_ purpose: Purpose, by partner: Partner, for client: Client, views: ViewPolicy) -> Verdict {
        let emergency = purpose == .read(emergency: true)
        guard takesPart(partner.type), let view = views.views[partner.type] else {
            return Verdict(decision: .refused(Refusal(code: .partnerType, reason: "partner type '\(partner.type)' never receives client data")),
                           checks: AuditChecks.text(authorized: false, emergency: emergency))
        }
        let withdrawn = Refusal(code: .consentWithdrawn, reason: "the client withdrew her consent for exchange")
        switch purpose {
        case .read(emergency: true):
            guard view.acuteCare == true else {
                return Verdict(decision: .refused(Refusal(code: .emergencyNotAllowed,
                                                          reason: "partner type '\(partner.type)' may not use the emergency procedure")),
                               checks: AuditChecks.text(authorized: false, emergency: true))
            }
            // The checks show what an ordinary read would have met: care relationship and consent.
            let related = client.team.isEstablished(partner.ura)
            let consented = related && consentVerdict(client, view: view, withdrawn: withdrawn).refusal == nil
            let checks = AuditChecks.text(authorized: true, careRelationship: related, consent: consented, emergency: true)
            if consentWithdrawn(client.consents) { return Verdict(decision: .refused(withdrawn), checks: checks) }
            return Verdict(decision: .allowed(basis: "emergency"), checks: checks)
        case .delivery(addressed: true):
            return consentWithdrawn(client.consents)
                ? Verdict(decision: .refused(withdrawn), checks: AuditChecks.consentRefused)
                : Verdict(decision: .allowed(basis: "addressed"), checks: AuditChecks.careTeam)
        case .actForClient:
            guard client.team.isEstablished(partner.ura) else { return noRelationship }
            return Verdict(decision: .allowed(basis: "care-relationship"), checks: AuditChecks.careTeam)
        case .read(emergency: false), .delivery(addressed: false):
            guard client.team.isEstablished(partner.ura) else { return noRelationship }
            return consentVerdict(client, view: view, withdrawn: withdrawn)
        }
    }

    private static let noRelationship = Verdict(
        decision: .refused(Refusal(code: .noCareRelationship, reason: "no care relationship with this client is known to the gateway")),
        checks: AuditChecks.noCareRelationship)

    /// The consent step of a read by a member of her care team.
    private static func consentVerdict(_ client: Client, view: ViewPolicy.View, withdrawn: Refusal) -> Verdict {
        if let latest = client.consents.last {
            return latest.status == .given ? Verdict(decision: .allowed(basis: "consent:registered"), checks: AuditChecks.consented)
                : Verdict(decision: .refused(withdrawn), checks: AuditChecks.consentRefused)
        }
        let purposes = Set(view.consentPurposes ?? [])
        if let purpose = client.index.consentPurposes.first(where: purposes.contains) {
            return Verdict(decision: .allowed(basis: "consent:\(purpose)"), checks: AuditChecks.consented)
        }
        return Verdict(decision: .refused(Refusal(code: .noConsent, reason: "no consent for exchange is registered for this client")),
                       checks: AuditChecks.consentRefused)
    }

    /// May `partner` read the record built from `facts`, given the registered `consents`
    /// (oldest first)? ``decide(_:by:for:views:)`` for a read. `facts` empty means the gateway
    /// knows nothing of her: refused like a missing care relationship.
    public static func recordRead(by partner: Partner, facts: [MessageFacts], consents: [ExchangeConsent],
                                  views: ViewPolicy, emergency: Bool = false) -> Decision {
        decide(.read(emergency: emergency), by: partner, for: Client(facts: facts, consents: consents), views: views).decision
    }

    /// May `partner` act for the client (register her consent, show her her access log)? It needs
    /// an allowed type and an established care relationship, not her consent for exchange. `nil`
    /// when it may, else the refusal. ``decide(_:by:for:views:)`` for ``Purpose/actForClient``.
    public static func careTeamRefusal(by partner: Partner, facts: [MessageFacts], views: ViewPolicy) -> Refusal? {
        decide(.actForClient, by: partner, for: Client(facts: facts, consents: []), views: views).refusal
    }

    /// Normalised URAs of every organisation her messages name (senders, recipients, referral and
    /// handover targets) — established or claiming; for provenance and custodians, not for access.
    public static func careOrganisations(in facts: [MessageFacts]) -> Set<String> {
        var uras = Set<String>()
        for message in facts {
            let named = [message.provenance.sender] + message.events.flatMap { [$0.from] + $0.to }
            uras.formUnion(named.compactMap(\.ura).map(SenderPolicy.normalised))
        }
        return uras
    }
}
