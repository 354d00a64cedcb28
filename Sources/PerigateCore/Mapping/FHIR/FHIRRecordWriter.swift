import Crypto
import Foundation
import PerigateFHIR

/// Her record (or a partner's view of it) as FHIR STU3 resources with the Nictiz profiles: the
/// woman (`bc-Woman`), each pregnancy (`bc-MaternalRecord`), her care team (nl-core Organization
/// and Practitioner), and every statement as the resource it came from. Facts a record knows
/// only by name (gravidity, parity, due date, blood pressure from Perigate's own kinds or the
/// kernset) are written as the zib Observations Nictiz uses. Element by element in docs/fhir.md.
///
/// Ids are stable for a record and carry nothing of her: the woman is `vrouw-` and a digest of
/// her first message's id, a pregnancy its record id (`zw-…`), an organisation or professional a
/// digest of its identifier.
public struct FHIRRecordWriter: Sendable {
    /// Whether her BSN is in the Patient. A woman's own app under MedMij gets none: the
    /// identifier is there with `data-absent-reason: masked`, as Nictiz's own examples have it.
    public var includeBSN: Bool

    public init(includeBSN: Bool) {
        self.includeBSN = includeBSN
    }

    static let nlCore = "http://fhir.nl/fhir/StructureDefinition/"
    static let snomed = "http://snomed.info/sct"
    static let loinc = "http://loinc.org"
    static let ucum = "http://unitsofmeasure.org"

    /// Every resource of the record, the woman first.
    public func resources(_ record: ClientRecord) -> [FHIRResource] {
        let context = Context(record: record)
        var resources: [FHIRResource] = [.patient(patient(record, context))]
        resources += record.careTeam.organisations.map { .organization(organization($0.item, context)) }
        resources += record.careTeam.persons.map { .practitioner(practitioner($0.item, context)) }
        resources += coverage(record, context)
        resources += contactPersons(record, context).map { .relatedPerson($0) }
        for pregnancy in record.pregnancies {
            resources.append(.episodeOfCare(episode(pregnancy, context)))
            let statements = pregnancy.findings.statements?.map(\.item) ?? []
            resources += children(pregnancy, context).map { .patient($0) } + fetuses(statements, pregnancy, context).map { .bodySite($0) }
            resources += statements.compactMap { resource($0, pregnancy: pregnancy, context) }
            resources += namedFindings(pregnancy, statements: statements, context)
        }
        return resources
    }

    /// Ids and display texts every resource refers to.
    struct Context {
        let patientId: String
        let patientName: String
        let statements: [String: (ClinicalStatement.Kind, String)]
        let careTeam: [String: (type: String, id: String, display: String)]

        init(record: ClientRecord) {
            let first = record.sources.first?.provenance.messageId ?? record.bsn
            patientId = "vrouw-" + Hex.encode(SHA256.hash(data: Data(("perigate-woman:" + first).utf8)).prefix(8))
            patientName = record.facts["client.fullName"]?.value.text
                ?? [record.facts["client.givenNames"]?.value.text, record.facts["client.surname"]?.value.text].compactMap { $0 }.joined(separator: " ")
            var statements: [String: (ClinicalStatement.Kind, String)] = [:]
            for pregnancy in record.pregnancies {
                for statement in pregnancy.findings.statements?.map(\.item) ?? [] {
                    statements[statement.id] = (statement.kind, statement.code?.display ?? statement.code?.code ?? statement.kind.rawValue)
                }
            }
            self.statements = statements
            var team: [String: (String, String, String)] = [:]
            for organisation in record.careTeam.organisations.map(\.item) {
                for key in FHIRRecordWriter.keys(organisation) { team[key] = ("Organization", FHIRRecordWriter.id(organisation), organisation.name ?? key) }
            }
            for person in record.careTeam.persons.map(\.item) {
                for key in FHIRRecordWriter.keys(person) { team[key] = ("Practitioner", FHIRRecordWriter.id(person), person.name ?? key) }
            }
            careTeam = team
        }

        var patient: FHIR.Reference { FHIR.Reference(reference: "Patient/\(patientId)", display: patientName.isEmpty ? "de vrouw" : patientName) }

        /// A statement's target (another statement, the woman, the pregnancy, a care-team member) as a reference.
        func reference(_ target: String, pregnancy: PregnancyRecord) -> FHIR.Reference? {
            if target == "woman" { return patient }
            if target == "pregnancy" { return FHIR.Reference(reference: "EpisodeOfCare/\(pregnancy.id)", display: "Zwangerschap") }
            if let (kind, display) = statements[target] { return FHIR.Reference(reference: "\(FHIRRecordWriter.resourceType(kind))/\(target)", display: display) }
            if let member = careTeam[target] { return FHIR.Reference(reference: "\(member.type)/\(member.id)", display: member.display) }
            let id = String(target.drop { $0 != ":" }.dropFirst())
            if target.hasPrefix("child:"), let sequence = Int(id) {
                return FHIR.Reference(reference: "Patient/\(Self.childId(pregnancy, sequence))",
                                      display: pregnancy.facts["children[\(sequence)].givenNames"]?.value.text ?? "Kind \(sequence)")
            }
            if target.hasPrefix("fetus:") { return FHIR.Reference(reference: "BodySite/\(Self.fetusId(pregnancy, id))", display: "Foetus") }
            return nil
        }

        /// A fetus of a pregnancy: `foetus-` and a digest of the pregnancy and the sender's id for
        /// it (a sender's id is its own text: it is not passed on).
        static func fetusId(_ pregnancy: PregnancyRecord, _ senderId: String) -> String {
            "foetus-" + Hex.encode(SHA256.hash(data: Data("\(pregnancy.id):\(senderId)".utf8)).prefix(8))
        }

        /// A child of a pregnancy: `kind-`, the pregnancy's digest, its sequence.
        static func childId(_ pregnancy: PregnancyRecord, _ sequence: Int) -> String {
            "kind-\(pregnancy.id.hasPrefix("zw-") ? String(pregnancy.id.dropFirst(3)) : pregnancy.id)-\(sequence)"
        }
    }

    // MARK: - The woman, her pregnancies, her care team

    private func patient(_ record: ClientRecord, _ context: Context) -> FHIR.Patient {
        var patient = FHIR.Patient()
        patient.id = context.patientId
        patient.meta = FHIR.Meta(profile: [FHIRURI(Self.nlCore + "nl-core-patient"), FHIRURI(FHIRProfiles.woman)])
        var bsn = FHIR.Identifier(system: FHIRSystems.bsn, value: includeBSN ? record.bsn : nil)
        if !includeBSN {
            var absent = FHIR.Extension(url: "http://hl7.org/fhir/StructureDefinition/data-absent-reason")
            absent.valueCode = "masked"
            bsn.value = FHIRString(nil, extensions: [absent])
        }
        patient.identifier = [bsn]
        let text = { (path: String) in record.facts[path]?.value.text }
        var name = FHIR.HumanName()
        name.text = text("client.fullName").map { FHIRString($0) }
        if let surname = text("client.surname") {
            var own = FHIR.Extension(url: FHIRSystems.ownName)
            own.valueString = FHIRString(surname)
            var prefix: [FHIR.Extension] = []
            if let value = text("client.surnamePrefix") {
                var ext = FHIR.Extension(url: FHIRSystems.ownPrefix)
                ext.valueString = FHIRString(value)
                prefix = [ext]
            }
            name.family = FHIRString([text("client.surnamePrefix"), surname].compactMap { $0 }.joined(separator: " "), extensions: prefix + [own])
        }
        let qualified = { (value: String, qualifier: String) -> FHIRString in
            var ext = FHIR.Extension(url: FHIRSystems.nameQualifier)
            ext.valueCode = FHIRCode(qualifier)
            return FHIRString(value, extensions: [ext])
        }
        let given = (text("client.givenNames").map { [qualified($0, "BR")] } ?? []) + (text("client.initials").map { [qualified($0, "IN")] } ?? [])
        name.given = given.isEmpty ? nil : given
        if name != FHIR.HumanName() { patient.name = [name] }
        patient.gender = "female"
        patient.birthDate = text("client.birthDate").map { FHIRDate(String($0.prefix(10))) }
        var address = FHIR.Address()
        let street = [text("client.address.street"), text("client.address.houseNumber"), text("client.address.houseNumberAddition")].compactMap { $0 }
        address.line = street.isEmpty ? nil : [FHIRString(street.joined(separator: " "))]
        address.postalCode = text("client.address.postcode").map { FHIRString($0) }
        address.city = text("client.address.city").map { FHIRString($0) }
        if address != FHIR.Address() { patient.address = [address] }
        // The record keeps her number and address, not their use (home, mobile): none is made up.
        let telecom = [text("client.phone").map { FHIR.ContactPoint(system: "phone", value: $0, use: nil) },
                       text("client.email").map { FHIR.ContactPoint(system: "email", value: $0, use: nil) }].compactMap { $0 }
        patient.telecom = telecom.isEmpty ? nil : telecom
        patient.communication = text("client.language").map { language in
            var communication = FHIR.Patient.Communication()
            communication.language = FHIR.CodeableConcept(coding: [FHIR.Coding(system: "urn:ietf:bcp:47", code: language,
                                                                                display: Locale(identifier: "nl").localizedString(forLanguageCode: language))])
            return [communication]
        }
        return patient
    }

    private func episode(_ pregnancy: PregnancyRecord, _ context: Context) -> FHIR.EpisodeOfCare {
        var episode = FHIR.EpisodeOfCare()
        episode.id = pregnancy.id
        episode.meta = FHIR.Meta(profile: [FHIRURI(Self.nlCore + "nl-core-episodeofcare"), FHIRURI(FHIRProfiles.maternalRecord)])
        episode.identifier = pregnancy.dossierIds?.map { FHIR.Identifier(system: "urn:perigate:dossier", value: $0) }
        let text = { (path: String) in pregnancy.facts[path]?.value.text }
        episode.status = FHIRCode(text("pregnancy.status") ?? (text("delivery.dateTime") != nil || text("carePeriod.end") != nil ? "finished" : "active"))
        episode.type = [FHIR.CodeableConcept(coding: [FHIR.Coding(system: Self.snomed, code: "364320009",
                                                                  display: "observatie betreffende zwangerschap (waarneembare entiteit)")])]
        episode.patient = context.patient
        if let start = text("carePeriod.start") ?? text("pregnancy.firstCheckDate") {
            episode.period = FHIR.Period(start: start, end: text("carePeriod.end"))
        }
        if let ura = text("carePeriod.organisation.ura"), let member = context.careTeam["ura:" + ura] {
            episode.managingOrganization = FHIR.Reference(reference: "Organization/\(member.id)", display: member.display)
        } else if let agb = text("carePeriod.organisation.agb"), let member = context.careTeam["agb:" + agb] {
            episode.managingOrganization = FHIR.Reference(reference: "Organization/\(member.id)", display: member.display)
        }
        return episode
    }

    /// Her children of a pregnancy (bc-Child): given names, sex, birth date, BSN once known.
    private func children(_ pregnancy: PregnancyRecord, _ context: Context) -> [FHIR.Patient] {
        let sequences = Set(pregnancy.facts.keys.compactMap { path -> Int? in
            guard path.hasPrefix("children[") else { return nil }
            return Int(path.dropFirst("children[".count).prefix { $0.isNumber })
        })
        return sequences.sorted().map { sequence in
            let text = { (field: String) in pregnancy.facts["children[\(sequence)].\(field)"]?.value.text }
            var child = FHIR.Patient()
            child.id = Context.childId(pregnancy, sequence)
            child.meta = FHIR.Meta(profile: [FHIRURI(Self.nlCore + "nl-core-patient"), FHIRURI(FHIRProfiles.child)])
            child.identifier = (includeBSN ? text("bsn") : nil).map { [FHIR.Identifier(system: FHIRSystems.bsn, value: $0)] }
            if let given = text("givenNames") {
                var name = FHIR.HumanName()
                name.text = FHIRString(given)
                name.given = [FHIRString(given)]
                child.name = [name]
            }
            child.gender = text("sex").flatMap { FHIRCodeSystems.genderBySex[$0] }.map { FHIRCode($0) }
            child.birthDate = text("birthDateTime").map { FHIRDate(String($0.prefix(10))) }
            return child
        }
    }

    /// The fetuses statements are about (bc-Fetus: a body structure of hers, SNOMED 83418008).
    private func fetuses(_ statements: [ClinicalStatement], _ pregnancy: PregnancyRecord, _ context: Context) -> [FHIR.BodySite] {
        let targets = statements.flatMap { [$0.subject].compactMap { $0 } + ($0.related ?? []).map(\.target) }.filter { $0.hasPrefix("fetus:") }
        return Set(targets).sorted().map { target in
            var site = FHIR.BodySite()
            site.id = Context.fetusId(pregnancy, String(target.dropFirst("fetus:".count)))
            site.meta = FHIR.Meta(profile: [FHIRURI(FHIRProfiles.fetus)])
            site.code = FHIR.CodeableConcept(coding: [FHIR.Coding(system: Self.snomed, code: "83418008", display: "gehele foetus (lichaamsstructuur)")])
            site.patient = context.patient
            return site
        }
    }

    /// Her insurance (zib-Payer) and her insurer (nl-core Organization with its UZOVI number).
    private func coverage(_ record: ClientRecord, _ context: Context) -> [FHIRResource] {
        let text = { (field: String) in record.facts["client.insurance." + field]?.value.text }
        let kind = text("kind.code").map { CodedValue(code: $0, system: text("kind.system"), display: text("kind.display")) }
        let insurance = Insurance(insurer: text("insurer"), uzovi: text("uzovi"), policyNumber: text("policyNumber"), kind: kind,
                                  start: text("start"), end: text("end"))
        guard insurance.insurer != nil || insurance.uzovi != nil else { return [] }
        var insurer = FHIR.Organization()
        insurer.id = "verz-" + Hex.encode(SHA256.hash(data: Data(("uzovi:" + (insurance.uzovi ?? insurance.insurer ?? "")).utf8)).prefix(8))
        insurer.meta = FHIR.Meta(profile: [FHIRURI(Self.nlCore + "nl-core-organization")])
        insurer.identifier = insurance.uzovi.map { [FHIR.Identifier(system: FHIRSystems.uzovi, value: $0)] }
        insurer.name = insurance.insurer.map { FHIRString($0) }
        var coverage = FHIR.Coverage()
        coverage.id = "dekking-" + (insurer.id ?? "").dropFirst(5)
        coverage.meta = FHIR.Meta(profile: [FHIRURI("http://nictiz.nl/fhir/StructureDefinition/zib-Payer")])
        coverage.type = insurance.kind.map(Self.concept)
        coverage.subscriber = context.patient
        coverage.subscriberId = insurance.policyNumber.map { FHIRString($0) }
        coverage.beneficiary = context.patient
        if insurance.start != nil || insurance.end != nil { coverage.period = FHIR.Period(start: insurance.start, end: insurance.end) }
        coverage.payor = [FHIR.Reference(reference: "Organization/\(insurer.id ?? "")", display: insurance.insurer ?? insurance.uzovi ?? "")]
        return [.coverage(coverage), .organization(insurer)]
    }

    /// The people she names as contacts (nl-core-relatedperson).
    private func contactPersons(_ record: ClientRecord, _ context: Context) -> [FHIR.RelatedPerson] {
        guard let value = record.facts["client.contactPersons"]?.value,
              let contacts = try? JSONDecoder().decode([ContactPerson].self, from: JSONEncoder().encode(value)) else { return [] }
        return contacts.enumerated().map { index, contact in
            var related = FHIR.RelatedPerson()
            related.id = "contact-\(context.patientId.dropFirst(6))-\(index + 1)"
            related.meta = FHIR.Meta(profile: [FHIRURI(Self.nlCore + "nl-core-relatedperson")])
            related.patient = context.patient
            related.relationship = contact.relationship.map(Self.concept)
            var name = FHIR.HumanName()
            name.text = (contact.fullName ?? [contact.givenNames ?? contact.initials, contact.surnamePrefix, contact.surname]
                .compactMap { $0 }.joined(separator: " ").nilIfEmpty).map { FHIRString($0) }
            name.family = contact.surname.map { surname in
                var own = FHIR.Extension(url: FHIRSystems.ownName)
                own.valueString = FHIRString(surname)
                return FHIRString([contact.surnamePrefix, surname].compactMap { $0 }.joined(separator: " "), extensions: [own])
            }
            name.given = contact.givenNames.map { [FHIRString($0)] }
            if name != FHIR.HumanName() { related.name = [name] }
            related.telecom = contact.phone.map { [FHIR.ContactPoint(system: "phone", value: $0, use: nil)] }
            return related
        }
    }

    private func organization(_ organisation: OrganisationRef, _ context: Context) -> FHIR.Organization {
        var organization = FHIR.Organization()
        organization.id = Self.id(organisation)
        organization.meta = FHIR.Meta(profile: [FHIRURI(Self.nlCore + "nl-core-organization")])
        let identifiers = [organisation.ura.map { FHIR.Identifier(system: FHIRSystems.ura, value: $0) },
                           organisation.agb.map { FHIR.Identifier(system: FHIRSystems.agb, value: $0) }].compactMap { $0 }
        organization.identifier = identifiers.isEmpty ? nil : identifiers
        organization.name = organisation.name.map { FHIRString($0) }
        return organization
    }

    private func practitioner(_ person: PersonRef, _ context: Context) -> FHIR.Practitioner {
        var practitioner = FHIR.Practitioner()
        practitioner.id = Self.id(person)
        practitioner.meta = FHIR.Meta(profile: [FHIRURI(Self.nlCore + "nl-core-practitioner")])
        let identifiers = [person.uzi.map { FHIR.Identifier(system: FHIRSystems.uzi, value: $0) },
                           person.agb.map { FHIR.Identifier(system: FHIRSystems.agb, value: $0) },
                           person.big.map { FHIR.Identifier(system: FHIRSystems.big, value: $0) }].compactMap { $0 }
        practitioner.identifier = identifiers.isEmpty ? nil : identifiers
        if let name = person.name {
            var human = FHIR.HumanName()
            human.text = FHIRString(name)
            practitioner.name = [human]
        }
        return practitioner
    }

    static func keys(_ organisation: OrganisationRef) -> [String] {
        [organisation.ura.map { "ura:" + $0 }, organisation.agb.map { "agb:" + $0 }].compactMap { $0 }
    }

    static func keys(_ person: PersonRef) -> [String] {
        [person.uzi.map { "uzi:" + $0 }, person.agb.map { "agb:" + $0 }, person.big.map { "big:" + $0 }].compactMap { $0 }
    }

    static func id(_ organisation: OrganisationRef) -> String {
        "org-" + Hex.encode(SHA256.hash(data: Data((keys(organisation).first ?? organisation.name ?? "").utf8)).prefix(8))
    }

    static func id(_ person: PersonRef) -> String {
        "zv-" + Hex.encode(SHA256.hash(data: Data((keys(person).first ?? person.name ?? "").utf8)).prefix(8))
    }

    static func resourceType(_ kind: ClinicalStatement.Kind) -> String {
        switch kind {
        case .observation: "Observation"
        case .condition: "Condition"
        case .procedure: "Procedure"
        case .encounter: "Encounter"
        case .report: "DiagnosticReport"
        case .referral: "ReferralRequest"
        }
    }
}

extension FHIRRecordWriter {
    // MARK: - Statements

    /// A statement as the resource it is, with its profiles, codes, values and references.
    func resource(_ statement: ClinicalStatement, pregnancy: PregnancyRecord, _ context: Context) -> FHIRResource? {
        let meta = statement.profiles.map { FHIR.Meta(profile: $0.map { FHIRURI($0) }) }
        let subject = statement.subject.flatMap { context.reference($0, pregnancy: pregnancy) } ?? context.patient
        let related = { (role: String) in (statement.related ?? []).filter { $0.role == role }.compactMap { context.reference($0.target, pregnancy: pregnancy) } }
        let performers = (statement.performers ?? []).compactMap { context.reference($0, pregnancy: pregnancy) }
        let code = statement.code.map { Self.concept($0, also: statement.translations) }
        switch statement.kind {
        case .observation:
            var o = FHIR.Observation()
            o.id = statement.id
            o.meta = meta
            o.extensions = Self.extensions([("http://nictiz.nl/fhir/StructureDefinition/observation-focusSTU3", related("focus")),
                                            ("http://nictiz.nl/fhir/StructureDefinition/workflow-supportingInfoSTU3", related("supportingInfo"))])
            o.basedOn = related("basedOn").nilIfEmpty
            o.status = FHIRCode(statement.status ?? "final")
            o.category = statement.categories?.map(Self.concept)
            o.code = code
            o.subject = subject
            o.context = related("context").first
            (o.effectiveDateTime, o.effectivePeriod) = Self.when(statement)
            o.performer = performers.nilIfEmpty
            Self.setValue(statement.value, quantity: &o.valueQuantity, coded: &o.valueCodeableConcept, text: &o.valueString,
                          boolean: &o.valueBoolean, dateTime: &o.valueDateTime, period: &o.valuePeriod, range: &o.valueRange)
            o.dataAbsentReason = statement.dataAbsentReason.map(Self.concept)
            o.interpretation = statement.interpretation.map(Self.concept)
            o.comment = statement.note.map { FHIRString($0) }
            o.bodySite = statement.bodySite.map(Self.concept)
            o.method = statement.method.map(Self.concept)
            o.related = related("related").map { target in
                var item = FHIR.Observation.Related()
                item.target = target
                return item
            }.nilIfEmpty
            o.component = statement.components?.map { part in
                var component = FHIR.Observation.Component()
                component.code = part.code.map(Self.concept)
                var boolean: FHIRBoolean?
                Self.setValue(part.value, quantity: &component.valueQuantity, coded: &component.valueCodeableConcept, text: &component.valueString,
                              boolean: &boolean, dateTime: &component.valueDateTime, period: &component.valuePeriod, range: &component.valueRange)
                component.dataAbsentReason = part.dataAbsentReason.map(Self.concept)
                return component
            }
            return .observation(o)
        case .condition:
            var c = FHIR.Condition()
            c.id = statement.id
            c.meta = meta
            c.extensions = Self.extensions([("http://nictiz.nl/fhir/StructureDefinition/condition-partOf", related("partOf"))])
            c.clinicalStatus = statement.clinicalStatus.map { FHIRCode($0) }
            c.verificationStatus = statement.verificationStatus.map { FHIRCode($0) }
            c.category = statement.categories?.map(Self.concept)
            c.code = code
            c.bodySite = statement.bodySite.map { [Self.concept($0)] }
            c.subject = subject
            c.context = related("context").first
            c.onsetDateTime = statement.time.map { FHIRDateTime($0) }
            c.abatementDateTime = statement.end.map { FHIRDateTime($0) }
            c.note = statement.note.map { [FHIR.Annotation(text: $0)] }
            return .condition(c)
        case .procedure:
            var p = FHIR.Procedure()
            p.id = statement.id
            p.meta = meta
            p.basedOn = related("basedOn").nilIfEmpty
            p.partOf = related("partOf").nilIfEmpty
            p.status = FHIRCode(statement.status ?? "completed")
            p.category = statement.categories?.first.map(Self.concept)
            p.code = code
            p.subject = subject
            p.context = related("context").first
            (p.performedDateTime, p.performedPeriod) = Self.when(statement)
            p.performer = performers.map { actor in
                var performer = FHIR.Procedure.Performer()
                performer.actor = actor
                return performer
            }.nilIfEmpty
            p.location = related("location").first
            p.reasonReference = related("reason").nilIfEmpty
            p.bodySite = statement.bodySite.map { [Self.concept($0)] }
            p.report = related("report").nilIfEmpty
            p.note = statement.note.map { [FHIR.Annotation(text: $0)] }
            return .procedure(p)
        case .encounter:
            var e = FHIR.Encounter()
            e.id = statement.id
            e.meta = meta
            e.status = FHIRCode(statement.status ?? "finished")
            e.class = statement.encounterClass.map { FHIR.Coding(system: $0.system, code: $0.code, display: $0.display) }
            e.type = statement.types?.map(Self.concept)
            e.subject = subject
            e.episodeOfCare = related("episodeOfCare").nilIfEmpty
            let people = performers.filter { $0.reference?.value?.hasPrefix("Practitioner/") == true }
            e.participant = people.map { individual in
                var participant = FHIR.Encounter.Participant()
                participant.individual = individual
                return participant
            }.nilIfEmpty
            if statement.time != nil || statement.end != nil { e.period = FHIR.Period(start: statement.time, end: statement.end) }
            e.diagnosis = related("diagnosis").map { condition in
                var diagnosis = FHIR.Encounter.Diagnosis()
                diagnosis.condition = condition
                return diagnosis
            }.nilIfEmpty
            e.serviceProvider = performers.first { $0.reference?.value?.hasPrefix("Organization/") == true }
            return .encounter(e)
        case .report:
            var r = FHIR.DiagnosticReport()
            r.id = statement.id
            r.meta = meta
            r.status = FHIRCode(statement.status ?? "final")
            r.code = code
            r.subject = subject
            r.context = related("context").first
            (r.effectiveDateTime, r.effectivePeriod) = Self.when(statement)
            r.performer = performers.map { actor in
                var performer = FHIR.DiagnosticReport.Performer()
                performer.actor = actor
                return performer
            }.nilIfEmpty
            r.result = related("result").nilIfEmpty
            r.conclusion = statement.note.map { FHIRString($0) }
            return .diagnosticReport(r)
        case .referral:
            var r = FHIR.ReferralRequest()
            r.id = statement.id
            r.meta = meta
            r.status = FHIRCode(statement.status ?? "active")
            r.intent = "order"
            r.subject = subject
            r.context = related("context").first
            r.authoredOn = statement.time.map { FHIRDateTime($0) }
            if let agent = performers.first {
                var requester = FHIR.ReferralRequest.Requester()
                requester.agent = agent
                r.requester = requester
            }
            r.specialty = code
            return .referralRequest(r)
        }
    }

    /// The zib Observations of facts the record knows only by name (from messages without
    /// statements): gravidity, parity, due date, blood pressure.
    func namedFindings(_ pregnancy: PregnancyRecord, statements: [ClinicalStatement], _ context: Context) -> [FHIRResource] {
        let coded = Set(statements.compactMap { $0.code?.code })
        var resources: [FHIRResource] = []
        func observation(_ id: String, profile: String, code: [FHIR.Coding], configure: (inout FHIR.Observation) -> Void) {
            var o = FHIR.Observation()
            o.id = pregnancy.id + "-" + id
            o.meta = FHIR.Meta(profile: [FHIRURI("http://nictiz.nl/fhir/StructureDefinition/" + profile)])
            o.status = "final"
            o.code = FHIR.CodeableConcept(coding: code)
            o.subject = context.patient
            o.context = FHIR.Reference(reference: "EpisodeOfCare/\(pregnancy.id)", display: "Zwangerschap")
            configure(&o)
            resources.append(.observation(o))
        }
        let number = { (path: String) -> String? in
            if case .number(let value)? = pregnancy.facts[path]?.value { return NationalReader.canonicalDecimal("\(value)") ?? "\(Int(value))" }
            return nil
        }
        if !coded.contains("161732006"), !coded.contains("11996-6"), let gravidity = number("pregnancy.gravidity") {
            observation("gravidity", profile: "zib-Pregnancy-Gravidity",
                        code: [FHIR.Coding(system: Self.loinc, code: "11996-6", display: "[#] Pregnancies"),
                               FHIR.Coding(system: Self.snomed, code: "161732006", display: "aantal zwangerschappen (waarneembare entiteit)")]) {
                $0.valueQuantity = FHIR.Quantity(value: gravidity, unit: nil, system: nil, code: nil)
            }
        }
        if !coded.contains("364325004"), !coded.contains("11977-6"), let parity = number("pregnancy.parity") {
            observation("parity", profile: "zib-Pregnancy-Parity",
                        code: [FHIR.Coding(system: Self.loinc, code: "11977-6", display: "[#] Parity"),
                               FHIR.Coding(system: Self.snomed, code: "364325004", display: "pariteit (waarneembare entiteit)")]) {
                $0.valueQuantity = FHIR.Quantity(value: parity, unit: nil, system: nil, code: nil)
            }
        }
        if !coded.contains("161714006"), let due = pregnancy.facts["pregnancy.dueDate"]?.value.text {
            observation("duedate", profile: "bc-PregnancyObservation",
                        code: [FHIR.Coding(system: Self.snomed, code: "161714006", display: "geschatte datum van partus (waarneembare entiteit)")]) {
                $0.valueDateTime = FHIRDateTime(due)
                $0.method = pregnancy.facts["pregnancy.dueDateMethod"]?.value.text.map { FHIR.CodeableConcept(text: $0) }
            }
        }
        if !coded.contains("85354-9") {
            for (index, entry) in pregnancy.findings.bloodPressure.enumerated() {
                let pressure = entry.item
                observation("bp\(index + 1)", profile: "zib-BloodPressure",
                            code: [FHIR.Coding(system: Self.loinc, code: "85354-9", display: "Bloeddruk panel")]) { o in
                    o.category = [FHIR.CodeableConcept(coding: [FHIR.Coding(system: "http://hl7.org/fhir/observation-category", code: "vital-signs",
                                                                            display: "Vital Signs")])]
                    o.effectiveDateTime = pressure.time.map { FHIRDateTime($0) }
                    o.component = [("8480-6", "Systolische bloeddruk", pressure.systolic), ("8462-4", "Diastolische bloeddruk", pressure.diastolic)]
                        .compactMap { code, display, value in
                            guard let value else { return nil }
                            var component = FHIR.Observation.Component()
                            component.code = FHIR.CodeableConcept(coding: [FHIR.Coding(system: Self.loinc, code: code, display: display)])
                            component.valueQuantity = FHIR.Quantity(value: "\(value)", unit: "mm[Hg]", system: Self.ucum, code: "mm[Hg]")
                            return component
                        }
                }
            }
        }
        return resources
    }

    // MARK: - Values

    /// When a statement happened as a `…[x]` choice: a dateTime, or a Period when it has an end.
    static func when(_ statement: ClinicalStatement) -> (FHIRDateTime?, FHIR.Period?) {
        guard statement.end != nil || statement.ongoing == true else { return (statement.time.map { FHIRDateTime($0) }, nil) }
        return (nil, FHIR.Period(start: statement.time, end: statement.end))
    }

    /// A coded value (with its further codings) as a CodeableConcept; a national message's OID
    /// as the code system's FHIR URI (``FHIRCodeSystems``).
    static func concept(_ value: CodedValue) -> FHIR.CodeableConcept {
        concept(value, also: nil)
    }

    static func concept(_ value: CodedValue, also: [CodedValue]?) -> FHIR.CodeableConcept {
        value.code.isEmpty ? FHIR.CodeableConcept(text: value.display)
            : FHIR.CodeableConcept(coding: ([value] + (also ?? [])).map { FHIR.Coding(system: FHIRCodeSystems.uri($0.system), code: $0.code, display: $0.display) })
    }

    static func setValue(_ value: ClinicalValue?, quantity: inout FHIR.Quantity?, coded: inout FHIR.CodeableConcept?, text: inout FHIRString?,
                         boolean: inout FHIRBoolean?, dateTime: inout FHIRDateTime?, period: inout FHIR.Period?, range: inout FHIR.QuantityRange?) {
        guard let value else { return }
        if value.low != nil || value.high != nil {
            var result = FHIR.QuantityRange()
            result.low = value.low.map { FHIR.Quantity(value: $0, unit: value.unit, system: value.unitSystem, code: value.unitCode) }
            result.high = value.high.map { FHIR.Quantity(value: $0, unit: value.unit, system: value.unitSystem, code: value.unitCode) }
            range = result
        } else if value.quantity != nil || value.unit != nil {
            var result = FHIR.Quantity(value: value.quantity, unit: value.unit, system: value.unitSystem, code: value.unitCode)
            result.comparator = value.comparator.map { FHIRCode($0) }
            quantity = result
        }
        coded = value.coded.map(concept)
        text = value.text.map { FHIRString($0) }
        boolean = value.boolean.map { FHIRBoolean($0 ? "true" : "false") }
        dateTime = value.dateTime.map { FHIRDateTime($0) }
        if value.start != nil || value.end != nil { period = FHIR.Period(start: value.start, end: value.end) }
    }

    static func extensions(_ items: [(String, [FHIR.Reference])]) -> [FHIR.Extension]? {
        let list = items.flatMap { url, references in
            references.map { reference in
                var item = FHIR.Extension(url: url)
                item.valueReference = reference
                return item
            }
        }
        return list.isEmpty ? nil : list
    }
}

extension Array {
    var nilIfEmpty: [Element]? { isEmpty ? nil : self }
}

extension JSONValue {
    /// The value as text, when it is a string.
    var text: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}
