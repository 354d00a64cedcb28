import Foundation

/// Her merged record in the form the store keeps (docs/canonical-record.md, "Stored record"):
/// everything needed to add the next message without reading the earlier ones — each fact slot
/// with the latest value per sender, the pregnancies with their placement, the list sections —
/// except the sources, one ``RecordSourceRow`` per message, which the store keeps as rows of
/// their own so that a message adds one row instead of rewriting a list that grows with her
/// history. ``record(sources:)`` gives the ``ClientRecord``.
///
/// ``build(from:)`` folds every message in creation-time order; ``appending(_:)`` adds one
/// more message and gives the same state as the full build would, or `nil` when the message
/// could change what came before (it was made before the last one, or it moves where an undated
/// message belongs): then the record is rebuilt from every message.
public struct RecordState: Sendable, Codable, Hashable {
    /// The record without facts, pregnancies and sources (those are kept in the fields below).
    var base: ClientRecord
    /// The latest message folded in (creation time, then message id).
    var last: Provenance?
    var clientSlots: [String: SlotState] = [:]
    /// The pregnancies of dated messages, in the order they were started (rules 1–2).
    var groups: [Pregnancy] = []
    /// The one pregnancy `unplaced` (rule 4), when there is one.
    var unplaced: Pregnancy?
    /// The messages placed by rules 3–4, in creation-time order, with where they went.
    var undated: [Undated] = []
    /// Messages folded in (the number of source rows).
    public private(set) var count = 0

    struct Pregnancy: Sendable, Codable, Hashable {
        var group: PregnancyPlacement.Group
        /// Timeline, findings and attachments (facts and sources are kept apart).
        var lists: PregnancyRecord
        var slots: [String: SlotState] = [:]
    }

    struct Undated: Sendable, Codable, Hashable {
        var time: String
        var hasPregnancyData: Bool
        var target: PregnancyPlacement.Target
    }

    /// One path's values folded in time order: the current value, the values it superseded and
    /// the latest value of each sender (a disagreeing one is a conflict).
    struct SlotState: Sendable, Codable, Hashable {
        var current: SourcedValue
        var history: [SourcedValue] = []
        var latest: [String: SourcedValue] = [:]

        init(_ entry: SourcedValue) {
            current = entry
            add(entry)
        }

        mutating func add(_ entry: SourcedValue) {
            latest[ClientRecord.senderKey(entry.source.sender)] = entry
            if entry.value != current.value {
                history.append(current)
                current = entry
            }
        }

        var slot: FactSlot {
            let disagreeing = latest.values.filter { $0.value != current.value }
                .sorted { ClientRecord.chronologicalSource($0.source, $1.source) }
            return FactSlot(value: current.value, source: current.source, history: history.isEmpty ? nil : history,
                            conflict: disagreeing.isEmpty ? nil : disagreeing)
        }
    }

    /// The state of a client of whom nothing is known.
    public init(bsn: String) {
        base = .empty(bsn: bsn)
    }

    public var bsn: String { base.bsn }

    /// Folds the facts of messages about one client (all with the same BSN) in creation-time
    /// order (then message id), so the result does not depend on arrival order; with the source
    /// row of each message, in that order.
    public static func build(from messages: [MessageFacts]) throws -> (state: RecordState, sources: [RecordSourceRow]) {
        guard let bsn = messages.first?.client.bsn else {
            throw MappingError(code: "record.empty", message: "a record needs at least one message")
        }
        guard messages.allSatisfy({ $0.client.bsn == bsn }) else {
            throw MappingError(code: "record.mixed-clients", message: "messages about different clients cannot form one record")
        }
        let ordered = messages.sorted(by: ClientRecord.chronological)
        let values = try ordered.map(ClientRecord.singleValuedFacts)
        var groups: [PregnancyPlacement.Group] = []
        var targets = ordered.map { PregnancyPlacement.placeDated($0, in: &groups).map(PregnancyPlacement.Target.group) }
        var state = RecordState(bsn: bsn)
        for index in ordered.indices where targets[index] == nil {
            let time = PregnancyPlacement.undatedTime(of: ordered[index]), data = hasPregnancyData(ordered[index], values[index])
            let entry = Undated(time: time, hasPregnancyData: data, target: PregnancyPlacement.target(undated: time, hasPregnancyData: data, among: groups))
            state.undated.append(entry)
            targets[index] = entry.target
        }
        state.groups = groups.map(Pregnancy.init(group:))
        if targets.contains(.unplaced) { state.unplaced = Pregnancy(group: PregnancyPlacement.Group(unplaced: true)) }
        let rows = ordered.indices.map { state.fold(ordered[$0], values: values[$0], into: targets[$0] ?? .none) }
        return (state, rows)
    }

    /// The state with one more message and its source row, or `nil` when only a rebuild from
    /// every message gives the right record (see the type's description).
    public func appending(_ message: MessageFacts) throws -> (state: RecordState, source: RecordSourceRow)? {
        guard message.client.bsn == bsn else {
            throw MappingError(code: "record.mixed-clients", message: "messages about different clients cannot form one record")
        }
        if let last, !ClientRecord.chronologicalSource(last, message.provenance) { return nil }
        let values = try ClientRecord.singleValuedFacts(of: message)
        var copy = self
        var groups = groups.map(\.group)
        let target: PregnancyPlacement.Target
        if let index = PregnancyPlacement.placeDated(message, in: &groups) {
            // A new pregnancy, or a date for one known by its number, may draw an undated message elsewhere.
            for entry in undated where PregnancyPlacement.target(undated: entry.time, hasPregnancyData: entry.hasPregnancyData,
                                                                 among: groups) != entry.target {
                return nil
            }
            for (position, group) in groups.enumerated() {
                if position < copy.groups.count { copy.groups[position].group = group } else { copy.groups.append(Pregnancy(group: group)) }
            }
            target = .group(index)
        } else {
            let data = Self.hasPregnancyData(message, values), time = PregnancyPlacement.undatedTime(of: message)
            target = PregnancyPlacement.target(undated: time, hasPregnancyData: data, among: groups)
            copy.undated.append(Undated(time: time, hasPregnancyData: data, target: target))
            if target == .unplaced, copy.unplaced == nil { copy.unplaced = Pregnancy(group: PregnancyPlacement.Group(unplaced: true)) }
        }
        let row = copy.fold(message, values: values, into: target)
        return (copy, row)
    }

    /// Her record: this state with its source rows (in creation-time order, as given by
    /// ``build(from:)`` and ``appending(_:)``).
    public func record(sources: [RecordSourceRow]) -> ClientRecord {
        var record = base
        record.facts = clientSlots.mapValues(\.slot)
        record.conflicts = ClientRecord.conflicts(in: record.facts)
        let all = groups + (unplaced.map { [$0] } ?? [])
        var byPregnancy: [String: [Provenance]] = [:]
        for row in sources { if let pregnancy = row.pregnancy { byPregnancy[pregnancy, default: []].append(row.source.provenance) } }
        record.pregnancies = PregnancyPlacement.ordered(all.map(\.group)).map { index in
            let pregnancy = all[index]
            var result = pregnancy.lists
            result.id = pregnancy.group.id
            result.identifiedBy = pregnancy.group.identifiedBy
            result.dossierIds = pregnancy.group.dossierIds.isEmpty ? nil : pregnancy.group.dossierIds
            result.facts = pregnancy.slots.mapValues(\.slot)
            result.conflicts = ClientRecord.conflicts(in: result.facts)
            result.sources = byPregnancy[pregnancy.group.id] ?? []
            return result
        }
        record.sources = sources.map(\.source)
        record.careTeam.coordinating = ClientRecord.coordinating(
            timeline: record.pregnancies.flatMap(\.timeline).sorted { ClientRecord.chronologicalSource($0.source, $1.source) })
        return record
    }

    /// Whether a message holds anything about a pregnancy (else only facts about her).
    static func hasPregnancyData(_ message: MessageFacts, _ values: [(String, JSONValue)]) -> Bool {
        values.contains { !$0.0.hasPrefix("client.") } || !message.events.isEmpty || !message.attachments.isEmpty
            || !(message.findings?.isEmpty ?? true)
    }

    /// Adds one message (the latest so far) to the pregnancy `target` names; its source row.
    private mutating func fold(_ message: MessageFacts, values: [(String, JSONValue)], into target: PregnancyPlacement.Target) -> RecordSourceRow {
        let source = message.provenance
        for (path, value) in values {
            let entry = SourcedValue(value: value, source: source)
            if path.hasPrefix("client.") {
                Self.add(entry, at: path, to: &clientSlots)
            } else {
                switch target {
                case .group(let index): Self.add(entry, at: path, to: &groups[index].slots)
                case .unplaced: Self.add(entry, at: path, to: &unplaced!.slots)
                case .none: break
                }
            }
        }
        base.collect(message)
        var pregnancy: String?
        switch target {
        case .group(let index):
            groups[index].lists.collect(message)
            pregnancy = groups[index].group.id
        case .unplaced:
            unplaced!.lists.collect(message)
            pregnancy = PregnancyPlacement.Group(unplaced: true).id
        case .none:
            break
        }
        last = source
        count += 1
        return RecordSourceRow(source: RecordSource(provenance: source, sections: ClientRecord.sections(of: message, paths: values.map(\.0))),
                               pregnancy: pregnancy)
    }

    private static func add(_ entry: SourcedValue, at path: String, to slots: inout [String: SlotState]) {
        if slots[path] == nil { slots[path] = SlotState(entry) } else { slots[path]!.add(entry) }
    }
}

extension RecordState.Pregnancy {
    init(group: PregnancyPlacement.Group) {
        self.init(group: group, lists: .empty(id: group.id, identifiedBy: group.identifiedBy, dossierIds: []))
    }
}

/// One message as a source of her record: what it says about (``RecordSource``) and the
/// pregnancy it was placed in (`nil`: only facts about her).
public struct RecordSourceRow: Sendable, Codable, Hashable {
    public var source: RecordSource
    public var pregnancy: String?

    public init(source: RecordSource, pregnancy: String?) {
        self.source = source
        self.pregnancy = pregnancy
    }
}
