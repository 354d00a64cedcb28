import Crypto
import Foundation
import PerigateFHIR

/// A FHIR STU3 Bundle of the pregnancy card (Nictiz profiles, package
/// nictiz.fhir.nl.stu3.geboortezorg) as canonical facts: the woman (`bc-Woman`), her pregnancy
/// (`bc-MaternalRecord`: dossier and care period), the care team (nl-core Organization,
/// Practitioner, PractitionerRole), the named facts (gravidity, parity, due date, blood
/// pressure) and every Observation, Condition, Procedure, Encounter, DiagnosticReport and
/// ReferralRequest as a coded ``ClinicalStatement``. Element by element in docs/fhir.md.
struct FHIRBundleMapper {
    let bundle: FHIR.Bundle
    let raw: Data
    /// Every entry's resource, by the references that name it (`fullUrl`, `Type/id`).
    let byReference: [String: FHIRResource]
    let resources: [FHIRResource]
    /// Her children (bc-Child Patients) with their sequence in the record: `multipleBirthInteger`,
    /// else their order in the Bundle. A statement about a child names it `child:<sequence>`.
    let children: [(patient: FHIR.Patient, sequence: Int)]

    static let kind = "fhir-stu3"
    static let version = "3.0.2"

    init(_ bundle: FHIR.Bundle, raw: Data) {
        self.bundle = bundle
        self.raw = raw
        resources = (bundle.entry ?? []).compactMap(\.resource)
        byReference = FHIRBundleRules.referenceIndex(bundle)
        children = resources.compactMap { resource -> FHIR.Patient? in
            guard case .patient(let patient) = resource, patient.meta?.profile?.contains(where: { $0.value == FHIRProfiles.child }) == true else { return nil }
            return patient
        }.enumerated().map { index, patient in (patient, patient.multipleBirthInteger?.value.flatMap { Int($0) } ?? index + 1) }
    }

    func map() throws -> MessageFacts {
        let woman = try FHIRBundleRules.woman(in: bundle, index: byReference)
        guard let bsn = woman.identifier?.first(where: { $0.system?.value == FHIRSystems.bsn })?.value?.value.flatMap(BSN.init)?.value else {
            throw MappingError(code: .missingField, message: "\(Self.kind) \(Self.version): the woman's BSN is missing (Patient.identifier with system \(FHIRSystems.bsn))")
        }
        guard let made = bundle.meta?.lastUpdated?.value, let time = try? NationalDate.isoCanonical(made) else {
            throw MappingError(code: .missingField, message: "\(Self.kind) \(Self.version): Bundle.meta.lastUpdated (when the Bundle was made) is missing")
        }
        // Her insurer (Coverage.payor) is no member of her care team.
        let payors = Set(resources.flatMap { resource -> [String] in
            guard case .coverage(let coverage) = resource else { return [] }
            return (coverage.payor ?? []).compactMap { $0.reference?.value.flatMap { byReference[$0]?.id } }
        })
        let organisations = resources.compactMap { resource -> (String, OrganisationRef)? in
            guard case .organization(let organization) = resource, let id = organization.id, !payors.contains(id) else { return nil }
            return (id, Self.organisation(organization))
        }
        let organisationById = Dictionary(organisations, uniquingKeysWith: { first, _ in first })
        let persons = resources.compactMap { resource -> PersonRef? in
            guard case .practitioner(let practitioner) = resource else { return nil }
            return person(practitioner, organisations: organisationById)
        }
        let episode = resources.lazy.compactMap { resource -> FHIR.EpisodeOfCare? in
            if case .episodeOfCare(let episode) = resource { return episode } else { return nil }
        }.first
        let statements = resources.compactMap(statement)
        let provenance = Provenance(messageId: messageId, kind: Self.kind, version: Self.version, sender: OrganisationRef(), time: time)
        var findings = Findings(bloodPressure: statements.compactMap(Self.bloodPressure), labResults: [], medication: [], allergies: [])
        findings.statements = statements.isEmpty ? nil : statements
        // Responsible for the pregnancy: the managing organisation, else the care manager's (PractitionerRole).
        let careManager = episode?.careManager.flatMap(roleOrTarget)
        let managingReference: FHIR.Reference? = episode?.managingOrganization
            ?? { if case .practitionerRole(let role)? = careManager { role.organization } else { nil } }()
        let managing = managingReference.flatMap(reference).flatMap { resource -> OrganisationRef? in
            if case .organization(let organization) = resource { return Self.organisation(organization) } else { return nil }
        }
        return MessageFacts(
            provenance: provenance, client: try client(bsn: bsn, woman: woman), pregnancy: pregnancy(episode: episode, statements: statements),
            careTeam: CareTeamFacts(organisations: organisations.map(\.1).filter { $0 != OrganisationRef() }, persons: persons),
            events: [], obstetricHistory: nil, findings: findings.isEmpty ? nil : findings, delivery: nil,
            children: children.map { Self.child($0.patient, sequence: $0.sequence, motherBSN: bsn) }, postpartum: nil,
            signals: [], consents: [], attachments: [],
            carePeriod: episode.map { CarePeriod(organisation: managing, start: Self.date($0.period?.start), end: Self.date($0.period?.end), periods: nil) })
    }

    /// `Bundle.identifier.value`; else the Bundle's id with a digest of its bytes; else the digest.
    private var messageId: String {
        if let value = bundle.identifier?.value?.value { return value }
        let digest = Hex.encode(SHA256.hash(data: raw))
        return bundle.id.map { "fhir:\($0):\(digest.prefix(16))" } ?? "fhir:\(digest)"
    }

    private func reference(_ reference: FHIR.Reference) -> FHIRResource? {
        reference.reference?.value.flatMap { byReference[$0] }
    }

    /// The PractitionerRole that Nictiz's `practitionerrole-reference` extension names on a
    /// reference, else the reference's own target.
    private func roleOrTarget(_ reference: FHIR.Reference) -> FHIRResource? {
        let role = reference.extensions?.first { $0.url?.hasSuffix("practitionerrole-reference") == true }?.valueReference
        return role.flatMap(self.reference) ?? self.reference(reference)
    }

    // MARK: - The woman and the care team

    private func client(bsn: String, woman: FHIR.Patient) throws -> ClientFacts {
        var client = ClientFacts(bsn: bsn)
        if let name = woman.name?.first(where: { $0.use?.value != "old" }) ?? woman.name?.first {
            let parts = Self.nameParts(name)
            client.givenNames = parts.given
            client.initials = parts.initials
            client.surnamePrefix = parts.prefix
            client.surname = parts.surname
            client.fullName = name.text?.value
        }
        client.birthDate = Self.date(woman.birthDate.map { FHIRDateTime($0.value) })
        if let address = woman.address?.first {
            let line = address.line?.first
            let part = { (url: String) in line?.extensions?.first { $0.url == url }?.valueString?.value }
            client.address = Address(street: part(FHIRSystems.streetName) ?? line?.value, houseNumber: part(FHIRSystems.houseNumber),
                                     houseNumberAddition: part(FHIRSystems.houseNumberAddition), postcode: address.postalCode?.value,
                                     city: address.city?.value)
        }
        client.phone = woman.telecom?.first { $0.system?.value == "phone" }?.value?.value
        client.email = woman.telecom?.first { $0.system?.value == "email" }?.value?.value
        client.language = woman.communication?.first?.language?.coding?.first?.code?.value
        client.insurance = resources.lazy.compactMap { resource -> Insurance? in
            guard case .coverage(let coverage) = resource else { return nil }
            return insurance(coverage)
        }.first
        let contacts = resources.compactMap { resource -> ContactPerson? in
            guard case .relatedPerson(let related) = resource else { return nil }
            return Self.contactPerson(related)
        }
        client.contactPersons = contacts.isEmpty ? nil : contacts
        return client
    }

    /// A child of hers (bc-Child): BSN once known, given names, sex, birth date.
    static func child(_ patient: FHIR.Patient, sequence: Int, motherBSN: String) -> ChildFacts {
        var child = ChildFacts(sequence: sequence, motherBSN: motherBSN,
                               bsn: patient.identifier?.first { $0.system?.value == FHIRSystems.bsn }?.value?.value)
        child.givenNames = patient.name?.first.flatMap { nameParts($0).given ?? $0.text?.value }
        child.sex = patient.gender?.value.flatMap { FHIRCodeSystems.sexByGender[$0] }
        child.birthDateTime = date(patient.birthDate.map { FHIRDateTime($0.value) })
        return child
    }

    /// Her insurance (zib Payer): the payor Organization (name, UZOVI), else the payor's display.
    private func insurance(_ coverage: FHIR.Coverage) -> Insurance? {
        let payor = coverage.payor?.first
        let organisation: FHIR.Organization? = payor.flatMap(reference).flatMap { if case .organization(let found) = $0 { found } else { nil } }
        let found = Insurance(insurer: organisation?.name?.value ?? payor?.display?.value,
                              uzovi: organisation?.identifier?.first { $0.system?.value == FHIRSystems.uzovi }?.value?.value,
                              policyNumber: coverage.subscriberId?.value, kind: Self.coded(coverage.type),
                              start: Self.date(coverage.period?.start), end: Self.date(coverage.period?.end))
        return found == Insurance() ? nil : found
    }

    /// A contact person of hers (nl-core-relatedperson): name, relationship, phone.
    static func contactPerson(_ related: FHIR.RelatedPerson) -> ContactPerson? {
        var contact = ContactPerson()
        if let name = related.name?.first {
            let parts = nameParts(name)
            (contact.givenNames, contact.initials, contact.surnamePrefix, contact.surname) = (parts.given, parts.initials, parts.prefix, parts.surname)
            contact.fullName = name.text?.value
        }
        contact.relationship = coded(related.relationship)
        contact.phone = related.telecom?.first { $0.system?.value == "phone" }?.value?.value
        return contact == ContactPerson() ? nil : contact
    }

    /// A Dutch name's parts (nl-core HumanName): birth names and initials by their qualifier
    /// (`BR`, `IN`), the own prefix and surname from their extensions (else `family`).
    static func nameParts(_ name: FHIR.HumanName) -> (given: String?, initials: String?, prefix: String?, surname: String?) {
        let given = name.given ?? []
        let qualifier = { (item: FHIRString) in item.extensions?.first { $0.url == FHIRSystems.nameQualifier }?.valueCode?.value }
        let birthNames = given.filter { qualifier($0) != "IN" }.compactMap(\.value)
        let initials = given.filter { qualifier($0) == "IN" }.compactMap(\.value)
        let family = name.family
        return (birthNames.isEmpty ? nil : birthNames.joined(separator: " "), initials.isEmpty ? nil : initials.joined(separator: " "),
                family?.extensions?.first { $0.url == FHIRSystems.ownPrefix }?.valueString?.value,
                family?.extensions?.first { $0.url == FHIRSystems.ownName }?.valueString?.value ?? family?.value)
    }

    /// A professional's name as the record shows it: given names (else initials), own prefix, own surname.
    static func displayName(_ name: FHIR.HumanName) -> String {
        let parts = nameParts(name)
        return [parts.given ?? parts.initials, parts.prefix, parts.surname].compactMap { $0 }.joined(separator: " ")
    }

    static func organisation(_ organization: FHIR.Organization) -> OrganisationRef {
        let identifiers = organization.identifier ?? []
        let value = { (system: String) in identifiers.first { $0.system?.value == system }?.value?.value }
        return OrganisationRef(ura: value(FHIRSystems.ura), agb: value(FHIRSystems.agb), name: organization.name?.value)
    }

    private func person(_ practitioner: FHIR.Practitioner, organisations: [String: OrganisationRef]) -> PersonRef? {
        let identifiers = practitioner.identifier ?? []
        let value = { (system: String) in identifiers.first { $0.system?.value == system }?.value?.value }
        // As the record writes names: given names (else initials), own prefix, own surname.
        let assembled = practitioner.name?.first.map(Self.displayName) ?? ""
        // The role this professional has in the Bundle (PractitionerRole): specialty and organisation.
        let role = resources.lazy.compactMap { resource -> FHIR.PractitionerRole? in
            guard case .practitionerRole(let role) = resource, let target = role.practitioner.flatMap(reference),
                  case .practitioner(let found) = target, found.id == practitioner.id else { return nil }
            return role
        }.first
        let organisation = role?.organization?.reference?.value.flatMap { $0.split(separator: "/").last.map(String.init) }.flatMap { organisations[$0] }
        let person = PersonRef(uzi: value(FHIRSystems.uzi), agb: value(FHIRSystems.agb), big: value(FHIRSystems.big),
                               name: assembled.isEmpty ? nil : assembled,
                               role: role?.specialty?.first?.coding?.first?.display?.value, organisation: organisation)
        return person == PersonRef() ? nil : person
    }

    // MARK: - The pregnancy

    private func pregnancy(episode: FHIR.EpisodeOfCare?, statements: [ClinicalStatement]) -> PregnancyFacts? {
        var pregnancy = PregnancyFacts()
        pregnancy.dossierId = episode?.identifier?.first?.value?.value
        pregnancy.status = episode?.status?.value
        let named = { (codes: Set<String>) in statements.first { $0.kind == .observation && codes.contains($0.code?.code ?? "") } }
        pregnancy.gravidity = named(["161732006", "11996-6"])?.value?.quantity.flatMap { Int($0) }
        pregnancy.parity = named(["364325004", "11977-6"])?.value?.quantity.flatMap { Int($0) }
        if let due = named(["161714006"]) {
            pregnancy.dueDate = due.value?.dateTime
            pregnancy.dueDateMethod = due.method?.display
        }
        return pregnancy == PregnancyFacts() ? nil : pregnancy
    }

    /// A blood pressure (LOINC 85354-9) as the record's named finding.
    static func bloodPressure(_ statement: ClinicalStatement) -> BloodPressure? {
        guard statement.kind == .observation, statement.code?.code == "85354-9" else { return nil }
        let part = { (code: String) in
            statement.components?.first { $0.code?.code == code }?.value?.quantity.flatMap { Int($0) }
        }
        return BloodPressure(time: statement.time, systolic: part("8480-6"), diastolic: part("8462-4"))
    }

    // MARK: - Statements

    private func statement(_ resource: FHIRResource) -> ClinicalStatement? {
        switch resource {
        case .observation(let o):
            var s = base(.observation, o.id, o.meta)
            (s.code, s.translations) = (Self.coded(o.code), Self.translations(o.code))
            s.categories = Self.codings(o.category)
            s.status = o.status?.value
            s.subject = subject(o.subject)
            (s.time, s.end, s.ongoing) = Self.when(o.effectiveDateTime, o.effectivePeriod)
            s.value = Self.value(quantity: o.valueQuantity, coded: o.valueCodeableConcept, text: o.valueString, boolean: o.valueBoolean,
                                 dateTime: o.valueDateTime, period: o.valuePeriod, range: o.valueRange)
            s.components = o.component.map { $0.map { component in
                ClinicalComponent(code: Self.coded(component.code),
                                  value: Self.value(quantity: component.valueQuantity, coded: component.valueCodeableConcept, text: component.valueString,
                                                    boolean: nil, dateTime: component.valueDateTime, period: component.valuePeriod,
                                                    range: component.valueRange),
                                  dataAbsentReason: Self.coded(component.dataAbsentReason))
            } }
            s.method = Self.coded(o.method)
            s.bodySite = Self.coded(o.bodySite)
            s.interpretation = Self.coded(o.interpretation)
            s.dataAbsentReason = Self.coded(o.dataAbsentReason)
            s.note = o.comment?.value
            s.performers = performers(o.performer ?? [])
            s.related = relations([("context", o.context)] + (o.basedOn ?? []).map { ("basedOn", $0) }
                                  + Self.extensionReferences(o.extensions, [("observation-focusSTU3", "focus"), ("workflow-supportingInfoSTU3", "supportingInfo")])
                                  + (o.related ?? []).map { ("related", $0.target) })
            return s
        case .condition(let c):
            var s = base(.condition, c.id, c.meta)
            (s.code, s.translations) = (Self.coded(c.code), Self.translations(c.code))
            s.categories = Self.codedList(c.category)
            s.clinicalStatus = c.clinicalStatus?.value
            s.verificationStatus = c.verificationStatus?.value
            s.subject = subject(c.subject)
            s.time = Self.date(c.onsetDateTime) ?? Self.date(c.onsetPeriod?.start)
            s.end = Self.date(c.abatementDateTime) ?? Self.date(c.abatementPeriod?.end)
            s.bodySite = c.bodySite?.first.flatMap(Self.coded)
            s.note = c.note?.compactMap(\.text?.value).joined(separator: "\n").nilIfEmpty
            s.related = relations([("context", c.context)] + Self.extensionReferences(c.extensions, [("condition-partOf", "partOf")]))
            return s
        case .procedure(let p):
            var s = base(.procedure, p.id, p.meta)
            (s.code, s.translations) = (Self.coded(p.code), Self.translations(p.code))
            s.categories = p.category.flatMap(Self.coded).map { [$0] }
            s.status = p.status?.value
            s.subject = subject(p.subject)
            (s.time, s.end, s.ongoing) = Self.when(p.performedDateTime, p.performedPeriod)
            s.bodySite = p.bodySite?.first.flatMap(Self.coded)
            s.note = p.note?.compactMap(\.text?.value).joined(separator: "\n").nilIfEmpty
            s.performers = performers((p.performer ?? []).compactMap(\.actor))
            s.related = relations([("context", p.context), ("location", p.location)] + (p.basedOn ?? []).map { ("basedOn", $0) }
                                  + (p.partOf ?? []).map { ("partOf", $0) } + (p.reasonReference ?? []).map { ("reason", $0) }
                                  + (p.report ?? []).map { ("report", $0) })
            return s
        case .encounter(let e):
            var s = base(.encounter, e.id, e.meta)
            s.status = e.status?.value
            s.encounterClass = e.class.flatMap { CodedValue(coding: $0) }
            s.types = Self.codedList(e.type)
            s.subject = subject(e.subject)
            s.time = Self.date(e.period?.start)
            s.end = Self.date(e.period?.end)
            s.performers = performers((e.participant ?? []).compactMap(\.individual) + [e.serviceProvider].compactMap { $0 })
            s.related = relations((e.episodeOfCare ?? []).map { ("episodeOfCare", $0) } + (e.diagnosis ?? []).map { ("diagnosis", $0.condition) })
            return s
        case .diagnosticReport(let r):
            var s = base(.report, r.id, r.meta)
            (s.code, s.translations) = (Self.coded(r.code), Self.translations(r.code))
            s.status = r.status?.value
            s.subject = subject(r.subject)
            (s.time, s.end, s.ongoing) = Self.when(r.effectiveDateTime, r.effectivePeriod)
            s.note = r.conclusion?.value
            s.performers = performers((r.performer ?? []).compactMap(\.actor))
            s.related = relations([("context", r.context)] + (r.result ?? []).map { ("result", $0) })
            return s
        case .referralRequest(let r):
            var s = base(.referral, r.id, r.meta)
            s.status = r.status?.value
            s.code = Self.coded(r.specialty)
            s.subject = subject(r.subject)
            s.time = Self.date(r.authoredOn) ?? Self.date(r.occurrenceDateTime)
            s.performers = performers([r.requester?.agent].compactMap { $0 })
            s.related = relations([("context", r.context)])
            return s
        default:
            return nil
        }
    }

    private func base(_ kind: ClinicalStatement.Kind, _ id: String?, _ meta: FHIR.Meta?) -> ClinicalStatement {
        var statement = ClinicalStatement(kind: kind, id: id ?? "")
        let profiles = meta?.profile?.compactMap(\.value) ?? []
        statement.profiles = profiles.isEmpty ? nil : profiles
        return statement
    }

    /// `woman` is left out (the default); a child or fetus by its id.
    private func subject(_ reference: FHIR.Reference?) -> String? {
        guard let target = reference.flatMap(self.reference).map(key) else { return nil }
        return target == "woman" ? nil : target
    }

    /// How a referred resource is named in the canonical record.
    private func key(_ resource: FHIRResource) -> String {
        switch resource {
        case .patient(let patient):
            let profiles = patient.meta?.profile?.compactMap(\.value) ?? []
            if profiles.contains(FHIRProfiles.child) {
                return "child:\(children.first { $0.patient.id == patient.id }?.sequence ?? 0)"
            }
            if profiles.contains(FHIRProfiles.fetus) { return "fetus:\(patient.id ?? "")" }
            return "woman"
        case .bodySite(let site) where (site.meta?.profile ?? []).contains { $0.value == FHIRProfiles.fetus }:
            return "fetus:\(site.id ?? "")"
        case .organization(let organization):
            let ref = Self.organisation(organization)
            return ref.ura.map { "ura:" + $0 } ?? ref.agb.map { "agb:" + $0 } ?? "organization:\(organization.id ?? "")"
        case .practitioner(let practitioner):
            let identifiers = practitioner.identifier ?? []
            let value = { (system: String) in identifiers.first { $0.system?.value == system }?.value?.value }
            return value(FHIRSystems.uzi).map { "uzi:" + $0 } ?? value(FHIRSystems.agb).map { "agb:" + $0 }
                ?? value(FHIRSystems.big).map { "big:" + $0 } ?? "practitioner:\(practitioner.id ?? "")"
        case .practitionerRole(let role):
            return role.practitioner.flatMap(reference).map(key) ?? "practitionerrole:\(role.id ?? "")"
        case .episodeOfCare:
            return "pregnancy"
        default:
            return resource.id ?? ""
        }
    }

    private func performers(_ references: [FHIR.Reference]) -> [String]? {
        let keys = references.compactMap { roleOrTarget($0).map(key) }
        return keys.isEmpty ? nil : keys
    }

    private func relations(_ items: [(String, FHIR.Reference?)]) -> [ClinicalRelation]? {
        let relations = items.compactMap { role, reference -> ClinicalRelation? in
            guard let reference, let target = self.reference(reference) else { return nil }
            return ClinicalRelation(role: role, target: key(target))
        }
        return relations.isEmpty ? nil : relations
    }

    static func extensionReferences(_ extensions: [FHIR.Extension]?, _ roles: [(String, String)]) -> [(String, FHIR.Reference?)] {
        (extensions ?? []).compactMap { item in
            guard let url = item.url, let role = roles.first(where: { url.hasSuffix("/" + $0.0) })?.1 else { return nil }
            return (role, item.valueReference)
        }
    }

    // MARK: - Values

    static func coded(_ concept: FHIR.CodeableConcept?) -> CodedValue? {
        guard let concept else { return nil }
        if let coding = concept.coding?.first(where: { $0.code?.value != nil }) { return CodedValue(coding: coding, text: concept.text?.value) }
        return concept.text?.value.map { CodedValue(code: "", system: nil, display: $0) }
    }

    /// The codings of a concept after the one ``coded(_:)`` takes: the same concept in further codings.
    static func translations(_ concept: FHIR.CodeableConcept?) -> [CodedValue]? {
        let codings = (concept?.coding ?? []).filter { $0.code?.value != nil }.dropFirst().compactMap { CodedValue(coding: $0) }
        return codings.isEmpty ? nil : codings
    }

    /// Every coding of the concepts, each as a coded value of its own (a category coded in two systems).
    static func codings(_ concepts: [FHIR.CodeableConcept]?) -> [CodedValue]? {
        let list = (concepts ?? []).flatMap { concept in
            let codings = (concept.coding ?? []).compactMap { CodedValue(coding: $0, text: concept.text?.value) }
            return codings.isEmpty ? [coded(concept)].compactMap { $0 } : codings
        }
        return list.isEmpty ? nil : list
    }

    static func codedList(_ concepts: [FHIR.CodeableConcept]?) -> [CodedValue]? {
        let list = (concepts ?? []).compactMap(coded)
        return list.isEmpty ? nil : list
    }

    static func value(quantity: FHIR.Quantity?, coded concept: FHIR.CodeableConcept?, text: FHIRString?, boolean: FHIRBoolean?,
                      dateTime: FHIRDateTime?, period: FHIR.Period?, range: FHIR.QuantityRange?) -> ClinicalValue? {
        var value = ClinicalValue()
        if let quantity {
            value.quantity = quantity.value?.value.flatMap(NationalReader.canonicalDecimal)
            value.comparator = quantity.comparator?.value
            value.unit = quantity.unit?.value
            value.unitSystem = quantity.system?.value
            value.unitCode = quantity.code?.value
        }
        value.coded = coded(concept)
        value.text = text?.value
        value.boolean = boolean?.value.map { $0 == "true" }
        value.dateTime = date(dateTime)
        value.start = date(period?.start)
        value.end = date(period?.end)
        if let range {
            value.low = range.low?.value?.value.flatMap(NationalReader.canonicalDecimal)
            value.high = range.high?.value?.value.flatMap(NationalReader.canonicalDecimal)
            value.unit = value.unit ?? range.low?.unit?.value ?? range.high?.unit?.value
            value.unitSystem = value.unitSystem ?? range.low?.system?.value
            value.unitCode = value.unitCode ?? range.low?.code?.value ?? range.high?.code?.value
        }
        return value.isEmpty ? nil : value
    }

    /// When a statement happened, from a `…[x]` choice of dateTime and Period: its time, its end,
    /// and whether it is a period that has no end (yet).
    static func when(_ dateTime: FHIRDateTime?, _ period: FHIR.Period?) -> (String?, String?, Bool?) {
        (date(dateTime) ?? date(period?.start), date(period?.end), period != nil && period?.end == nil ? true : nil)
    }

    /// A FHIR date or dateTime in the canonical form (``NationalDate/isoCanonical(_:)``).
    static func date(_ value: FHIRDateTime?) -> String? {
        value?.value.flatMap { try? NationalDate.isoCanonical($0) }
    }
}

extension CodedValue {
    /// A FHIR coding as a coded value (its display, else the concept's text).
    init?(coding: FHIR.Coding, text: String? = nil) {
        guard let code = coding.code?.value else { return nil }
        self.init(code: code, system: coding.system?.value, display: coding.display?.value ?? text)
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

/// The naming systems and extensions of the Dutch FHIR profiles (nl-core, zib) that mapping reads.
enum FHIRSystems {
    static let bsn = "http://fhir.nl/fhir/NamingSystem/bsn"
    static let ura = "http://fhir.nl/fhir/NamingSystem/ura"
    static let agb = "http://fhir.nl/fhir/NamingSystem/agb-z"
    static let uzi = "http://fhir.nl/fhir/NamingSystem/uzi-nr-pers"
    static let big = "http://fhir.nl/fhir/NamingSystem/big"
    static let uzovi = "http://fhir.nl/fhir/NamingSystem/uzovi"
    static let nameQualifier = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier"
    static let ownName = "http://hl7.org/fhir/StructureDefinition/humanname-own-name"
    static let ownPrefix = "http://hl7.org/fhir/StructureDefinition/humanname-own-prefix"
    static let streetName = "http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-streetName"
    static let houseNumber = "http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-houseNumber"
    static let houseNumberAddition = "http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-buildingNumberSuffix"
}

/// The Nictiz profiles that decide how a resource is read.
enum FHIRProfiles {
    static let base = "http://nictiz.nl/fhir/StructureDefinition/"
    static let woman = base + "bc-Woman"
    static let child = base + "bc-Child"
    static let fetus = base + "bc-Fetus"
    static let maternalRecord = base + "bc-MaternalRecord"
}
