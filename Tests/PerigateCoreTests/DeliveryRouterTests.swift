import Foundation
import Testing
import PerigateCore
import PerigateTestSupport

@Suite("Delivery routing")
struct DeliveryRouterTests {
    static let views = AccessPolicyTests.views

    static func subscription(_ partner: Partner, kinds: [String] = []) -> Subscription {
        Subscription(id: "s-\(partner.id)", partnerId: partner.id, url: "https://example.org/hook", kinds: kinds, format: "xml",
                     secret: WebhookSignature.newSecret(), createdAt: "2026-11-25T10:00:00Z")
    }

    static let midwife = AccessPolicyTests.partner("verloskundigenpraktijk", "01234567")
    static let hospital = AccessPolicyTests.partner("ziekenhuis", "27654321")
    static let kraamzorg = AccessPolicyTests.partner("kraamzorg", "31112222")
    static let jgz = AccessPolicyTests.partner("jgz", "40506070")
    static let otherHospital = AccessPolicyTests.partner("ziekenhuis", "88887777")
    static let partners = [midwife, hospital, kraamzorg, jgz, otherHospital]

    static func plan(_ index: Int, subscriptions: [Subscription] = [], consents: [ExchangeConsent] = []) -> [String] {
        let all = AccessPolicyTests.all
        return DeliveryRouter.plan(all[index], senderURA: all[index].provenance.sender.ura ?? "", partners: partners,
                                   subscriptions: subscriptions, client: AccessPolicy.Client(facts: Array(all[..<index]), consents: consents), views: views)
            .map { "\($0.partner.ura):\($0.subscription == nil ? "inbox" : "webhook"):\($0.reason)" }
    }

    @Test("the addressed recipient gets it (inbox, or its matching subscriptions); never the sender")
    func addressed() {
        // 1-kraamzorgoverdracht: midwife → kraamzorg.
        #expect(Self.plan(0) == ["31112222:inbox:addressed"])
        #expect(Self.plan(0, subscriptions: [Self.subscription(Self.kraamzorg, kinds: ["kraamzorgoverdracht"])]) == ["31112222:webhook:addressed"])
        // A subscription for another kind does not apply: the inbox does.
        #expect(Self.plan(0, subscriptions: [Self.subscription(Self.kraamzorg, kinds: ["verwijzing@1.1"])]) == ["31112222:inbox:addressed"])
        #expect(Self.plan(0, subscriptions: [Self.subscription(Self.midwife)]) == ["31112222:inbox:addressed"])
    }

    @Test("a subscriber that is not addressed gets it only with a care relationship and consent; a withdrawal stops everything")
    func subscribers() {
        // 3-verwijzing: midwife → hospital. The kraamzorg (earlier addressed) subscribes to everything.
        let kraamzorg = Self.subscription(Self.kraamzorg), stranger = Self.subscription(Self.otherHospital)
        #expect(Self.plan(2, subscriptions: [kraamzorg, stranger]) == ["27654321:inbox:addressed"])
        let given = AccessPolicyTests.consent(.given)
        #expect(Self.plan(2, subscriptions: [kraamzorg, stranger], consents: [given]) == ["27654321:inbox:addressed", "31112222:webhook:subscribed"])
        #expect(Self.plan(2, subscriptions: [kraamzorg], consents: [given, AccessPolicyTests.consent(.withdrawn)]).isEmpty)
    }
}
