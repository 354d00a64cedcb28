import Foundation
import Testing
import PerigateCore
import PerigateTestSupport

/// Issue 17, items 5, 10 and 11 as pure functions: the registry's identity for senders, the roles
/// per partner type, the not-forwarded warnings, and her log in plain Dutch.
@Suite("Access model rules")
struct AccessModelRulesTests {
    /// 3-verwijzing-consultatie: Verloskundigenpraktijk De Linde (01234567, AGB 03051234) → the hospital (27654321).
    static let referral = AccessPolicyTests.all[2]
    static let linde = OrganisationRef(ura: "01234567", agb: "03051234", name: "Verloskundigenpraktijk De Linde", type: "verloskundigenpraktijk")

    @Test("a sender matching its registration gets no warning; each differing field one, and the facts show the registry")
    func senderRegistry() {
        #expect(SenderPolicy.registered(Self.referral, as: Self.linde).warnings.isEmpty)
        // Case and spacing of the name do not count.
        var spaced = Self.linde
        spaced.name = "verloskundigenpraktijk  de linde"
        #expect(SenderPolicy.registered(Self.referral, as: spaced).warnings.isEmpty)

        let registry = OrganisationRef(ura: "1234567", agb: nil, name: "X Ziekenhuis", type: "ziekenhuis")
        let (facts, warnings) = SenderPolicy.registered(Self.referral, as: registry)
        #expect(SenderPolicy.mismatchedFields(claimed: Self.referral.provenance.sender, registered: registry) == ["naam", "agb", "type"])
        #expect(warnings.map(\.code) == Array(repeating: SenderPolicy.registryMismatchCode, count: 3))
        #expect(warnings.allSatisfy { $0.severity == .warning && !$0.message.contains("999990044") })
        #expect(facts.provenance.sender == OrganisationRef(ura: "01234567", agb: nil, name: "X Ziekenhuis", type: "ziekenhuis"))
        // Every organisation with the sender's URA, nowhere else: the recipient keeps its own name.
        #expect(facts.events.map(\.from.name) == ["X Ziekenhuis"])
        #expect(facts.events.flatMap(\.to).map(\.name) == Self.referral.events.flatMap(\.to).map(\.name))
        #expect(!facts.careTeam.organisations.contains { $0.name == "Verloskundigenpraktijk De Linde" })
    }

    @Test("the registered organisation for a URA: a care partner that is not revoked before an insurer sharing it")
    func registeredOrganisation() {
        let insurer = AccessPolicyTests.partner("zorgverzekeraar", "27654321")
        let hospital = AccessPolicyTests.partner("ziekenhuis", "27654321")
        #expect(SenderPolicy.registeredOrganisation(ura: "27654321", in: [insurer, hospital])?.type == "ziekenhuis")
        #expect(SenderPolicy.registeredOrganisation(ura: "11111111", in: [insurer, hospital]) == nil)
    }

    @Test("roles per partner type: kraamzorg is no gynaecologist; words for codes; unknown codes stay as they are")
    func roles() {
        #expect(UserRoles.refusal(role: "gynaecoloog", partnerType: "kraamzorg") != nil)
        #expect(UserRoles.refusal(role: "kraamverzorgende", partnerType: "kraamzorg") == nil)
        #expect(UserRoles.refusal(role: "gynaecoloog", partnerType: "ziekenhuis") == nil)
        #expect(UserRoles.refusal(role: "verloskundige", partnerType: "jgz") != nil)
        #expect(UserRoles.refusal(role: "jgz-verpleegkundige", partnerType: "jgz") == nil)
        #expect(UserRoles.inWords("klinisch-verloskundige") == "klinisch verloskundige")
        #expect(UserRoles.inWords("jgz-arts") == "jeugdarts")
        #expect(UserRoles.inWords("client") == "cliënt")
        #expect(UserRoles.inWords("vroedvrouw") == "vroedvrouw")
        // Every allowed role reads in words.
        #expect(UserRoles.allowed.values.joined().allSatisfy { UserRoles.words[$0] != nil })
    }

    @Test("not forwarded: unknown, excluded, revoked recipients and a withdrawal each give one warning naming the recipient")
    func notForwarded() {
        let hospital = AccessPolicyTests.partner("ziekenhuis", "27654321")
        let midwife = AccessPolicyTests.partner("verloskundigenpraktijk", "01234567")
        func reasons(_ partners: [Partner], _ consents: [ExchangeConsent] = []) -> [String] {
            NotForwarded.warnings(Self.referral, senderURA: "01234567", partners: partners, consents: consents).map(\.message)
        }
        #expect(reasons([midwife, hospital]).isEmpty)
        #expect(reasons([midwife]).first?.contains("URA 27654321 will not receive this message") == true)
        #expect(reasons([midwife]).first?.contains(NotForwarded.Reason.unknown.rawValue) == true)
        #expect(reasons([AccessPolicyTests.partner("zorgverzekeraar", "27654321")]).first?.contains("recipient-excluded") == true)
        var revoked = hospital
        revoked.revoked = true
        #expect(reasons([revoked]).first?.contains("URA 27654321 (ziekenhuis)") == true)
        #expect(reasons([revoked]).first?.contains("recipient-revoked") == true)
        let withdrawn = reasons([hospital], [AccessPolicyTests.consent(.given), AccessPolicyTests.consent(.withdrawn)])
        #expect(withdrawn.count == 1 && withdrawn[0].contains("consent-withdrawn"))
        #expect(reasons([hospital], [AccessPolicyTests.consent(.withdrawn), AccessPolicyTests.consent(.given)]).isEmpty)
        #expect(NotForwarded.warnings(Self.referral, senderURA: "01234567", partners: [], consents: []).allSatisfy {
            $0.code == NotForwarded.code && $0.severity == .warning })
    }

    static func line(_ event: String, actor: String, role: String?, organisation: AuditOrganisation? = nil, detail: String? = nil,
                     outcome: String = "success", eventType: String = "normal", action: String = "R") -> AuditEntry {
        AuditEntry(time: "2026-11-25T08:06:55Z", actor: actor, event: event, action: action, eventType: eventType, object: "bsn:999990044/x",
                   outcome: outcome, detail: detail, user: role.map { AuditUser(id: "uzi:900011122", name: "E. Yilmaz", role: $0, responsible: nil, accessPoint: nil) },
                   organisation: organisation, objectDetail: .client("999990044", category: "zwangerschapsdossier", authorizationProtocol: "p"))
    }

    /// The lines with sequence numbers in their order.
    static func numbered(_ lines: [AuditEntry]) -> [AuditEntry] {
        lines.enumerated().map { index, line in
            var line = line
            line.sequence = index + 1
            return line
        }
    }

    @Test("her log: roles in words, the console's people as Perigate-beheer, logbeheer op verzoek, deliveries as doorgestuurd aan")
    func plainDutch() {
        let hospital = AuditOrganisation(ura: "27654321", name: "Rijnland Gasthuis")
        let entries = AccessLogPresenter.entries(Self.numbered([
            Self.line("record.read", actor: "ura:27654321/uzi:900011122", role: "klinisch-verloskundige", organisation: hospital,
                      detail: "consent:registered"),
            Self.line("console.messages.client-search", actor: "console:lotte", role: "log-administrator", detail: "reason: klacht",
                      eventType: "log-access"),
            Self.line("console.view", actor: "console:anna", role: "operator"),
            Self.line("message.export", actor: "system:perigate", role: nil, organisation: hospital, detail: "webhook HTTP 200", action: "E"),
            Self.line("message.export", actor: "system:perigate", role: nil, organisation: hospital, detail: "access.consent-withdrawn",
                      outcome: "refused", action: "E"),
            Self.line("record.read", actor: "ura:27654321/uzi:900011122", role: "vroedvrouw", organisation: hospital, detail: "consent:registered"),
        ]))
        let texts = entries.map(\.text)
        #expect(texts[0] == "25-11-2026 09:06: Rijnland Gasthuis (URA 27654321), klinisch verloskundige, heeft uw zwangerschapsdossier ingezien. Grondslag: uw toestemming voor uitwisseling. Noodprocedure: nee.")
        #expect(texts[1].hasPrefix("25-11-2026 09:06: Perigate-beheer (logbeheerder), heeft uw zwangerschapsdossier ingezien. Grondslag: logbeheer op verzoek."))
        #expect(texts[2].contains("Perigate-beheer (beheerder), heeft"))
        #expect(texts[3] == "25-11-2026 09:06: Perigate heeft uw zwangerschapsdossier doorgestuurd aan Rijnland Gasthuis (URA 27654321). Grondslag: uitwisseling binnen uw zorgteam. Noodprocedure: nee.")
        #expect(texts[4].contains("Perigate wilde uw zwangerschapsdossier doorsturen aan Rijnland Gasthuis (URA 27654321); dat is geweigerd. Grondslag: geen (u heeft uw toestemming ingetrokken)."))
        #expect(entries[5].role == "vroedvrouw")
        #expect(!texts.joined().contains("onbekende rol") && !texts.joined().contains("console:"))
    }

    @Test("her log: consent she registered herself says so; one her midwife registered names the midwife's practice")
    func consentByWhom() {
        let practice = AuditOrganisation(ura: "01234567", name: "Verloskundigenpraktijk De Linde")
        let texts = AccessLogPresenter.entries(Self.numbered([
            Self.line("consent.given", actor: "client:999990044", role: nil, action: "C"),
            Self.line("consent.withdrawn", actor: "client:999990044", role: nil, action: "C"),
            Self.line("consent.given", actor: "ura:01234567/uzi:900012345", role: "verloskundige", organisation: practice, action: "C"),
        ])).map(\.text)
        #expect(texts[0].contains("uzelf, cliënt, heeft") && texts[0].contains("Grondslag: uw toestemming, vastgelegd door uzelf via uw cliëntportaal."), "\(texts[0])")
        #expect(texts[1].contains("Grondslag: intrekking van uw toestemming, vastgelegd door uzelf via uw cliëntportaal."), "\(texts[1])")
        #expect(texts[2].contains("Verloskundigenpraktijk De Linde (URA 01234567), verloskundige, heeft")
                && texts[2].contains("Grondslag: uw toestemming, vastgelegd door uw zorgverlener."), "\(texts[2])")
    }

    @Test("her log: a care claim reads 'nieuwe zorgrelatie gemeld door …', her confirmation 'bevestigd', both about her zorgteam")
    func careTeamLines() {
        func zorgrelatie(_ line: AuditEntry) -> AuditEntry {
            var line = line
            line.objectDetail = .client("999990044", category: "zorgrelatie", authorizationProtocol: "p")
            return line
        }
        let other = AuditOrganisation(ura: "88887777", name: "Ander Ziekenhuis")
        let entries = AccessLogPresenter.entries(Self.numbered([
            zorgrelatie(Self.line("care.claim", actor: "ura:88887777/uzi:900011122", role: "gynaecoloog", organisation: other,
                                  detail: "message:m-1", action: "C")),
            zorgrelatie(Self.line("care.confirm", actor: "client:portal-1", role: nil, detail: "ura:88887777", action: "C")),
        ]))
        #expect(entries.map(\.text) == [
            "25-11-2026 09:06: nieuwe zorgrelatie gemeld door Ander Ziekenhuis (URA 88887777), gynaecoloog. Deze organisatie ziet uw dossier pas als uw zorgteam haar inschakelt of u haar bevestigt. Grondslag: een eigen bericht van deze organisatie over u, niet bevestigd door uw zorgteam of door u. Noodprocedure: nee.",
            "25-11-2026 09:06: uzelf, cliënt, heeft uw zorgteam bevestigd. Grondslag: uw bevestiging via uw cliëntportaal. Noodprocedure: nee.",
        ])
    }

    @Test("her care team: intake, addressed by her team, a stranger's claim; a confirmation before any message leaves intake to the first sender")
    func careTeamRules() {
        let intake = AccessPolicyTests.all[0]     // the midwife (01234567) to kraamzorg (31112222)
        var stranger = AccessPolicyTests.all[2]   // a referral, sent by X (88887777) instead
        stranger.provenance.sender.ura = "88887777"
        let team = CareTeam(messages: [intake, stranger])
        #expect(team.established == ["1234567", "31112222"])
        #expect(team.claims == ["88887777": stranger.provenance.messageId])
        #expect(CareTeam(messages: [intake, stranger], confirmations: ["88887777"]).isEstablished("88887777"))
        // Ingest and routing see the team before the message with her confirmations already in:
        // the first sender is intake all the same — no claim, as a later read derives it.
        var early = CareTeam(messages: [], confirmations: ["40506070"])
        #expect(!early.isNewClaim(intake))
        early.add(intake)
        #expect(early.established == ["40506070", "1234567", "31112222"] && early.claims.isEmpty)
        #expect(early == CareTeam(messages: [intake], confirmations: ["40506070"]))
        #expect(early.isNewClaim(stranger))
    }

    @Test("the 15e copy's selection: accepted imports made available; reads and successful exports disclosed; log access not")
    func copySelection() {
        let lines = [Self.line("message.import", actor: "a", role: "verloskundige", action: "C"),
                     Self.line("message.import", actor: "a", role: "verloskundige", outcome: "refused", action: "C"),
                     Self.line("record.read", actor: "a", role: "gynaecoloog"),
                     Self.line("record.read", actor: "a", role: "gynaecoloog", outcome: "refused"),
                     Self.line("message.export", actor: "system:perigate", role: nil, action: "E"),
                     Self.line("message.export", actor: "system:perigate", role: nil, outcome: "refused", action: "E"),
                     Self.line("access-log.read", actor: "client:x", role: "client", eventType: "log-access")]
        let (available, disclosed) = ClientFileService.AccessLogCopy.select(lines)
        #expect(available.map(\.event) == ["message.import"])
        #expect(disclosed.map(\.event) == ["record.read", "record.read", "message.export"])
    }
}

@Suite("Dutch time")
struct DutchTimeTests {
    @Test("times for people are Europe/Amsterdam with the zone shown: CET in winter, CEST in summer; other text stays")
    func zones() {
        #expect(DutchTime.withZone("2026-11-25T12:00:00Z") == "25-11-2026 13:00:00 CET")
        #expect(DutchTime.withZone("2026-07-01T12:00:00Z") == "01-07-2026 14:00:00 CEST")
        #expect(DutchTime.withZone("2026-03-29T00:59:59Z") == "29-03-2026 01:59:59 CET")
        #expect(DutchTime.withZone("2026-03-29T01:00:00Z") == "29-03-2026 03:00:00 CEST")
        #expect(DutchTime.withZone("geen tijd") == "geen tijd")
    }
}
