/// Notices to her established care team about something that touched her file without them:
/// a new unconfirmed care relationship (a partner's own message about her), or an emergency
/// read. Each is an event delivery in every team member's pull inbox (`reason`
/// `event:{kind}`, the text in the item's `event`).
public enum CareTeamNotice {
    /// A partner claims a care relationship with her by its own message.
    public static let claim = "care-claim"
    /// A partner read her file with the emergency procedure.
    public static let emergency = "emergency-read"

    /// One inbox event for each registered, active care partner of her established team other
    /// than `actor`; `messageId` names the message concerned (`""` for a read).
    public static func events(_ kind: String, bsn: String, messageId: String, actor: Partner, team: CareTeam, partners: [Partner],
                              time: String) -> [Delivery] {
        let text = kind == claim
            ? "nieuwe zorgrelatie gemeld door \(actor.name) (URA \(actor.ura)) voor cliënt \(Receipt.maskedReference(bsn: bsn))"
            : "noodtoegang (break-the-glass) tot het dossier van cliënt \(Receipt.maskedReference(bsn: bsn)) door \(actor.name) (URA \(actor.ura))"
        return partners.filter { partner in
            !partner.revoked && AccessPolicy.takesPart(partner.type) && team.isEstablished(partner.ura)
                && !SenderPolicy.sameOrganisation(partner.ura, actor.ura)
        }.map { partner in
            Delivery(messageId: messageId, bsn: bsn, partnerId: partner.id, partnerURA: partner.ura, subscriptionId: nil,
                     reason: "event:\(kind)", nextAttemptAt: time, createdAt: time, lastError: text)
        }
    }
}
