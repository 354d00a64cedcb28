import Foundation
import PerigateXML

/// Kernset geboortezorg as ADA XML: 2.2 (`kernset_aanleverbericht`, in an `adaxml` envelope or
/// bare) and 2.3 (`kernset_geboortezorg`). Same canonical facts as the HL7v3 form
/// (``KernsetHL7Mapper``); the cross-format oracle test holds them to that.
struct KernsetADAMapper {
    let message: NationalMessage
    let root: XMLNode
    var nr: NationalReader { message.nr }

    init(_ message: NationalMessage) throws {
        self.message = message
        root = try message.required("(/adaxml/data/kernset_geboortezorg | /adaxml/data/kernset_aanleverbericht | /kernset_aanleverbericht)[1]",
                                    "the kernset element")
    }

    func map() throws -> MessageFacts {
        let bsn = try message.motherBSN(nr.text("vrouw/burgerservicenummer/@value", in: root))
        let responsible = nr.text("zorgverlenerzorginstelling/zorginstelling/zorginstelling_lvrid/@value", in: root).map {
            OrganisationRef(agb: nr.text("zorgverlenerzorginstelling/zorginstelling/zorginstelling_agbid/@value", in: root),
                            name: nr.text("zorgverlenerzorginstelling/zorginstelling/naam_zorginstelling/@value", in: root), lvrId: $0)
        }
        let provenance = message.provenance(id: ADAMessage.id(nr, root: root, raw: message.raw), sender: responsible ?? OrganisationRef(),
                                            time: ADAMessage.time(nr))
        let care = nr.node("zorgverlening", in: root)
        return MessageFacts(
            provenance: provenance, client: try client(bsn: bsn), pregnancy: try pregnancy(care: care),
            careTeam: CareTeamFacts(organisations: [responsible].compactMap { $0 }, persons: []),
            events: try referrals(care: care, provenance: provenance), obstetricHistory: try ADAMessage.previousPregnancies(nr, in: root), findings: nil, delivery: try delivery(),
            children: try children(motherBSN: bsn), postpartum: nil, signals: [], consents: [], attachments: [],
            carePeriod: CarePeriod(organisation: responsible, start: try nr.date("datum_start_zorgverantwoordelijkheid/@value", in: care),
                                   end: try nr.date("datum_einde_zorgverantwoordelijkheid/@value", in: care),
                                   periods: nonEmpty(nr.nodes("eindverantwoordelijk_in_welke_perinatale_periodeq", in: care).compactMap(nr.code(of:)))))
    }

    private func client(bsn: String) throws -> ClientFacts {
        let woman = nr.node("vrouw", in: root)
        var client = ClientFacts(bsn: bsn)
        client.birthDate = try nr.date("geboortedatum/@value", in: woman)
        client.ethnicity = nr.coded("etniciteit", in: woman)
        if let address = nr.node("adres", in: woman) {
            client.address = Address(postcode: nr.text("postcode/@value", in: address), city: nr.text("woonplaats/@value", in: address))
        }
        return client
    }

    private func pregnancy(care: XMLNode?) throws -> PregnancyFacts {
        let node = nr.node("zwangerschap", in: root)
        let check = nr.node("prenatale_controle[1]", in: node)
        var pregnancy = PregnancyFacts()
        pregnancy.dossierId = nr.text("dossiernummer/@value", in: node)
        pregnancy.gravidity = nr.int("graviditeit/@value", in: node)
        pregnancy.parity = nr.int("pariteit_voor_deze_zwangerschap/@value", in: node)
        pregnancy.dueDate = try nr.date("definitieve_a_terme_datum/@value", in: node)
        pregnancy.firstCheckDate = try nr.date("datum_controle/@value", in: check)
        pregnancy.firstCheckGestationalAge = nr.weeksAndDays("zwangerschapsduur/@value", in: check)
        pregnancy.plannedPlaceOfBirthCode = nr.coded("voornemens/voorgenomen_plaats_baring_tijdens_zwangerschap_type_locatie", in: node)
        pregnancy.outcome = nr.coded("wijze_einde_zwangerschap", in: node)
        pregnancy.riskStatusAfterIntake = nr.coded("conclusie_risicostatus_na_intake", in: care)
        return pregnancy
    }

    private func referrals(care: XMLNode?, provenance: Provenance) throws -> [CareEvent] {
        try nr.nodes("verwijsdetails", in: care).map { details in
            let organisation = { (side: String) in
                nr.text("\(side)/zorginstelling/zorgaanbieder_identificatie_nummer/@value", in: details).map { OrganisationRef(lvrId: $0) }
            }
            let placed = CareEvent.time(stated: try nr.date("datum_verwijzing/@value", in: details), message: provenance)
            var referral = CareEvent(type: "referral", time: placed.time,
                                     from: organisation("verwijzing_van") ?? OrganisationRef(), to: [organisation("verwijzing_naar")].compactMap { $0 },
                                     reasons: nr.nodes("redenen_van_verwijzing//*[@code]", in: details).compactMap(nr.code(of:)))
            referral.timeFromMessage = placed.fromMessage
            referral.code = nr.coded("verwijzing_naar/type_verwijzing", in: details)
            return referral
        }
    }

    private func delivery() throws -> DeliveryFacts? {
        guard let node = nr.node("bevalling", in: root) else { return nil }
        var delivery = DeliveryFacts()
        delivery.childrenBorn = nr.int("aantal_geboren_kinderen/@value", in: node)
        delivery.riskStatusBeforeLabour = nr.coded("risicostatus_voor_baring", in: node)
        delivery.activeLabourStart = try nr.date("tijdstip_begin_actieve_ontsluiting/@value", in: node)
        delivery.bloodLossMl = nr.int("hoeveelheid_bloedverlies/@value", in: node)
        return delivery
    }

    private func children(motherBSN: String) throws -> [ChildFacts] {
        try nr.nodes("uitkomst_per_kind/baring", in: root).enumerated().map { index, birth in
            let person = nr.node("demografische_gegevens", in: birth)
            let outcome = nr.node("kindspecifieke_uitkomstgegevens", in: birth)
            var child = ChildFacts(sequence: nr.int("rangnummer_kind/@value", in: person) ?? index + 1, motherBSN: motherBSN,
                                   bsn: nr.text("identificaties_kind/bsn_kind/@value", in: person))
            child.birthDateTime = try nr.date("geboortedatum/@value", in: person)
            child.perinatalDeath = nr.bool("perinatale_sterfte_groep/perinatale_sterfteq/@value", in: person)
            child.sexCode = nr.coded("geslacht_medische_observatie", in: person)
            child.sex = child.sexCode.flatMap { NationalCodes.sex[$0.code] }
            child.birthWeightGrams = nr.int(".//geboortegewicht/@value", in: outcome)
            child.apgar1 = nr.int(".//apgarscore_na_1_min/@value", in: outcome)
            child.apgar5 = nr.int(".//apgarscore_na_5_min/@value", in: outcome)
            child.deliveryType = nr.coded("type_partus", in: outcome)
            child.placeOfBirth = nr.coded("werkelijke_plaats_baring_type_locatie", in: birth)
            child.birthHospital = nr.text("ziekenhuis_baring/ziekenhuisnummer_lvrid/@value", in: birth).map { OrganisationRef(lvrId: $0) }
            return child
        }
    }
}
