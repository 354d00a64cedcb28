import Foundation
import Testing
import PerigateCore
import PerigateTestSupport

/// Care relationships a partner cannot grant itself (issue 17): the rules of ``CareTeam`` and the
/// access decisions on them, over the mapped sample sequence of one pregnancy (BSN 999990044).
@Suite("Care team: established relationships and claims")
struct CareTeamTests {
    static let all = AccessPolicyTests.all

    /// The midwife's first message about her, with the sender replaced by another organisation.
    static func claimBy(_ ura: String, id: String = "claim-1") -> MessageFacts {
        var facts = all[2]
        facts.provenance.sender = OrganisationRef(ura: ura, agb: nil, name: "Elders", type: "ziekenhuis")
        facts.provenance.messageId = id
        return facts
    }

    @Test("intake, addressed and handed over establish; the sequence's care team is midwife, kraamzorg, JGZ and hospital")
    func established() {
        let team = CareTeam(messages: Self.all)
        #expect(team.established == ["1234567", "31112222", "40506070", "27654321"])
        #expect(team.claims.isEmpty)
        #expect(team.isEstablished("01234567"))
    }

    @Test("a stranger's own message about her is only a claim: no read, no consent, no subscribed delivery; an addressed one still goes")
    func claimGetsNothing() {
        let claim = Self.claimBy("88887777")
        let facts = Self.all + [claim]
        #expect(CareTeam(messages: Self.all).isNewClaim(claim))
        let team = CareTeam(messages: facts)
        #expect(team.claims == ["88887777": "claim-1"])
        #expect(!team.isEstablished("88887777"))
        let stranger = AccessPolicyTests.partner("ziekenhuis", "88887777")
        let client = AccessPolicy.Client(facts: facts, consents: [AccessPolicyTests.consent(.given)])
        let views = AccessPolicyTests.views
        #expect(AccessPolicy.decide(.read(emergency: false), by: stranger, for: client, views: views).refusal?.code == .noCareRelationship)
        #expect(AccessPolicy.decide(.actForClient, by: stranger, for: client, views: views).refusal?.code == .noCareRelationship)
        #expect(AccessPolicy.decide(.delivery(addressed: false), by: stranger, for: client, views: views).refusal?.code == .noCareRelationship)
        // The organisations the claimant names do not become established either.
        #expect(CareTeam(messages: [Self.all[0], claim]).established == ["1234567", "31112222"])
        // The real hospital still reads.
        let hospital = AccessPolicyTests.partner("ziekenhuis", "27654321")
        #expect(AccessPolicy.decide(.read(emergency: false), by: hospital, for: client, views: views).refusal == nil)
    }

    @Test("a claim becomes a relationship when her care team addresses it or she confirms it")
    func claimConfirmed() {
        let claim = Self.claimBy("88887777")
        #expect(CareTeam(messages: Self.all + [claim], confirmations: ["88887777"]).isEstablished("88887777"))
        var addressed = Self.all[3]
        addressed.events[0].to = [OrganisationRef(ura: "88887777", agb: nil, name: "Elders", type: "ziekenhuis")]
        let team = CareTeam(messages: Self.all + [claim, addressed])
        #expect(team.isEstablished("88887777"))
        #expect(team.claims.isEmpty)
    }

    @Test("break-the-glass: acute types only, never over a withdrawal; the checks show what an ordinary read would have met")
    func emergency() {
        let views = AccessPolicyTests.views
        let stranger = AccessPolicyTests.partner("ziekenhuis", "88887777")
        let given = AccessPolicy.Client(facts: Self.all, consents: [AccessPolicyTests.consent(.given)])
        let read = AccessPolicy.decide(.read(emergency: true), by: stranger, for: given, views: views)
        #expect(read.decision == .allowed(basis: "emergency"))
        #expect(read.checks == "TFFT")
        let kraamzorg = AccessPolicyTests.partner("kraamzorg", "31112222")
        #expect(AccessPolicy.decide(.read(emergency: true), by: kraamzorg, for: given, views: views).refusal?.code == .emergencyNotAllowed)
        let withdrawn = AccessPolicy.Client(facts: Self.all, consents: [AccessPolicyTests.consent(.given), AccessPolicyTests.consent(.withdrawn)])
        #expect(AccessPolicy.decide(.read(emergency: true), by: stranger, for: withdrawn, views: views).refusal?.code == .consentWithdrawn)
    }

    @Test("emergency reasons: 10 to 500 printable characters after decoding")
    func emergencyReasons() {
        #expect(EmergencyReason.validated("Bewusteloos%20binnengebracht") == "Bewusteloos binnengebracht")
        #expect(EmergencyReason.validated(String(repeating: "%00", count: 10)) == nil)
        #expect(EmergencyReason.validated("Bewusteloos%0Abinnen") == nil)
        #expect(EmergencyReason.validated("          ") == nil)
        #expect(EmergencyReason.validated("kort") == nil)
        #expect(EmergencyReason.validated(String(repeating: "a", count: 501)) == nil)
    }

    @Test("her log tells of a claim in plain Dutch")
    func claimInHerLog() {
        let line = AuditEntry(time: "2026-11-25T10:00:00Z", actor: "ura:88887777/uzi:900099999", event: "care.claim", action: "C",
                              object: "bsn:999990044/care-team", outcome: "success",
                              user: AuditUser(id: "uzi:900099999", name: "B. Jansen", role: "gynaecoloog", responsible: nil, accessPoint: nil),
                              organisation: AuditOrganisation(ura: "88887777", agb: nil, name: "Elders"))
        let text = AccessLogPresenter.entries([line]).first?.text ?? ""
        #expect(text.contains("nieuwe zorgrelatie gemeld door Elders (URA 88887777)"))
        #expect(text.contains("ziet uw dossier pas als uw zorgteam haar inschakelt of u haar bevestigt"))
    }
}
