/// The sender is told when an addressed recipient will not get its message (issue 17, item 10):
/// one `delivery.not-forwarded` receipt warning per recipient the message names (`ontvanger`)
/// that routing skips. Pure; kept apart from ``DeliveryRouter/plan(_:senderURA:partners:subscriptions:history:consents:views:addressed:)``
/// but over the same definitions: ``DeliveryRouter/addressed(_:)``, ``AccessPolicy/takesPart(_:)``, ``AccessPolicy/consentWithdrawn(_:)``
/// and the latest registered consent.
public enum NotForwarded {
    /// The code of the receipt warning.
    public static let code = "delivery.not-forwarded"

    /// Why an addressed recipient does not get the message.
    public enum Reason: String, Sendable, CaseIterable {
        /// No registered partner has the recipient's URA.
        case unknown = "recipient-unknown"
        /// Every registered partner with that URA is of a type that never receives client data.
        case excluded = "recipient-excluded"
        /// Every registered partner with that URA is revoked.
        case revoked = "recipient-revoked"
        /// The client's latest registered consent is a withdrawal.
        case consentWithdrawn = "consent-withdrawn"

        var explanation: String {
            switch self {
            case .unknown: "no registered partner has this URA"
            case .excluded: "the recipient's partner type never receives client data"
            case .revoked: "the recipient's registration is revoked"
            case .consentWithdrawn: "the client withdrew her consent for exchange"
            }
        }
    }

    /// One warning per addressed recipient (other than the sender) that will not get `facts`,
    /// oldest-first `consents` deciding a withdrawal; in URA order. Texts name the recipient's URA
    /// and registered name, never client data.
    public static func warnings(_ facts: MessageFacts, senderURA: String, partners: [Partner], consents: [ExchangeConsent]) -> [ValidationIssue] {
        let withdrawn = AccessPolicy.consentWithdrawn(consents)
        return DeliveryRouter.addressed(facts).filter { !SenderPolicy.sameOrganisation($0, senderURA) }.sorted().compactMap { ura in
            let registered = partners.filter { SenderPolicy.sameOrganisation($0.ura, ura) }
            guard let reason = reason(registered, withdrawn: withdrawn) else { return nil }
            let name = registered.first { AccessPolicy.takesPart($0.type) }?.name ?? registered.first?.name
            let recipient = "URA \(ura)" + (name.map { " (\($0))" } ?? "")
            return ValidationIssue(code: code, severity: .warning,
                                   message: "recipient \(recipient) will not receive this message: \(reason.explanation) [\(reason.rawValue)]")
        }
    }

    /// The reason for the registrations with one URA, or `nil` when one of them gets the message.
    static func reason(_ registered: [Partner], withdrawn: Bool) -> Reason? {
        if registered.isEmpty { return .unknown }
        let eligible = registered.filter { AccessPolicy.takesPart($0.type) }
        if eligible.isEmpty { return .excluded }
        if eligible.allSatisfy(\.revoked) { return .revoked }
        return withdrawn ? .consentWithdrawn : nil
    }
}
