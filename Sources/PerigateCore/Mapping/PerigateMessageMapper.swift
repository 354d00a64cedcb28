import PerigateXML

/// Maps Perigate's own message kinds (version 1.x, namespaces `urn:perigate:KIND:1`) into
/// canonical facts with XPath over the validated document. One mapper per document; not shared.
struct PerigateMessageMapper {
    let kind: String
    let version: String
    let read: NodeReader
    let root: XMLNode

    init(document: XMLDocument, kind: String, version: String, namespace: String) throws {
        guard let root = document.rootNode else {
            throw MappingError(code: .notValid, message: "the document has no root element")
        }
        self.kind = kind
        self.version = version
        self.root = root
        read = NodeReader(query: XPathQuery(document: document, namespaces: ["m": namespace]))
    }

    func map() throws -> MessageFacts {
        let sender = organisation(read.node("m:header/m:afzender/m:organisatie", in: root))
        guard let messageId = read.text("m:header/m:berichtId", in: root),
              let time = read.dateTime("m:header/m:aanmaakTijd", in: root),
              let bsn = read.text("m:client/m:bsn", in: root).flatMap(BSN.init)?.value else {
            throw MappingError(code: .missingField, message: "header or client BSN missing in \(kind) \(version)")
        }
        let provenance = Provenance(messageId: messageId, kind: kind, version: version, sender: sender, time: time)
        return MessageFacts(
            provenance: provenance, client: client(bsn: bsn), pregnancy: pregnancy(), careTeam: careTeam(),
            events: events(provenance: provenance), obstetricHistory: obstetricHistory(), findings: findings(),
            delivery: delivery(), children: children(motherBSN: bsn), postpartum: postpartum(),
            signals: signals(), consents: consents(), attachments: attachments())
    }

    // MARK: parties

    func organisation(_ node: XMLNode?) -> OrganisationRef {
        guard let node else { return OrganisationRef() }
        return OrganisationRef(ura: read.text("m:ura", in: node), agb: read.text("m:agb", in: node),
                               name: read.text("m:naam", in: node), type: read.text("m:type", in: node))
    }

    func person(_ node: XMLNode?, organisation: OrganisationRef? = nil) -> PersonRef? {
        guard let node else { return nil }
        return PersonRef(uzi: read.text("m:uzi", in: node), agb: read.text("m:agb", in: node),
                         big: read.text("m:big", in: node), name: read.text("m:naam", in: node),
                         role: read.text("m:rol", in: node), organisation: organisation)
    }

    private func careTeam() -> CareTeamFacts {
        let header = read.node("m:header", in: root)
        let senderOrganisation = organisation(read.node("m:afzender/m:organisatie", in: header))
        var organisations = [senderOrganisation]
        var persons = [person(read.node("m:afzender/m:zorgverlener", in: header), organisation: senderOrganisation),
                       person(read.node("m:afzender/m:verantwoordelijke", in: header), organisation: senderOrganisation)]
        for recipient in read.nodes("m:ontvanger", in: header) {
            let recipientOrganisation = organisation(read.node("m:organisatie", in: recipient))
            organisations.append(recipientOrganisation)
            persons.append(person(read.node("m:zorgverlener", in: recipient), organisation: recipientOrganisation))
        }
        return CareTeamFacts(organisations: organisations.uniqued(), persons: persons.compactMap { $0 }.uniqued())
    }

    // MARK: client and pregnancy

    private func client(bsn: String) -> ClientFacts {
        let node = read.node("m:client", in: root)
        let address = read.node("m:adres", in: node).map { address in
            Address(street: read.text("m:straat", in: address), houseNumber: read.text("m:huisnummer", in: address),
                    houseNumberAddition: read.text("m:huisnummertoevoeging", in: address),
                    postcode: read.text("m:postcode", in: address), city: read.text("m:woonplaats", in: address))
        }
        return ClientFacts(
            bsn: bsn, givenNames: read.text("m:naam/m:voornamen", in: node), initials: read.text("m:naam/m:initialen", in: node),
            surnamePrefix: read.text("m:naam/m:voorvoegsels", in: node), surname: read.text("m:naam/m:achternaam", in: node),
            birthDate: read.text("m:geboortedatum", in: node), address: address, phone: read.text("m:telefoon", in: node),
            email: read.text("m:email", in: node), language: read.text("m:voorkeurstaal", in: node),
            interpreterNeeded: read.bool("m:tolkNodig", in: node),
            interpreter: read.node("m:tolkbehoefte", in: root).map { need in
                InterpreterNeed(language: read.text("m:taal", in: need), kind: read.text("m:soort", in: need))
            })
    }

    private func pregnancy() -> PregnancyFacts? {
        let node = read.node("m:zwangerschap", in: root)
        let planned = read.text("m:kraamzorg/m:geplandePlaatsBevalling", in: root)
        // Every kind's newer minor version (verwijzing 1.2, terugverwijzing, kraamzorgoverdracht
        // and jgzoverdracht 1.1, phbaanmelding 2.1) may name the pregnancy's dossier number; an
        // older version has none (upcast: the same facts, without it).
        let dossier = read.text("m:zwangerschapsdossier", in: root)
        guard node != nil || planned != nil || dossier != nil else { return nil }
        return PregnancyFacts(
            dueDate: read.text("m:aTermeDatum", in: node), dueDateMethod: read.text("m:aTermeDatumBepaling", in: node),
            gravidity: read.int("m:graviditeit", in: node), parity: read.int("m:pariteit", in: node),
            plannedPlaceOfBirth: planned, dossierId: dossier)
    }
}
