import Crypto
import Foundation

/// Which of her pregnancies each message belongs to: decided here, once (docs/canonical-record.md,
/// "Pregnancies").
///
/// 1. A message that names a dossier number (kernset `zwangerschap/dossiernummer`, the acute
///    handover's care provision id or pregnancy number, Perigate's own kinds'
///    `zwangerschapsdossier` in their newer minor versions) goes to the pregnancy that already
///    holds that number — unless both have a reference date and those lie ``numberWithin`` (a
///    year) or more apart: some organisations number a woman's pregnancies locally (693, 694, …),
///    so an equal number years later is a pregnancy of its own.
/// 2. Otherwise its **reference date** places it: the due date, else the delivery, else the
///    first child's birth. Reference dates less than ``sameWithin`` (20 weeks) apart are one
///    pregnancy — due dates of midwife and hospital differ by days, a birth comes at most ~18
///    weeks before the due date — so a message goes to the pregnancy with the nearest reference
///    date within that distance, or starts a new one. (Different dossier numbers do not split a
///    pregnancy: each organisation numbers its own dossier.)
/// 3. A message with neither (a JGZ handover without a birth date, a consent registration) goes
///    to the pregnancy whose reference date is nearest to the start of the care period it reports
///    (a kernset's `zorgverlening`), else to the time the message was made, when that lies from
///    ``before`` (300 days) before to ``after`` (365 days) after it (``undatedTime(of:)``).
/// 4. What is still left: when it holds pregnancy data, it goes to the one pregnancy `unplaced`,
///    visible as such; when it holds only facts about her (client data, consents, her care
///    team), to no pregnancy.
///
/// Messages are taken in creation-time order, so the placement, like the record, does not
/// depend on the order they arrived in: rules 1 and 2 for every message first, then rules 3 and
/// 4 for those left (``RecordState/build(from:)``); a message added later to a stored record
/// goes through the same steps (``RecordState/appending(_:)``).
enum PregnancyPlacement {
    static let sameWithin: TimeInterval = 140 * 86_400
    static let before: TimeInterval = 300 * 86_400
    static let after: TimeInterval = 365 * 86_400
    static let numberWithin: TimeInterval = 365 * 86_400

    struct Group: Sendable, Codable, Hashable {
        var dossierIds: [String] = []
        /// The first reference date of the group's messages.
        var reference: Date?
        var unplaced = false

        /// The message that started the group (sender and message id).
        var first: String = ""

        /// Opaque and stable (the same messages give the same id): a digest of the first message
        /// placed in it, never of a date or number — a view that hides the pregnancy's facts must
        /// not reveal, say, its due date through its id.
        var id: String {
            unplaced ? "unplaced" : "zw-" + Hex.encode(SHA256.hash(data: Data(first.utf8)).prefix(6))
        }

        var identifiedBy: String { unplaced ? "unplaced" : dossierIds.isEmpty ? "dates" : "dossier" }
    }

    /// Where an undated message (rules 3 and 4) goes.
    enum Target: Sendable, Codable, Hashable {
        case group(Int)
        case unplaced
        case none
    }

    /// Rules 1 and 2 for one message: the index of its group in `groups` (a new group appended
    /// when it starts one), or `nil` when it names neither a dossier number nor a reference date.
    static func placeDated(_ message: MessageFacts, in groups: inout [Group]) -> Int? {
        let dossier = message.pregnancy?.dossierId
        let reference = referenceDate(of: message)
        let sameNumber = { (group: Group) in
            guard let dossier, group.dossierIds.contains(dossier) else { return false }
            guard let reference, let known = group.reference else { return true }
            return abs(reference.timeIntervalSince(known)) < numberWithin
        }
        if let known = groups.firstIndex(where: sameNumber) {
            if groups[known].reference == nil { groups[known].reference = reference }
            return known
        }
        if let reference {
            let group: Int
            if let near = nearest(groups, to: reference, admitting: { abs($0) < sameWithin }) {
                group = near
            } else {
                groups.append(Group(reference: reference, first: firstKey(message)))
                group = groups.count - 1
            }
            if let dossier, !groups[group].dossierIds.contains(dossier) { groups[group].dossierIds.append(dossier) }
            return group
        }
        if let dossier {
            groups.append(Group(dossierIds: [dossier], first: firstKey(message)))
            return groups.count - 1
        }
        return nil
    }

    /// Rules 3 and 4 for a message without dossier number or reference date, made at `time`,
    /// given the groups of the dated messages.
    static func target(undated time: String, hasPregnancyData: Bool, among groups: [Group]) -> Target {
        if let instant = ClinicalDate(time)?.instant, let nearest = nearest(groups, to: instant, admitting: { (-before...after).contains($0) }) {
            return .group(nearest)
        }
        return hasPregnancyData ? .unplaced : .none
    }

    /// The indices of `groups` in record order: oldest reference date first, then those known only
    /// by a dossier number, `unplaced` last.
    static func ordered(_ groups: [Group]) -> [Int] {
        groups.indices.sorted { a, b in
            let (x, y) = (groups[a], groups[b])
            if x.unplaced != y.unplaced { return y.unplaced }
            switch (x.reference, y.reference) {
            case let (p?, q?): return p < q
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a < b
            }
        }
    }

    /// The group whose reference date is nearest to `date`, among those whose distance
    /// (`date` minus the reference date) `admits`; the first of equals.
    static func nearest(_ groups: [Group], to date: Date, admitting admits: (TimeInterval) -> Bool) -> Int? {
        groups.indices.compactMap { index in groups[index].reference.map { (index, date.timeIntervalSince($0)) } }
            .filter { admits($0.1) }
            .min { abs($0.1) < abs($1.1) }?.0
    }

    static func firstKey(_ message: MessageFacts) -> String {
        ClientRecord.senderKey(message.provenance.sender) + "/" + message.provenance.messageId
    }

    /// The time rules 3 and 4 place an undated message by: the start of the care period it
    /// reports, else when it was made.
    static func undatedTime(of message: MessageFacts) -> String {
        message.carePeriod?.start ?? message.provenance.time
    }

    /// The due date, else the delivery, else the first child's birth.
    static func referenceDate(of message: MessageFacts) -> Date? {
        let candidates = [message.pregnancy?.dueDate, message.delivery?.dateTime, message.delivery?.activeLabourStart]
            + message.children.map(\.birthDateTime)
        return candidates.lazy.compactMap { $0.flatMap(ClinicalDate.init)?.instant }.first
    }

}
