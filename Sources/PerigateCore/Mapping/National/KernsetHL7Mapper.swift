import PerigateXML

/// Kernset geboortezorg 2.2/2.3 as HL7v3 (`REPC_IN004014NL`): the care provision event of one
/// organisation — mother, care period, referrals, pregnancy, delivery and each child. See
/// docs/national-standards.md for the mapping table.
struct KernsetHL7Mapper {
    let message: NationalMessage
    let event: XMLNode
    var nr: NationalReader { message.nr }

    init(_ message: NationalMessage) throws {
        self.message = message
        event = try message.required("(//hl7:CareProvisionEvent)[1]", "the CareProvisionEvent")
    }

    func map() throws -> MessageFacts {
        let bsn = try message.motherBSN(nr.id(NationalReader.bsnOID, in: nr.node("hl7:subject/hl7:patient", in: event)))
        let author = nr.node("/*/hl7:ControlActProcess/hl7:authorOrPerformer/hl7:participant/hl7:AssignedPerson")
        let sender = nr.organisation(nr.node("hl7:Organization", in: author)) ?? OrganisationRef()
        let provenance = message.provenance(id: HL7Message.id(nr) ?? "", sender: sender, time: try nr.date("/*/hl7:creationTime/@value") ?? "")
        let responsible = nr.organisation(nr.node("hl7:verifier/hl7:assignedPerson/hl7:representedOrganization", in: event))
        var persons = [HL7Message.person(author, nr: nr, organisation: sender)]
        let overseer = nr.node("/*/hl7:ControlActProcess/hl7:overseer/hl7:AssignedPerson")
        persons.append(HL7Message.person(overseer, nr: nr, organisation: nr.organisation(nr.node("hl7:Organization", in: overseer))))
        return MessageFacts(
            provenance: provenance, client: try client(bsn: bsn), pregnancy: try pregnancy(),
            careTeam: CareTeamFacts(organisations: [sender, responsible].compactMap { $0 }.uniqued(), persons: persons.compactMap { $0 }.uniqued()),
            events: try referrals(provenance: provenance), obstetricHistory: try HL7Message.previousPregnancies(nr, in: event), findings: nil, delivery: try delivery(),
            children: try children(motherBSN: bsn), postpartum: nil, signals: [], consents: [], attachments: [],
            carePeriod: CarePeriod(organisation: responsible, start: try nr.date("hl7:effectiveTime/hl7:low/@value", in: event),
                                   end: try nr.date("hl7:effectiveTime/hl7:high/@value", in: event),
                                   periods: nonEmpty(nr.nodes("hl7:pertinentInformation3/hl7:observation[hl7:code/@code='Rpp']/hl7:value", in: event)
                                       .compactMap(nr.code(of:)))))
    }

    private func client(bsn: String) throws -> ClientFacts {
        let patient = nr.node("hl7:subject/hl7:patient", in: event)
        let person = nr.node("hl7:patientPerson", in: patient)
        var client = ClientFacts(bsn: bsn)
        client.fullName = nr.name("hl7:name", in: person)
        client.birthDate = try nr.date("hl7:birthTime/@value", in: person)
        client.ethnicity = nr.coded("hl7:ethnicGroupCode", in: person)
        client.address = HL7Message.address(nr.node("hl7:addr", in: patient), nr: nr)
        return client
    }

    /// An observation directly under the event, by code.
    private func observation(_ code: String) -> String { "hl7:pertinentInformation3/hl7:observation[hl7:code/@code='\(code)']" }

    private func pregnancy() throws -> PregnancyFacts {
        let check = nr.node("hl7:pertinentInformation3/hl7:procedure[hl7:code/@code='18114009'][1]", in: event)
        var pregnancy = PregnancyFacts()
        pregnancy.dossierId = nr.text("hl7:id/@extension", in: event)
        pregnancy.gravidity = nr.int(observation("Gravidity") + "/hl7:value/@value", in: event)
        pregnancy.parity = nr.int(observation("Parturit") + "/hl7:value/@value", in: event)
        pregnancy.dueDate = try nr.date(observation("EDDDef") + "/hl7:value/@value", in: event)
        pregnancy.firstCheckDate = try nr.date("hl7:effectiveTime/@value", in: check)
        pregnancy.firstCheckGestationalAge = nr.weeksAndDays("hl7:outboundRelationship/hl7:observation[hl7:code/@code='445872007']/hl7:value/@value", in: check)
        pregnancy.plannedPlaceOfBirthCode = nr.coded(
            "hl7:pertinentInformation3/hl7:organizer[hl7:code/@code='Voornemen']/hl7:component/hl7:observation[hl7:code/@code='PRN4209']/hl7:value", in: event)
        pregnancy.outcome = nr.coded(observation("EindeZw") + "/hl7:value", in: event)
        pregnancy.riskStatusAfterIntake = nr.coded(observation("RiskStat") + "/hl7:value", in: event)
        return pregnancy
    }

    /// Referral details (`3457005`): when, from and to (LVR ids), type and reasons. A yes/no
    /// finding among the reasons (`xsi:type="BL"`, e.g. "hyperemesis: unknown") is not a coded
    /// reason, as the ADA form's `…q` booleans are not: neither form makes it one.
    private func referrals(provenance: Provenance) throws -> [CareEvent] {
        try nr.nodes("hl7:pertinentInformation3/hl7:act[hl7:code/@code='3457005']", in: event).map { act in
            let organisation = { (role: String) in
                nr.organisation(nr.node("hl7:\(role)/hl7:assignedEntity/hl7:representedOrganization", in: act))
            }
            let placed = CareEvent.time(stated: try nr.date("hl7:effectiveTime/@value", in: act), message: provenance)
            var referral = CareEvent(type: "referral", time: placed.time,
                                     from: organisation("author") ?? OrganisationRef(), to: [organisation("performer")].compactMap { $0 },
                                     reasons: nr.nodes("hl7:outboundRelationship[@typeCode='RSON']//hl7:observation/hl7:value[@code or (@nullFlavor and not(@xsi:type = 'BL' or substring-after(@xsi:type, ':') = 'BL'))]", in: act)
                                         .compactMap(nr.code(of:)))
            referral.timeFromMessage = placed.fromMessage
            referral.code = nr.coded("hl7:outboundRelationship[@typeCode='GEN']/hl7:act/hl7:code", in: act)
            return referral
        }
    }

    private var deliveryOrganizer: String { "hl7:pertinentInformation3/hl7:organizer[hl7:code/@code='236973005']" }

    private func delivery() throws -> DeliveryFacts? {
        guard let organizer = nr.node(deliveryOrganizer, in: event) else { return nil }
        let component = { (code: String) in "hl7:component/hl7:observation[hl7:code/@code='\(code)']" }
        var delivery = DeliveryFacts()
        delivery.childrenBorn = nr.int(component("NBorn16") + "/hl7:value/@value", in: organizer)
        delivery.riskStatusBeforeLabour = nr.coded(component("PRN5102") + "/hl7:value", in: organizer)
        delivery.activeLabourStart = try nr.date(
            "hl7:component/hl7:observation[hl7:code/@code='249120008' or hl7:code/@code='PRN520301']/hl7:effectiveTime/@value", in: organizer)
        delivery.bloodLossMl = nr.int(component("364332008") + "/hl7:value/@value", in: organizer)
        return delivery
    }

    private func children(motherBSN: String) throws -> [ChildFacts] {
        try nr.nodes(deliveryOrganizer + "/hl7:component/hl7:procedure[hl7:code/@code='Baring']", in: event).enumerated().map { index, birth in
            let holder = nr.node("hl7:subject/hl7:personalRelationship/hl7:relationshipHolder", in: birth)
            let observed = { (code: String) in "hl7:outboundRelationship/hl7:observation[hl7:code/@code='\(code)']/hl7:value" }
            let sequence = nr.int(observed("BirthOrderNumber") + "/@value", in: birth) ?? index + 1
            var child = ChildFacts(sequence: sequence, motherBSN: motherBSN, bsn: nr.id(NationalReader.bsnOID, in: holder))
            child.birthDateTime = try nr.date("hl7:birthTime/@value", in: holder)
            child.perinatalDeath = nr.bool("hl7:deceasedInd/@value", in: holder)
            child.sexCode = nr.coded(observed("46098-0"), in: birth)
            child.sex = child.sexCode.flatMap { NationalCodes.sex[$0.code] }
            child.birthWeightGrams = nr.int(observed("8339-4") + "/@value", in: birth)
            child.apgar1 = nr.int(observed("9272-6") + "/@value", in: birth)
            child.apgar5 = nr.int(observed("9274-2") + "/@value", in: birth)
            child.deliveryType = nr.coded(
                "hl7:outboundRelationship/hl7:observation[hl7:code/@code='364336006' or hl7:code/@code='289258004']/hl7:value", in: birth)
            child.placeOfBirth = nr.coded("hl7:location/hl7:healthCareFacility/hl7:code", in: birth)
            child.birthHospital = nr.text("hl7:location/hl7:healthCareFacility/hl7:id/@extension", in: birth).map { OrganisationRef(lvrId: $0) }
            return child
        }
    }
}
