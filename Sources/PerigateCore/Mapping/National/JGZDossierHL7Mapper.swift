import PerigateXML

/// HL7v3 JGZ dossier transfer 7.0 (`REPC_IN902120NL03`), between youth health care organisations.
/// Its client is the child: the record it feeds is the child's (keyed by the child's BSN), with
/// the transfer on the timeline and both organisations in the care team. The dossier's contents
/// (contacts, measurements, rubrics) stay in the raw message; they are not mapped.
struct JGZDossierHL7Mapper {
    let message: NationalMessage
    let care: XMLNode
    var nr: NationalReader { message.nr }

    init(_ message: NationalMessage) throws {
        self.message = message
        care = try message.required("(//hl7:careProvisionEvent)[1]", "the careProvisionEvent")
    }

    func map() throws -> MessageFacts {
        let patient = nr.node("hl7:subject/hl7:patient", in: care)
        let person = nr.node("hl7:patientPerson", in: patient)
        guard let bsn = nr.id(NationalReader.bsnOID, in: patient).flatMap(BSN.init)?.value else { throw message.missing("the child's BSN") }
        let sender = nr.organisation(nr.node("/*/hl7:ControlActProcess/hl7:authorOrPerformer/hl7:participant/*/hl7:Organization")) ?? OrganisationRef()
        let entity = nr.node("hl7:author/hl7:assignedEntity", in: care)
        var previous = OrganisationRef(ura: nr.id(NationalReader.uraOID, in: entity), name: nr.text("hl7:assignedOrganization/hl7:name", in: entity))
        if previous == OrganisationRef() { previous = sender }
        let time = try nr.date("/*/hl7:creationTime/@value") ?? ""
        var client = ClientFacts(bsn: bsn)
        client.fullName = nr.name("hl7:name", in: person)
        client.givenNames = nr.text("hl7:name/hl7:given", in: person)
        client.surname = nr.text("hl7:name/hl7:family", in: person)
        client.birthDate = try nr.date("hl7:birthTime/@value", in: person)
        client.address = HL7Message.address(nr.node("hl7:addr", in: patient), nr: nr)
        var transfer = CareEvent(type: "jgz-dossier-transfer", time: time, from: sender, to: [], reasons: [])
        transfer.code = nr.coded("hl7:code", in: care)
        return MessageFacts(
            provenance: message.provenance(id: HL7Message.id(nr) ?? "", sender: sender, time: time), client: client, pregnancy: nil,
            careTeam: CareTeamFacts(organisations: [sender, previous].uniqued(), persons: []), events: [transfer], obstetricHistory: nil,
            findings: nil, delivery: nil, children: [], postpartum: nil, signals: [], consents: [], attachments: [])
    }
}
