import Foundation
import PerigateXML

/// HL7v3 JGZ dossier transfer 7.0 (`REPC_IN902120NL03`) and 8.0 (`REPC_IN902120NL04`), between
/// youth health care organisations. Its client is the child: the record it feeds is the child's
/// (keyed by the child's BSN), with the transfer on the timeline and both organisations in the
/// care team. The dossier's contents (contacts, measurements, rubrics) stay in the raw message;
/// they are not mapped. What 8.0 added that the record holds: documents appended to the dossier
/// (`appendage/document`, e.g. the integrated JGZ dossier as PDF), as attachments (title, type,
/// size); its other additions (the child's address, gender, telecom) are read where 7.0 had them.
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
            findings: nil, delivery: nil, children: [], postpartum: nil, signals: [], consents: [], attachments: attachments())
    }

    /// 8.0: documents appended to the dossier (`appendage/document`, base64 text): title, type
    /// and size only, as for the acute handover's embedded documents.
    private func attachments() -> [AttachmentRef] {
        nr.nodes("hl7:appendage/hl7:document", in: care).map { document in
            let text = nr.node("hl7:text", in: document)
            let content = text.flatMap { nr.text(".", in: $0) }.flatMap { Data(base64Encoded: $0, options: .ignoreUnknownCharacters) }
            return AttachmentRef(title: nr.text("hl7:code/@displayName", in: document) ?? nr.text("hl7:title", in: document),
                                 mimeType: text.flatMap { nr.text("@mediaType", in: $0) }, bytes: content?.count)
        }
    }
}
