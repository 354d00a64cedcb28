/// The canonical facts of one message: what a mapper produces, before merging into a record.
///
/// Everything optional stays absent when the message does not say it: mappers never invent.
/// Dates are ISO 8601 strings as sent (`2026-11-20`, `2026-11-20T14:32:00+01:00`); gestational
/// ages are `weeks+days` strings (`31+2`).
public struct MessageFacts: Sendable, Codable, Hashable {
    public var provenance: Provenance
    public var client: ClientFacts
    public var pregnancy: PregnancyFacts?
    /// Organisations and professionals named in the message (sender, responsible, recipients…).
    public var careTeam: CareTeamFacts
    /// What happened: the referral, back-referral or handover this message is.
    public var events: [CareEvent]
    public var obstetricHistory: ObstetricHistory?
    public var findings: Findings?
    public var delivery: DeliveryFacts?
    public var children: [ChildFacts]
    public var postpartum: PostpartumFacts?
    public var signals: [VulnerabilitySignal]
    public var consents: [ConsentRecord]
    /// Attachments, referenced (title, type, size) — never inlined.
    public var attachments: [AttachmentRef]
    /// The sending organisation's period of care responsibility (national kernset messages).
    public var carePeriod: CarePeriod?
}

/// A period in which an organisation was responsible for her care (kernset geboortezorg).
public struct CarePeriod: Sendable, Codable, Hashable {
    public var organisation: OrganisationRef?
    public var start: String?
    public var end: String?
    /// The perinatal periods it was responsible in (coded, e.g. `1` intake … `7` day 2–7 postpartum).
    public var periods: [CodedValue]?
}

/// The client: the pregnant woman / mother.
public struct ClientFacts: Sendable, Codable, Hashable {
    /// Normalised 9-digit BSN.
    public var bsn: String
    public var givenNames: String?
    public var initials: String?
    public var surnamePrefix: String?
    public var surname: String?
    /// The whole name as one string, when the message gives it so (national standards).
    public var fullName: String?
    public var birthDate: String?
    public var address: Address?
    public var phone: String?
    public var email: String?
    /// ISO 639-1 preferred language.
    public var language: String?
    public var interpreterNeeded: Bool?
    /// The interpreter need in detail (verwijzing 1.1 and later; absent before).
    public var interpreter: InterpreterNeed?
    /// Ethnicity as coded by the national standards (Perined code list).
    public var ethnicity: CodedValue?
    /// Blood group and rhesus D factor (SNOMED CT codes in the national standards).
    public var bloodGroup: CodedValue?
    public var rhesusD: CodedValue?
    /// Her health insurance (zib Payer: the insurer, her policy number, the kind and the period).
    public var insurance: Insurance?
    /// The people she names as contacts (zib ContactPerson: her partner, a relative), in the order given.
    public var contactPersons: [ContactPerson]?
}

/// Her health insurance (zib Payer, ADA `betaler/verzekeraar`, FHIR Coverage).
public struct Insurance: Sendable, Codable, Hashable {
    /// The insurer's name and UZOVI number (the Dutch insurers' register).
    public var insurer: String?
    public var uzovi: String?
    /// Her policy (insured person's) number with the insurer.
    public var policyNumber: String?
    /// The kind of insurance (`B` basis, `A` aanvullend, … code system 2.16.840.1.113883.2.4.3.11.60.101.5.1).
    public var kind: CodedValue?
    public var start: String?
    public var end: String?

    public init(insurer: String? = nil, uzovi: String? = nil, policyNumber: String? = nil, kind: CodedValue? = nil,
                start: String? = nil, end: String? = nil) {
        self.insurer = insurer
        self.uzovi = uzovi
        self.policyNumber = policyNumber
        self.kind = kind
        self.start = start
        self.end = end
    }
}

/// A person she names as a contact (zib ContactPerson, ADA `contactpersoon`, FHIR RelatedPerson).
public struct ContactPerson: Sendable, Codable, Hashable {
    public var givenNames: String?
    public var initials: String?
    public var surnamePrefix: String?
    public var surname: String?
    public var fullName: String?
    /// How the person is related to her (HL7 RoleCode, e.g. `HUSB` husband, `FTH` father).
    public var relationship: CodedValue?
    public var phone: String?

    public init() {}
}

public struct InterpreterNeed: Sendable, Codable, Hashable {
    /// ISO 639-1 language to interpret.
    public var language: String?
    /// `professionele-tolk`, `tolkentelefoon` (phone interpreter) or `naaste` (a relative).
    public var kind: String?
}

public struct Address: Sendable, Codable, Hashable {
    public var street: String?
    public var houseNumber: String?
    public var houseNumberAddition: String?
    public var postcode: String?
    public var city: String?
}

public struct PregnancyFacts: Sendable, Codable, Hashable {
    public var dueDate: String?
    /// `termijnecho`, `laatste-menstruatie`, `ivf-datum`, `onbekend`.
    public var dueDateMethod: String?
    public var gravidity: Int?
    public var parity: Int?
    /// Planned place of birth (kraamzorg handover).
    public var plannedPlaceOfBirth: String?
    /// The same, coded (national standards, SNOMED CT).
    public var plannedPlaceOfBirthCode: CodedValue?
    /// The sender's pregnancy (dossier) id.
    public var dossierId: String?
    /// The first prenatal check: date and gestational age then.
    public var firstCheckDate: String?
    public var firstCheckGestationalAge: String?
    /// How the pregnancy ended (coded), and the risk status concluded after intake (VIL A–D, coded).
    public var outcome: CodedValue?
    public var riskStatusAfterIntake: CodedValue?
    /// The pregnancy's care episode: `active` or `finished` (FHIR EpisodeOfCare.status, ADA status_zorgepisode).
    public var status: String?
    /// The woman's BMI (kg/m²), as sent.
    public var bmi: String?
}

public struct CareTeamFacts: Sendable, Codable, Hashable {
    public var organisations: [OrganisationRef]
    public var persons: [PersonRef]
}

/// One event on the timeline: who → whom, when, what, how urgent, why.
public struct CareEvent: Sendable, Codable, Hashable {
    /// `referral`, `back-referral`, `kraamzorg-handover`, `jgz-handover`, `phb-referral`.
    public var type: String
    /// The message's own subtype, e.g. `consultatie`, `overdracht-durante-partu`, `bevalling`.
    public var subtype: String?
    /// The event's type as coded by a national standard (e.g. the kernset's referral type).
    public var code: CodedValue?
    public var urgency: String?
    public var time: String
    /// `true` when the message states no time for this event (a kernset referral without
    /// `datum_verwijzing`): `time` is then when the message was made, which only places the event
    /// on her timeline. Absent when the message states the time.
    public var timeFromMessage: Bool?
    public var from: OrganisationRef
    public var fromPerson: PersonRef?
    public var to: [OrganisationRef]
    public var reasons: [CodedValue]
    public var text: String?
    /// Gestational age at the event.
    public var gestationalAge: String?
    /// Outcome and advice (back-referrals).
    public var outcome: String?
    public var advice: String?
    /// Back to whom (back-referrals): `verloskundige`, `kraamzorg`, `huisarts`.
    public var returnTo: String?
    /// Structured VIL indications (verwijzing 1.1 and later; absent before).
    public var indications: [Indication]?
}

/// An indication from the Verloskundige Indicatielijst with its care category
/// (A first line, B consultation, C second line, D own responsibility).
public struct Indication: Sendable, Codable, Hashable {
    public var code: String
    public var category: String
    public var display: String?
}

public struct ObstetricHistory: Sendable, Codable, Hashable {
    public var previousPregnancies: [PreviousPregnancy]
    public var previousCaesarean: Bool?
}

public struct PreviousPregnancy: Sendable, Codable, Hashable {
    public var year: String?
    public var gestationalAge: String?
    public var outcome: String?
    public var mode: String?
    public var notes: String?
    /// Pregnancy duration, as `weeks+days`.
    public var duration: String?
    /// The child of that pregnancy (the first, for a multiple).
    public var birthWeightGrams: Int?
    public var apgar5: Int?
}

public struct Findings: Sendable, Codable, Hashable {
    public var bloodPressure: [BloodPressure]
    public var labResults: [LabResult]
    public var medication: [Medication]
    public var allergies: [String]
    /// Coded statements of the information standard (FHIR pregnancy card); absent when none.
    public var statements: [ClinicalStatement]?

    public var isEmpty: Bool {
        bloodPressure.isEmpty && labResults.isEmpty && medication.isEmpty && allergies.isEmpty && (statements ?? []).isEmpty
    }
}

public struct BloodPressure: Sendable, Codable, Hashable {
    public var time: String?
    public var systolic: Int?
    public var diastolic: Int?
}

public struct LabResult: Sendable, Codable, Hashable {
    public var date: String?
    public var test: CodedValue?
    public var value: String?
    public var unit: String?
}

public struct Medication: Sendable, Codable, Hashable {
    public var name: String?
    public var dose: String?
}

public struct DeliveryFacts: Sendable, Codable, Hashable {
    public var dateTime: String?
    public var gestationalAge: String?
    public var place: String?
    public var mode: String?
    public var bloodLossMl: Int?
    public var notes: String?
    /// Number of children born, start of active labour, rupture of the membranes.
    public var childrenBorn: Int?
    public var activeLabourStart: String?
    public var membranesRuptured: String?
    /// Risk status before labour (VIL, coded).
    public var riskStatusBeforeLabour: CodedValue?
}

/// A child. Until the child has a BSN, `identifiedBy` is the mother's BSN plus the sequence number.
public struct ChildFacts: Sendable, Codable, Hashable {
    public var sequence: Int
    public var bsn: String?
    /// The child's given names, once it has them.
    public var givenNames: String?
    /// `child-bsn`, or `mother-bsn` when the child has none yet.
    public var identifiedBy: String
    public var birthDateTime: String?
    public var sex: String?
    public var birthWeightGrams: Int?
    public var apgar1: Int?
    public var apgar5: Int?
    public var gestationalAge: String?
    public var condition: String?
    public var feeding: String?
    public var weights: [WeightMeasurement]
    public var heelPrick: String?
    public var hearingScreening: String?
    /// As coded by a national standard: sex, type of delivery (partus), actual place of birth.
    public var sexCode: CodedValue?
    public var deliveryType: CodedValue?
    public var placeOfBirth: CodedValue?
    /// The hospital of birth (LVR id).
    public var birthHospital: OrganisationRef?
    /// Perinatal death.
    public var perinatalDeath: Bool?
}

public struct WeightMeasurement: Sendable, Codable, Hashable {
    public var date: String?
    public var grams: Int?
}

/// Maternity-care (kraamzorg) and postpartum facts.
public struct PostpartumFacts: Sendable, Codable, Hashable {
    public var indicatedHours: Int?
    public var riskFactors: [CodedValue]
    public var attentionPoints: [String]
    public var feedingIntention: String?
    public var motherRecovery: String?
    public var followUp: String?
}

public struct VulnerabilitySignal: Sendable, Codable, Hashable {
    public var category: CodedValue
    public var text: String?
}

/// The woman's explicit consent for an exchange.
public struct ConsentRecord: Sendable, Codable, Hashable {
    public var date: String?
    public var givenTo: PersonRef?
    /// `mondeling` or `schriftelijk`.
    public var form: String?
    /// Data categories she agreed to share.
    public var scope: [String]
    /// Data categories she explicitly refused (phbaanmelding 2.0 and later; absent before).
    public var refusedScope: [String]?
    public var legalRepresentative: String?
    public var legalRepresentativeDate: String?
    /// What the consent is for, e.g. `phb-referral`, or `exchange` for her consent for
    /// exchange through the gateway (message kind `toestemming`).
    public var purpose: String
    /// `given` or `withdrawn`, for a consent registration (`toestemming`); absent when the
    /// message carries a consent it relies on (a PHB referral's).
    public var status: String?
    /// The professional's note on the registration (`toestemming`).
    public var note: String?
}

extension MessageFacts {
    /// The consent-for-exchange registration this message carries (message kind
    /// `toestemming`): her decision and its date, else `nil`.
    public var exchangeConsentChange: (status: ExchangeConsent.Status, date: String)? {
        for consent in consents where consent.purpose == ConsentRecord.exchangePurpose {
            if let status = consent.status.flatMap(ExchangeConsent.Status.init(rawValue:)), let date = consent.date {
                return (status, date)
            }
        }
        return nil
    }
}

extension ConsentRecord {
    /// The purpose of a consent for exchange through the gateway.
    public static let exchangePurpose = "exchange"
}

public struct AttachmentRef: Sendable, Codable, Hashable {
    public var title: String?
    public var mimeType: String?
    /// Decoded size in bytes.
    public var bytes: Int?
}

extension CareEvent {
    /// A national event's time: the one the message states, else the message's own time, flagged
    /// ``timeFromMessage`` (one rule for every national mapper).
    static func time(stated: String?, message provenance: Provenance) -> (time: String, fromMessage: Bool?) {
        if let stated { return (stated, nil) }
        return (provenance.time, true)
    }
}
