import Crypto
import Foundation

/// Which of her pregnancies each message belongs to: decided here, once (docs/canonical-record.md,
/// "Pregnancies").
///
/// 1. A message that names a national dossier number (kernset `zwangerschap/dossiernummer`) goes
///    to the pregnancy that already holds that number.
/// 2. Otherwise its **reference date** places it: the due date, else the delivery, else the
///    first child's birth. Reference dates less than ``sameWithin`` (20 weeks) apart are one
///    pregnancy — due dates of midwife and hospital differ by days, a birth comes at most ~18
///    weeks before the due date — so a message goes to the pregnancy with the nearest reference
///    date within that distance, or starts a new one. (Different dossier numbers do not split a
///    pregnancy: each organisation numbers its own dossier.)
/// 3. A message with neither (a JGZ handover without a birth date, a consent registration) goes
///    to the pregnancy whose reference date is nearest to the time the message was made, when
///    that time lies from ``before`` (300 days) before to ``after`` (365 days) after it.
/// 4. What is still left: when it holds pregnancy data, it goes to the one pregnancy `unplaced`,
///    visible as such; when it holds only facts about her (client data, consents, her care
///    team), to no pregnancy.
///
/// Messages are taken in creation-time order, so the placement, like the record, does not
/// depend on the order they arrived in.
enum PregnancyPlacement {
    static let sameWithin: TimeInterval = 140 * 86_400
    static let before: TimeInterval = 300 * 86_400
    static let after: TimeInterval = 365 * 86_400

    struct Group {
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

    /// The groups (oldest reference date first, `unplaced` last) and, per message, its group's
    /// index or `nil` (only facts about her).
    static func place(_ messages: [MessageFacts], hasPregnancyData: (Int) -> Bool) -> (groups: [Group], placement: [Int?]) {
        var groups: [Group] = []
        var placement = [Int?](repeating: nil, count: messages.count)
        var undated: [Int] = []
        for (index, message) in messages.enumerated() {
            let dossier = message.pregnancy?.dossierId
            let reference = referenceDate(of: message)
            if let dossier, let known = groups.firstIndex(where: { $0.dossierIds.contains(dossier) }) {
                placement[index] = known
                if groups[known].reference == nil { groups[known].reference = reference }
            } else if let reference {
                if let near = nearest(groups, to: reference, admitting: { abs($0) < sameWithin }) {
                    placement[index] = near
                } else {
                    groups.append(Group(reference: reference, first: firstKey(message)))
                    placement[index] = groups.count - 1
                }
                if let dossier, !groups[placement[index]!].dossierIds.contains(dossier) { groups[placement[index]!].dossierIds.append(dossier) }
            } else if let dossier {
                groups.append(Group(dossierIds: [dossier], first: firstKey(message)))
                placement[index] = groups.count - 1
            } else {
                undated.append(index)
            }
        }
        for index in undated {
            if let time = ClinicalDate(messages[index].provenance.time)?.instant,
               let nearest = nearest(groups, to: time, admitting: { (-before...after).contains($0) }) {
                placement[index] = nearest
            } else if hasPregnancyData(index) {
                if !groups.contains(where: \.unplaced) { groups.append(Group(unplaced: true)) }
                placement[index] = groups.firstIndex(where: \.unplaced)
            }
        }
        // Oldest first, then those known only by a dossier number, `unplaced` last.
        let order = groups.indices.sorted { a, b in
            let (x, y) = (groups[a], groups[b])
            if x.unplaced != y.unplaced { return y.unplaced }
            switch (x.reference, y.reference) {
            case let (p?, q?): return p < q
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a < b
            }
        }
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        return (order.map { groups[$0] }, placement.map { $0.flatMap { position[$0] } })
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

    /// The due date, else the delivery, else the first child's birth.
    static func referenceDate(of message: MessageFacts) -> Date? {
        let candidates = [message.pregnancy?.dueDate, message.delivery?.dateTime, message.delivery?.activeLabourStart]
            + message.children.map(\.birthDateTime)
        return candidates.lazy.compactMap { $0.flatMap(ClinicalDate.init)?.instant }.first
    }

}
