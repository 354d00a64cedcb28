import Foundation
import PerigateXML

/// HL7v3 "Overdracht acute fase" 2.1 (`REPC_IN002120NL`): the acute handover midwife → hospital.
/// The mother, the referring midwife and practice, the reason, pregnancy facts, previous
/// pregnancies and labour so far; an embedded PDF (birth plan) is referenced, not inlined.
struct AcuteOverdrachtHL7Mapper {
    let message: NationalMessage
    let request: XMLNode
    var nr: NationalReader { message.nr }

    init(_ message: NationalMessage) throws {
        self.message = message
        request = try message.required("/*/hl7:ControlActProcess/hl7:subject/hl7:careProvisionRequest", "the careProvisionRequest")
    }

    /// An observation anywhere under `pertinentInformation3` organizer `organizer` (or directly), by code.
    private func value(_ code: String, organizer: String? = nil) -> String {
        let base = organizer.map { "hl7:pertinentInformation3/hl7:organizer[hl7:code/@code='\($0)']/hl7:component" } ?? "hl7:pertinentInformation3"
        return base + "/hl7:observation[hl7:code/@code='\(code)']/hl7:value"
    }

    func map() throws -> MessageFacts {
        let patient = nr.node("hl7:subject/hl7:patient", in: request)
        let bsn = try message.motherBSN(nr.id(NationalReader.bsnOID, in: patient))
        let controlAuthor = nr.node("/*/hl7:ControlActProcess/hl7:authorOrPerformer/hl7:participant/hl7:AssignedPerson")
        let party = nr.node("hl7:author/hl7:responsibleParty", in: request)
        let organisation = nr.organisation(nr.node("hl7:representedOrganization", in: party))
            ?? nr.organisation(nr.node("hl7:Organization", in: controlAuthor)) ?? OrganisationRef()
        let midwife = PersonRef(name: nr.name("hl7:agentPerson/hl7:name", in: party), organisation: organisation,
                                phone: nr.text("hl7:telecom/@value", in: party))
        let time = try nr.date("/*/hl7:creationTime/@value") ?? ""
        let provenance = message.provenance(id: HL7Message.id(nr) ?? "", sender: organisation, time: time)
        var handover = CareEvent(type: "referral", subtype: "acute-overdracht", urgency: "acuut", time: time, from: organisation,
                                 fromPerson: midwife, to: [], reasons: [nr.coded("hl7:reason/hl7:conditionEvent/hl7:code", in: request)].compactMap { $0 })
        handover.text = nr.text("normalize-space(hl7:reason/hl7:conditionEvent/hl7:text)", in: request)
        let persons = [midwife, HL7Message.person(controlAuthor, nr: nr, organisation: organisation)].compactMap { $0 }
        return MessageFacts(
            provenance: provenance, client: try client(bsn: bsn, patient: patient), pregnancy: try pregnancy(),
            careTeam: CareTeamFacts(organisations: [organisation], persons: persons.uniqued()), events: [handover],
            obstetricHistory: try HL7Message.previousPregnancies(nr, in: request), findings: nil, delivery: try delivery(), children: [], postpartum: nil,
            signals: [], consents: [], attachments: attachments())
    }

    private func client(bsn: String, patient: XMLNode?) throws -> ClientFacts {
        let person = nr.node("hl7:patientPerson", in: patient)
        let name = nr.node("hl7:name", in: person)
        var client = ClientFacts(bsn: bsn)
        client.givenNames = nr.text("hl7:given", in: name)
        client.surnamePrefix = nr.text("hl7:prefix", in: name)
        client.surname = nr.text("hl7:family", in: name)
        client.fullName = nr.name("hl7:name", in: person)
        client.birthDate = try nr.date("hl7:birthTime/@value", in: person)
        client.address = HL7Message.address(nr.node("hl7:addr", in: patient), nr: nr)
        client.bloodGroup = nr.coded(value("883-9"), in: request)
        client.rhesusD = nr.coded(value("978-7"), in: request)
        return client
    }

    private func pregnancy() throws -> PregnancyFacts {
        var pregnancy = PregnancyFacts()
        // The care provision's id: this pregnancy's care at the sending organisation.
        pregnancy.dossierId = nr.text("hl7:id/@extension", in: request)
        pregnancy.gravidity = nr.int(value("Gravidity", organizer: "364320009") + "/@value", in: request)
        pregnancy.parity = nr.int(value("Parturit", organizer: "364320009") + "/@value", in: request)
        pregnancy.dueDate = try nr.date(value("EDD", organizer: "364320009") + "/@value", in: request)
        pregnancy.bmi = nr.decimal(value("39156-5") + "/@value", in: request)
        return pregnancy
    }

    private func delivery() throws -> DeliveryFacts {
        var delivery = DeliveryFacts()
        delivery.bloodLossMl = nr.int(value("364332008") + "/@value", in: request)
        delivery.activeLabourStart = try nr.date("(.//hl7:observation[hl7:code/@code='249120008'])[1]/hl7:effectiveTime/@value", in: request)
        delivery.membranesRuptured = try nr.date("(.//hl7:observation[hl7:code/@code='289251005'])[1]/hl7:effectiveTime/@value", in: request)
        return delivery
    }

    /// Embedded documents (base64 `ED` values, e.g. the birth plan PDF): title, type and size only.
    private func attachments() -> [AttachmentRef] {
        nr.nodes(".//hl7:value[@representation='B64']", in: request).map { node in
            let content = nr.text(".", in: node).flatMap { Data(base64Encoded: $0, options: .ignoreUnknownCharacters) }
            return AttachmentRef(title: nr.text("../hl7:code/@displayName", in: node) ?? nr.text("../hl7:code/@code", in: node),
                                 mimeType: nr.text("@mediaType", in: node), bytes: content?.count)
        }
    }
}
