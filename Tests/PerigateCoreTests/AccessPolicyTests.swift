import Foundation
import Testing
import PerigateCore
import PerigateTestSupport

/// The read authorization as a pure function, per partner type, over the mapped sequence messages
/// (one pregnancy of BSN 999990044: midwife → kraamzorg, PHB to JGZ with consent, referral to and
/// back-referrals from the hospital, kraamzorg → JGZ).
@Suite("Access policy")
struct AccessPolicyTests {
    static let views = try! ViewPolicy.load(TestSupport.schemas + "/views.json")

    static func facts(_ names: [String]) throws -> [MessageFacts] {
        let validator = TestSupport.validator()
        let mapper = CanonicalMapper(validator: validator)
        return try names.map { name in
            let data = try Data(contentsOf: TestSupport.samples.appendingPathComponent("sequence/\(name).xml"))
            guard case .mapped(let facts) = try mapper.read(data, validator: validator) else { throw MappingError(code: "test", message: name) }
            return facts
        }
    }

    static let all = try! facts(["1-kraamzorgoverdracht-prenataal", "2-phbaanmelding", "3-verwijzing-consultatie",
                                 "4-terugverwijzing-na-consultatie", "5-terugverwijzing-na-bevalling",
                                 "6-kraamzorgoverdracht-na-geboorte", "7-jgzoverdracht"])

    static func partner(_ type: String, _ ura: String) -> Partner {
        Partner(id: "p-\(type)-\(ura)", name: type, type: type, ura: ura, agb: nil, createdAt: "2026-11-25T10:00:00Z")
    }

    static func consent(_ status: ExchangeConsent.Status) -> ExchangeConsent {
        ExchangeConsent(bsn: "999990044", status: status, date: "2026-11-20", recordedAt: "2026-11-20T10:00:00Z",
                        recordedBy: "ura:01234567/uzi:900012345")
    }

    static func decide(_ partner: Partner, _ facts: [MessageFacts] = all, _ consents: [ExchangeConsent] = []) -> AccessPolicy.Decision {
        AccessPolicy.recordRead(by: partner, facts: facts, consents: consents, views: views)
    }

    static func code(_ decision: AccessPolicy.Decision) -> String {
        switch decision {
        case .allowed(let basis): return "allowed:\(basis)"
        case .refused(let refusal): return refusal.code.rawValue
        }
    }

    @Test("each care partner type: allowed with a care relationship and registered consent, refused without either", arguments: [
        ("verloskundigenpraktijk", "01234567", "11111111"), ("ziekenhuis", "27654321", "88887777"),
        ("kraamzorg", "31112222", "31112223"), ("jgz", "40506070", "40506071"),
    ])
    func perType(_ type: String, _ ura: String, _ unrelatedURA: String) {
        let related = Self.partner(type, ura)
        #expect(Self.code(Self.decide(related, Self.all, [Self.consent(.given)])) == "allowed:consent:registered")
        #expect(Self.code(Self.decide(related, Self.all, [Self.consent(.given), Self.consent(.withdrawn)])) == "access.consent-withdrawn")
        let unrelated = Self.partner(type, unrelatedURA)
        #expect(Self.code(Self.decide(unrelated, Self.all, [Self.consent(.given)])) == "access.no-care-relationship")
    }

    @Test("without a registration only the PHB consent counts, and only for JGZ")
    func messageConsent() throws {
        #expect(Self.code(Self.decide(Self.partner("jgz", "40506070"))) == "allowed:consent:phb-referral")
        #expect(Self.code(Self.decide(Self.partner("ziekenhuis", "27654321"))) == "access.no-consent")
        #expect(Self.code(Self.decide(Self.partner("kraamzorg", "31112222"))) == "access.no-consent")
        // JGZ addressed only by the kraamzorg handover (no PHB message): no consent to read.
        let withoutPHB = try Self.facts(["1-kraamzorgoverdracht-prenataal", "7-jgzoverdracht"])
        #expect(Self.code(Self.decide(Self.partner("jgz", "40506070"), withoutPHB)) == "access.no-consent")
        // A registered withdrawal overrides the consent carried in the PHB message.
        #expect(Self.code(Self.decide(Self.partner("jgz", "40506070"), Self.all, [Self.consent(.withdrawn)])) == "access.consent-withdrawn")
    }

    @Test("a huisarts reads only when a message named it; insurers never; unknown clients look like no relationship")
    func huisartsInsurerUnknown() throws {
        let huisarts = Self.partner("huisarts", "55554444")
        #expect(Self.code(Self.decide(huisarts, Self.all, [Self.consent(.given)])) == "access.no-care-relationship")
        var addressed = Self.all[4]
        addressed.events[0].to.append(OrganisationRef(ura: "55554444", name: "Huisartsenpraktijk Oude Rijn", type: "huisarts"))
        #expect(Self.code(Self.decide(huisarts, [addressed], [Self.consent(.given)])) == "allowed:consent:registered")
        // The insurer has the hospital's URA, consent is registered: still never.
        #expect(Self.code(Self.decide(Self.partner("zorgverzekeraar", "27654321"), Self.all, [Self.consent(.given)])) == "access.partner-type")
        #expect(Self.code(Self.decide(Self.partner("bedrijfsarts", "27654321"), Self.all, [Self.consent(.given)])) == "access.partner-type")
        #expect(Self.code(Self.decide(Self.partner("ziekenhuis", "27654321"), [], [Self.consent(.given)])) == "access.no-care-relationship")
    }

    @Test("care organisations: senders, recipients and targets, URAs without leading zeros")
    func careOrganisations() {
        #expect(AccessPolicy.careOrganisations(in: Self.all) == ["1234567", "27654321", "31112222", "40506070"])
        // "1234567" is the midwife's URA without its leading zero: the same organisation.
        #expect(Self.code(Self.decide(Self.partner("verloskundigenpraktijk", "1234567"), Self.all, [Self.consent(.given)]))
                == "allowed:consent:registered")
        #expect(AccessPolicy.careTeamRefusal(by: Self.partner("kraamzorg", "31112222"), facts: Self.all, views: Self.views) == nil)
        #expect(AccessPolicy.careTeamRefusal(by: Self.partner("huisarts", "55554444"), facts: Self.all, views: Self.views)?.code
                == "access.no-care-relationship")
    }
}
