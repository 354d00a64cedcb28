/// One coded clinical statement about her pregnancy as the birth-care information standard
/// (zibs and bc-profiles) models it: a finding (gravidity, a fetal heart rate, a lab result), a
/// condition (the pregnancy itself, a disorder), a procedure, a contact, a report or a referral.
/// The facts the record models by name (gravidity, parity, due date, blood pressure) are also
/// read into those fields; a statement keeps the coded form, so that the pregnancy card can be
/// given back as it came (docs/fhir.md).
public struct ClinicalStatement: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable, Hashable, CaseIterable {
        case observation, condition, procedure, encounter, report, referral
    }

    public var kind: Kind
    /// The sender's id for it: how other statements of the same sender refer to it.
    public var id: String
    /// The profiles (URLs) of the information standard it follows, e.g.
    /// `http://nictiz.nl/fhir/StructureDefinition/bc-PregnancyObservation`.
    public var profiles: [String]?
    /// What it is (SNOMED CT, LOINC, …).
    public var code: CodedValue?
    /// The same concept in further codings, in the order given (a birth weight is LOINC 29463-7
    /// "body weight" and 8339-4 "birth weight").
    public var translations: [CodedValue]?
    public var categories: [CodedValue]?
    /// `final`, `completed`, `active`, `finished`, … (the standard's status codes).
    public var status: String?
    /// Whom it is about: `woman` when absent, else `child:<id>` or `fetus:<id>` (the sender's ids).
    public var subject: String?
    /// When (or when it began): effective, onset, performed or period start.
    public var time: String?
    /// When it ended (a period's end, a condition's abatement).
    public var end: String?
    /// A period that began at `time` and has no end (yet): written back as a period, not a moment.
    public var ongoing: Bool?
    public var value: ClinicalValue?
    public var components: [ClinicalComponent]?
    public var method: CodedValue?
    public var bodySite: CodedValue?
    public var interpretation: CodedValue?
    /// Why a value is absent (coded), e.g. "unknown".
    public var dataAbsentReason: CodedValue?
    /// A condition's clinical and verification status (`active`, `confirmed`, …).
    public var clinicalStatus: String?
    public var verificationStatus: String?
    /// A contact's class and type (encounter).
    public var encounterClass: CodedValue?
    public var types: [CodedValue]?
    /// Free text: a comment, a note, a report's conclusion.
    public var note: String?
    /// Who performed it, as the care team knows them: `uzi:…`, `agb:…`, `big:…`, `ura:…`.
    public var performers: [String]?
    /// Statements it refers to, by role.
    public var related: [ClinicalRelation]?

    public init(kind: Kind, id: String) {
        self.kind = kind
        self.id = id
    }
}

/// A value of a statement: a quantity with its unit, a code, text, a yes/no, a moment or a period.
public struct ClinicalValue: Sendable, Codable, Hashable {
    /// A decimal as written (canonical form, ``NationalReader/canonicalDecimal(_:)``).
    public var quantity: String?
    public var comparator: String?
    /// The unit as shown, and as coded (UCUM: system `http://unitsofmeasure.org`).
    public var unit: String?
    public var unitSystem: String?
    public var unitCode: String?
    public var coded: CodedValue?
    public var text: String?
    public var boolean: Bool?
    public var dateTime: String?
    /// A period's start and end (a value that is a period).
    public var start: String?
    public var end: String?
    /// A range's low and high quantity (same unit).
    public var low: String?
    public var high: String?

    public init() {}

    public var isEmpty: Bool { self == ClinicalValue() }
}

/// One component of a composite finding (the systolic part of a blood pressure).
public struct ClinicalComponent: Sendable, Codable, Hashable {
    public var code: CodedValue?
    public var value: ClinicalValue?
    public var dataAbsentReason: CodedValue?

    public init(code: CodedValue?, value: ClinicalValue?, dataAbsentReason: CodedValue? = nil) {
        self.code = code
        self.value = value
        self.dataAbsentReason = dataAbsentReason
    }
}

/// A statement another one refers to: `encounter` (made during), `partOf`, `basedOn`, `reason`,
/// `result` (a report's findings), `report`, `diagnosis`, `focus` (what a finding is about: the
/// pregnancy, a fetus), `supportingInfo`.
public struct ClinicalRelation: Sendable, Codable, Hashable {
    public var role: String
    /// The other statement's id, or `woman`, `child:<id>`, `fetus:<id>`.
    public var target: String

    public init(role: String, target: String) {
        self.role = role
        self.target = target
    }
}
