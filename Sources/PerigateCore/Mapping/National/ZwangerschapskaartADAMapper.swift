import Foundation
import PerigateXML

/// The pregnancy card of Geboortezorg 3.2.6 (MedMij) as ADA XML: the integrated card
/// (`med_mij_01_beschikbaarstellen_integrale_zwangerschapskaart`), its maternity-care part
/// (`med_mij_kraam_beschikbaarstellen`) and its ultrasound part (`med_mij_echo_beschikbaarstellen`).
/// All three carry the same administrative block (`administratief`: the woman as `patient`, the
/// care providers, the professionals) and care episode (`zorgverlening/zorg_episode`: the
/// pregnancy's dossier); the integrated card adds her pregnancy data (`zwangerschapsgegevens`) and
/// measurements (`bouwstenen/metingen`). Read into the same canonical facts as the kernset: the
/// woman, the pregnancy (dossier, gravidity, parity, due date), the care period of the
/// coordinating provider, the care team and her blood pressures. A card is not an event: it puts
/// nothing on her timeline.
struct ZwangerschapskaartADAMapper {
    let message: NationalMessage
    let root: XMLNode
    var nr: NationalReader { message.nr }

    static let transactions = ["med_mij_01_beschikbaarstellen_integrale_zwangerschapskaart", "med_mij_kraam_beschikbaarstellen",
                               "med_mij_echo_beschikbaarstellen"]

    init(_ message: NationalMessage) throws {
        self.message = message
        root = try message.required("(" + Self.transactions.map { "/adaxml/data/\($0)" }.joined(separator: " | ") + ")[1]",
                                    "the pregnancy card transaction")
    }

    func map() throws -> MessageFacts {
        let administrative = nr.node("administratief", in: root)
        // The woman: the patient the card's `vrouw` refers to, else the first patient.
        let reference = nr.text("vrouw/demografische_gegevens/patient/@value", in: root)
        let patients = nr.nodes("patient", in: administrative)
        let woman = patients.first { nr.text("@id", in: $0) == reference } ?? patients.first
        let bsn = try message.motherBSN(nr.text("identificatienummer[@root='\(NationalReader.bsnOID)']/@value", in: woman))
        let providers = nr.nodes("zorgaanbieder", in: administrative).compactMap(organisation)
        let provider = providers.first ?? OrganisationRef()
        let provenance = message.provenance(id: ADAMessage.id(nr, root: root, raw: message.raw), sender: provider, time: ADAMessage.time(nr))
        let episode = nr.node("zorgverlening/zorg_episode", in: root)
        var client = try client(bsn: bsn, woman: woman)
        client.insurance = try insurance(nr.node("betaler/verzekeraar", in: administrative))
        let contacts = nr.nodes("contactpersoon", in: administrative).compactMap(contactPerson)
        client.contactPersons = contacts.isEmpty ? nil : contacts
        return MessageFacts(
            provenance: provenance, client: client, pregnancy: try pregnancy(episode: episode),
            careTeam: CareTeamFacts(organisations: providers, persons: nr.nodes("zorgverlener", in: administrative).compactMap(person)),
            events: [], obstetricHistory: nil, findings: try findings(), delivery: nil, children: [], postpartum: nil, signals: [],
            consents: [], attachments: [],
            carePeriod: episode == nil ? nil : CarePeriod(organisation: providers.first, start: try nr.date("begin_datum/@value", in: episode),
                                                          end: try nr.date("eind_datum/@value", in: episode), periods: nil))
    }

    /// A care provider: its AGB or URA by the identifier's root, its name.
    private func organisation(_ node: XMLNode) -> OrganisationRef? {
        let id = nr.node("zorgaanbieder_identificatienummer", in: node)
        let root = id.flatMap { nr.text("@root", in: $0) }
        let value = id.flatMap { nr.text("@value", in: $0) }
        let organisation = OrganisationRef(ura: root == NationalReader.uraOID ? value : nil, agb: root == NationalReader.agbOID ? value : nil,
                                           name: nr.text("organisatie_naam/@value", in: node))
        return organisation == OrganisationRef() ? nil : organisation
    }

    /// A professional: UZI or AGB by the identifier's root, name, specialism.
    private func person(_ node: XMLNode) -> PersonRef? {
        let root = nr.text("zorgverlener_identificatienummer/@root", in: node)
        let value = nr.text("zorgverlener_identificatienummer/@value", in: node)
        let name = [nr.text("naamgegevens/voornamen/@value", in: node) ?? nr.text("naamgegevens/initialen/@value", in: node),
                    nr.text("naamgegevens/geslachtsnaam/voorvoegsels/@value", in: node),
                    nr.text("naamgegevens/geslachtsnaam/achternaam/@value", in: node)].compactMap { $0 }.joined(separator: " ")
        let person = PersonRef(uzi: root == NationalReader.uziOID ? value : nil, agb: root == NationalReader.agbOID ? value : nil,
                               name: name.isEmpty ? nil : name, role: nr.text("specialisme/@displayName", in: node))
        return person == PersonRef() ? nil : person
    }

    /// A person's `naamgegevens`: given names, initials, surname prefix, surname.
    private func names(_ person: XMLNode?) -> (String?, String?, String?, String?) {
        (nr.text("naamgegevens/voornamen/@value", in: person), nr.text("naamgegevens/initialen/@value", in: person),
         nr.text("naamgegevens/geslachtsnaam/voorvoegsels/@value", in: person), nr.text("naamgegevens/geslachtsnaam/achternaam/@value", in: person))
    }

    private func client(bsn: String, woman: XMLNode?) throws -> ClientFacts {
        var client = ClientFacts(bsn: bsn)
        (client.givenNames, client.initials, client.surnamePrefix, client.surname) = names(woman)
        client.birthDate = try nr.date("geboortedatum/@value", in: woman)
        if let address = nr.node("adresgegevens", in: woman) {
            client.address = Address(street: nr.text("straat/@value", in: address), houseNumber: nr.text("huisnummer/@value", in: address),
                                     postcode: nr.text("postcode/@value", in: address), city: nr.text("woonplaats/@value", in: address))
        }
        return client
    }

    /// Her insurer (`betaler/verzekeraar`): name, UZOVI number, her policy number, kind and period.
    private func insurance(_ node: XMLNode?) throws -> Insurance? {
        guard let node else { return nil }
        let found = Insurance(insurer: nr.text("organisatie_naam/@value", in: node),
                              uzovi: nr.text("identificatie_nummer[@root='\(NationalReader.uzoviOID)']/@value", in: node),
                              policyNumber: nr.text("verzekerde_nummer/@value", in: node), kind: nr.coded("verzekering/verzekeringssoort", in: node),
                              start: try nr.date("verzekering/begin_datum_tijd/@value", in: node),
                              end: try nr.date("verzekering/eind_datum_tijd/@value", in: node))
        return found == Insurance() ? nil : found
    }

    /// A contact person of hers (`contactpersoon`): name, relationship, phone.
    private func contactPerson(_ node: XMLNode) -> ContactPerson? {
        var contact = ContactPerson()
        (contact.givenNames, contact.initials, contact.surnamePrefix, contact.surname) = names(node)
        contact.relationship = nr.coded("relatie", in: node)
        contact.phone = nr.text("contactgegevens/telefoonnummers/telefoonnummer/@value", in: node)
        return contact == ContactPerson() ? nil : contact
    }

    private func pregnancy(episode: XMLNode?) throws -> PregnancyFacts? {
        let data = nr.node("zwangerschapsgegevens", in: root)
        var pregnancy = PregnancyFacts()
        pregnancy.dossierId = nr.text("identificatienummer/@value", in: episode)
        pregnancy.status = nr.text("status_zorgepisode/@code", in: episode)
        pregnancy.gravidity = nr.int("zwangerschap/graviditeit/@value", in: data)
        pregnancy.parity = nr.int("zwangerschap/pariteit/@value", in: data)
        pregnancy.dueDate = try nr.date("definitieve_a_terme_datum_observatie/definitieve_a_terme_waarde/@value", in: data)
        pregnancy.dueDateMethod = nr.text("definitieve_a_terme_datum_observatie/definitieve_a_terme_methode/@displayName", in: data)
        return pregnancy == PregnancyFacts() ? nil : pregnancy
    }

    /// Her blood pressures (`bouwstenen/metingen/bloeddruk`), when and how high.
    private func findings() throws -> Findings? {
        let pressures = try nr.nodes("bouwstenen/metingen/bloeddruk", in: root).map { node in
            BloodPressure(time: try nr.date("bloeddruk_datum_tijd/@value", in: node), systolic: nr.int("systolische_bloeddruk/@value", in: node),
                          diastolic: nr.int("diastolische_bloeddruk/@value", in: node))
        }
        let findings = Findings(bloodPressure: pressures, labResults: [], medication: [], allergies: [])
        return findings.isEmpty ? nil : findings
    }
}
