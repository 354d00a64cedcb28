import Foundation

extension ClientFileService {
    /// Her care team as she sees it: every organisation with an established relationship, and
    /// every one that only claims one (until her care team addresses it or she confirms it).
    public struct CareTeamView: Sendable, Codable, Hashable {
        public struct Member: Sendable, Codable, Hashable {
            public var ura: String
            /// The registered name, when the organisation is a registered partner.
            public var name: String?
            /// `established` or `claim`.
            public var status: String
        }
        public var client: String
        public var members: [Member]
    }

    public enum CareTeamOutcome: Sendable, Hashable {
        case team(CareTeamView)
        case confirmed(CareConfirmation)
        case refused(AccessPolicy.Refusal)
        case invalid(String)
    }

    /// Her care team, for herself (client-portal token only); the look is audited in her log.
    public func careTeam(bsn: BSN, requester: Requester) async throws -> CareTeamOutcome {
        if let refusal = try await clientOnly(bsn: bsn, requester: requester, event: "care-team.read", action: "R", detail: nil) {
            return .refused(refusal)
        }
        let team = try await client(bsn).team
        let partners = try await careTeamInbox?.partners() ?? []
        // Each member as registered (its URA as written there, leading zeros and all), else as normalised.
        func member(_ ura: String, _ status: String) -> CareTeamView.Member {
            let partner = partners.first { !$0.revoked && AccessPolicy.takesPart($0.type) && SenderPolicy.sameOrganisation($0.ura, ura) }
            return CareTeamView.Member(ura: partner?.ura ?? ura, name: partner?.name, status: status)
        }
        let members = team.established.sorted().map { member($0, "established") } + team.claims.keys.sorted().map { member($0, "claim") }
        return .team(CareTeamView(client: Receipt.maskedReference(bsn: bsn.value), members: members))
    }

    /// She confirms, through her client portal, that the organisation with `ura` is in her care
    /// team: its relationship is established from now on (append-only, audited in her log).
    public func confirmCare(bsn: BSN, ura: String, requester: Requester) async throws -> CareTeamOutcome {
        if let problem = ProviderIdentifier.ura.problem(with: ura) { return .invalid("ura \(problem)") }
        let time = now().formatted(.iso8601)
        let line = requester.auditLine(time: time, event: "care.confirm", action: "C", object: "bsn:\(bsn.value)/care-team", outcome: "success",
                                       checks: AuditChecks.authorized, detail: "ura:\(ura)",
                                       objectDetail: .client(bsn.value, category: "zorgrelatie", authorizationProtocol: AccessPolicy.protocolName))
        if let refusal = try await clientOnly(bsn: bsn, requester: requester, event: "care.confirm", action: "C", detail: "ura:\(ura)") {
            return .refused(refusal)
        }
        let confirmation = CareConfirmation(bsn: bsn.value, ura: ura, confirmedAt: time, confirmedBy: requester.actor)
        try await store.confirmCare(confirmation, audit: [line])
        return .confirmed(confirmation)
    }

    /// Only she herself (her own client-portal credential) may see or change her care team this
    /// way; any other requester is refused, audited. `nil` when allowed.
    private func clientOnly(bsn: BSN, requester: Requester, event: String, action: String, detail: String?) async throws -> AccessPolicy.Refusal? {
        let refusal: AccessPolicy.Refusal? = switch requester {
        case .client(let credential, _, _) where credential.bsn == bsn.value: nil
        case .client: AccessPolicy.Refusal(code: .otherClient, reason: "this credential belongs to another client")
        case .partner: AccessPolicy.Refusal(code: .clientOnly, reason: "only the client herself confirms her care team; her care team addresses partners in messages")
        }
        guard let refusal else {
            if action == "R" {
                try await store.appendAudit([requester.auditLine(
                    time: now().formatted(.iso8601), event: event, action: action, object: "bsn:\(bsn.value)/care-team", outcome: "success",
                    checks: AuditChecks.authorized, objectDetail: .client(bsn.value, category: "zorgrelatie", authorizationProtocol: AccessPolicy.protocolName))])
            }
            return nil
        }
        try await store.appendAudit([requester.auditLine(
            time: now().formatted(.iso8601), event: event, action: action, object: "bsn:\(bsn.value)/care-team", outcome: "refused",
            checks: AuditChecks.unauthorized, detail: refusal.code.rawValue,
            objectDetail: .client(bsn.value, category: "zorgrelatie", authorizationProtocol: AccessPolicy.protocolName))])
        return refusal
    }
}
