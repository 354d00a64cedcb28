import Foundation

extension ClientRecord {
    /// Merges the facts of messages about one client (all with the same BSN) into her record.
    ///
    /// Messages are ordered by creation time (then message id), so the result does not depend on
    /// arrival order. A later value supersedes an earlier one (which stays in `history`); when the
    /// latest values of two senders disagree, the slot carries a `conflict`.
    public static func build(from messages: [MessageFacts]) throws -> ClientRecord {
        let (state, sources) = try RecordState.build(from: messages)
        return state.record(sources: sources)
    }

    static func conflicts(in facts: [String: FactSlot]) -> [String] {
        facts.filter { $0.value.conflict != nil }.keys.sorted()
    }


    /// The record of a client of whom nothing is known: every section empty.
    public static func empty(bsn: String) -> ClientRecord {
        ClientRecord(bsn: bsn, facts: [:], pregnancies: [], careTeam: CareTeamRecord(organisations: [], persons: [], coordinating: nil),
                     obstetricHistory: [], signals: [], consents: [], sources: [], conflicts: [])
    }

    /// The record without superseded values (conflicts stay visible).
    public func withoutHistory() -> ClientRecord {
        func current(_ facts: [String: FactSlot]) -> [String: FactSlot] {
            facts.mapValues { slot in
                var slot = slot
                slot.history = nil
                return slot
            }
        }
        var copy = self
        copy.facts = current(facts)
        for index in copy.pregnancies.indices { copy.pregnancies[index].facts = current(copy.pregnancies[index].facts) }
        return copy
    }

    static func chronological(_ a: MessageFacts, _ b: MessageFacts) -> Bool {
        chronologicalSource(a.provenance, b.provenance)
    }

    static func chronologicalSource(_ a: Provenance, _ b: Provenance) -> Bool {
        let timeA = ClinicalDate(a.time)?.instant ?? .distantPast
        let timeB = ClinicalDate(b.time)?.instant ?? .distantPast
        return timeA != timeB ? timeA < timeB : a.messageId < b.messageId
    }

    static func senderKey(_ organisation: OrganisationRef) -> String {
        organisation.ura.map { "ura:" + $0 } ?? organisation.agb.map { "agb:" + $0 } ?? "name:" + (organisation.name ?? "")
    }

    /// The sections a message says something about: those of its single-valued facts, and every
    /// list it adds to (its timeline events by type).
    static func sections(of message: MessageFacts, paths: [String]) -> [String] {
        var sections = Set(paths.map(section(of:)))
        sections.formUnion(message.events.map { "timeline." + $0.type })
        let lists: [(String, Bool)] = [
            ("careTeam", !message.careTeam.organisations.isEmpty || !message.careTeam.persons.isEmpty),
            ("obstetricHistory", !(message.obstetricHistory?.previousPregnancies ?? []).isEmpty),
            ("findings", !(message.findings?.isEmpty ?? true)),
            ("signals", !message.signals.isEmpty), ("consents", !message.consents.isEmpty), ("attachments", !message.attachments.isEmpty),
        ]
        sections.formUnion(lists.filter(\.1).map(\.0))
        return sections.sorted()
    }

    /// The single-valued facts of a message as dotted paths.
    static func singleValuedFacts(of message: MessageFacts) throws -> [(String, JSONValue)] {
        var result: [(String, JSONValue)] = []
        func add(_ prefix: String, _ value: JSONValue) {
            guard case .object(let fields) = value else {
                result.append((prefix, value))
                return
            }
            for (key, field) in fields.sorted(by: { $0.key < $1.key }) { add("\(prefix).\(key)", field) }
        }
        add("client", try .from(message.client))
        if var pregnancy = message.pregnancy {
            // Its identity, not a fact of it: each organisation numbers its own dossier, so two
            // numbers are no conflict; the pregnancy lists them (`dossierIds`).
            pregnancy.dossierId = nil
            add("pregnancy", try .from(pregnancy))
        }
        if let delivery = message.delivery { add("delivery", try .from(delivery)) }
        if let postpartum = message.postpartum { add("postpartum", try .from(postpartum)) }
        if let carePeriod = message.carePeriod { add("carePeriod", try .from(carePeriod)) }
        if let caesarean = message.obstetricHistory?.previousCaesarean {
            add("obstetricHistory.previousCaesarean", .bool(caesarean))
        }
        for child in message.children {
            var fields = try JSONValue.from(child)
            if case .object(var object) = fields {
                object["sequence"] = nil
                object["identifiedBy"] = nil  // derived: a child BSN arriving later is an update, not a conflict
                fields = .object(object)
            }
            add("children[\(child.sequence)]", fields)
        }
        return result.filter { path, value in
            if case .array(let items) = value, items.isEmpty { return false }
            return !path.isEmpty
        }
    }
}
