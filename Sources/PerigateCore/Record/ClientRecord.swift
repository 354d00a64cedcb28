/// The shared client file ("gezamenlijk cliëntendossier") of one woman: every message about her
/// merged into one record, each fact with its provenance and history — what holds for her at
/// the top, and each of her pregnancies apart (``PregnancyRecord``; placement:
/// ``PregnancyPlacement``).
///
/// Built by ``ClientRecord/build(from:)`` from the set of her messages' facts: deterministic, and
/// independent of the order the messages arrived in (they are ordered by creation time, then id).
public struct ClientRecord: Sendable, Codable, Hashable {
    public var bsn: String
    /// Her own single-valued facts (`client.surname`, `client.address.city`, …) by dotted path.
    public var facts: [String: FactSlot]
    /// Her pregnancies, oldest first (`unplaced`, when there is one, last). Facts merge, and
    /// conflict, only within one pregnancy.
    public var pregnancies: [PregnancyRecord]
    public var careTeam: CareTeamRecord
    /// Earlier pregnancies as messages describe them (obstetric history): kept as history, never
    /// merged into a pregnancy of the record.
    public var obstetricHistory: [Sourced<PreviousPregnancy>]
    public var signals: [Sourced<VulnerabilitySignal>]
    public var consents: [Sourced<ConsentRecord>]
    /// Every message merged, in time order, each with the sections it said something about.
    public var sources: [RecordSource]
    /// Paths of her own facts with a conflict (each pregnancy lists its own).
    public var conflicts: [String]
}

/// One pregnancy of hers: its facts (`pregnancy.*`, `delivery.*`, `children[n].*`,
/// `postpartum.*`, `carePeriod.*`), its timeline and findings, and the messages placed in it.
public struct PregnancyRecord: Sendable, Codable, Hashable {
    /// `zw-` and 12 hex digits of a digest of the first message placed in it: stable for the same
    /// messages and revealing nothing clinical; `unplaced` for the messages that could not be placed.
    public var id: String
    /// `dossier` (a national dossier number named it), `dates` (placed by due date, delivery or
    /// birth) or `unplaced` (messages with pregnancy data but nothing to place them by).
    public var identifiedBy: String
    /// The dossier numbers messages gave it (one per organisation that numbers its dossier).
    public var dossierIds: [String]?
    public var facts: [String: FactSlot]
    /// Referrals, back-referrals and handovers, in time order.
    public var timeline: [Sourced<CareEvent>]
    public var findings: FindingsRecord
    public var attachments: [Sourced<AttachmentRef>]
    /// The messages placed in it, in time order.
    public var sources: [Provenance]
    /// Paths of its facts with a conflict.
    public var conflicts: [String]
}

/// One fact position: the current value, its earlier values, and disagreeing values from other
/// senders (a visible conflict — never silently overwritten).
public struct FactSlot: Sendable, Codable, Hashable {
    public var value: JSONValue
    public var source: Provenance
    /// Earlier values, oldest first (superseded, kept visible). Absent when there are none.
    public var history: [SourcedValue]?
    /// The latest values from other senders that disagree with `value`. Absent when none.
    public var conflict: [SourcedValue]?
}

public struct SourcedValue: Sendable, Codable, Hashable {
    public var value: JSONValue
    public var source: Provenance
}

/// A list item with the message it came from.
public struct Sourced<Item: Sendable & Codable & Hashable>: Sendable, Codable, Hashable {
    public var item: Item
    public var source: Provenance
}

public struct CareTeamRecord: Sendable, Codable, Hashable {
    public var organisations: [Sourced<OrganisationRef>]
    public var persons: [Sourced<PersonRef>]
    /// The coordinating care provider: the organisation that sent the latest referral or
    /// handover that moved care to someone else, else the latest sender.
    public var coordinating: OrganisationRef?
}

public struct FindingsRecord: Sendable, Codable, Hashable {
    public var bloodPressure: [Sourced<BloodPressure>]
    public var labResults: [Sourced<LabResult>]
    public var medication: [Sourced<Medication>]
    public var allergies: [Sourced<String>]
    /// Coded statements (``ClinicalStatement``); absent when none.
    public var statements: [Sourced<ClinicalStatement>]?

    /// No findings at all.
    public static let none = FindingsRecord(bloodPressure: [], labResults: [], medication: [], allergies: [])

    public var isEmpty: Bool {
        bloodPressure.isEmpty && labResults.isEmpty && medication.isEmpty && allergies.isEmpty && (statements ?? []).isEmpty
    }
}

/// A merged message and the sections it said something about (`client`, `pregnancy`,
/// `timeline.referral`, …): a view lists it exactly when one of them is shown — also when every
/// value it gave was already known from an earlier message (then no fact names it as its source).
/// In JSON the provenance's fields and `sections` side by side.
public struct RecordSource: Sendable, Codable, Hashable {
    public var provenance: Provenance
    /// Sorted; a timeline contribution as `timeline.<event type>`.
    public var sections: [String]

    public init(provenance: Provenance, sections: [String]) {
        self.provenance = provenance
        self.sections = sections
    }

    enum CodingKeys: String, CodingKey { case sections }

    public init(from decoder: any Decoder) throws {
        provenance = try Provenance(from: decoder)
        sections = try decoder.container(keyedBy: CodingKeys.self).decode([String].self, forKey: .sections)
    }

    public func encode(to encoder: any Encoder) throws {
        try provenance.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sections, forKey: .sections)
    }
}
