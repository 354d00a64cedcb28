import Foundation
import PerigateXML

/// "Overdracht acute fase" 2.1 as ADA XML (root `ada`; no XSD is published): the same facts as
/// ``AcuteOverdrachtHL7Mapper``. The birth plan is a reference to a separate file (`@attachment`).
struct AcuteOverdrachtADAMapper {
    let message: NationalMessage
    let root: XMLNode
    var nr: NationalReader { message.nr }

    init(_ message: NationalMessage) throws {
        self.message = message
        root = try message.required("/ada", "the ada element")
    }

    func map() throws -> MessageFacts {
        let woman = nr.node("vrouw", in: root)
        let bsn = try message.motherBSN(nr.text("burgerservicenummer/@extension", in: woman) ?? nr.text("burgerservicenummer/@value", in: woman))
        let professional = nr.node("zorgverlenerzorginstelling/zorgverlener", in: root)
        let organisation = OrganisationRef(name: nr.text("zorginstelling/naam_zorginstelling/@text", in: professional))
        let midwife = PersonRef(name: nr.text("naam_zorgverlener/@text", in: professional), organisation: organisation,
                                phone: nr.text("telefoon_waar_zorgverlener_is_te_bereiken/@value", in: professional))
        let time = ADAMessage.time(nr)
        let provenance = message.provenance(id: ADAMessage.id(nr, root: root, raw: message.raw), sender: organisation, time: time)
        let reason = nr.node("redenen_van_overdracht_aan", in: root)
        var handover = CareEvent(type: "referral", subtype: "acute-overdracht", urgency: "acuut", time: time, from: organisation,
                                 fromPerson: midwife, to: [], reasons: [nr.coded("categorie_reden_acute_overdracht", in: reason)].compactMap { $0 })
        handover.text = nr.text("toelichting_reden/@text", in: reason)
        var client = ClientFacts(bsn: bsn)
        client.fullName = nr.text("naam_vrouw/@text", in: woman)
        client.givenNames = nr.text("naam_vrouw/voornamen/@text", in: woman)
        client.surname = nr.text("naam_vrouw/achternamen/@text", in: woman)
        client.birthDate = try nr.date("geboortedatum/@value", in: woman)
        client.bloodGroup = nr.coded("bloedgroep_vrouw", in: root)
        client.rhesusD = nr.coded("rhesus_d_factor_vrouw", in: root)
        let pregnancyNode = nr.node("zwangerschap", in: root)
        var pregnancy = PregnancyFacts()
        pregnancy.dossierId = nr.text("identificatie_van_de_zwangerschap/@value", in: pregnancyNode)
        pregnancy.gravidity = nr.int("graviditeit/@value", in: pregnancyNode)
        pregnancy.parity = nr.int("pariteit_voor_deze_zwangerschap/@value", in: pregnancyNode)
        pregnancy.dueDate = try nr.date("a_terme_datum/@value", in: pregnancyNode)
        pregnancy.bmi = nr.decimal("bmi_vrouw/@value", in: root)
        var delivery = DeliveryFacts()
        delivery.bloodLossMl = nr.int("hoeveelheid_bloedverlies_tot_acute_overdracht/@value", in: root)
        delivery.activeLabourStart = try nr.date("bevalling/tijdstip_begin_actieve_ontsluiting/@value", in: root)
        delivery.membranesRuptured = try nr.date("(uitkomst_per_kind/baring/tijdstip_breken_vliezen)[1]/@value", in: root)
        return MessageFacts(
            provenance: provenance, client: client, pregnancy: pregnancy,
            careTeam: CareTeamFacts(organisations: [organisation], persons: [midwife]), events: [handover],
            obstetricHistory: try ADAMessage.previousPregnancies(nr, in: root), findings: nil, delivery: delivery, children: [], postpartum: nil,
            signals: [], consents: [], attachments: attachments(pregnancyNode))
    }

    /// The birth plan, referenced by file name (ADA keeps it outside the XML).
    private func attachments(_ pregnancy: XMLNode?) -> [AttachmentRef] {
        nr.nodes("bevalplan[@attachment]", in: pregnancy).map { _ in AttachmentRef(title: "Bevalplan", mimeType: nil, bytes: nil) }
    }
}
