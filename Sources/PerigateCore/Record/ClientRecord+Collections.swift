extension ClientRecord {
    /// Adds a message's list-like facts about her (each item once, with the first message that gave it).
    mutating func collect(_ message: MessageFacts) {
        let source = message.provenance
        Self.append(message.careTeam.organisations, to: &careTeam.organisations, source: source)
        Self.append(message.careTeam.persons, to: &careTeam.persons, source: source)
        Self.append(message.obstetricHistory?.previousPregnancies ?? [], to: &obstetricHistory, source: source)
        Self.append(message.signals, to: &signals, source: source)
        Self.append(message.consents, to: &consents, source: source)
    }

    static func append<Item>(_ items: [Item], to list: inout [Sourced<Item>], source: Provenance) {
        for item in items where !list.contains(where: { $0.item == item }) {
            list.append(Sourced(item: item, source: source))
        }
    }

    /// Who coordinates care now: the target of the latest referral that moved care (not a mere
    /// consultation), or the midwife a back-referral returns to; otherwise the first sender.
    static func coordinating(timeline: [Sourced<CareEvent>]) -> OrganisationRef? {
        var coordinating = timeline.first?.item.from
        for entry in timeline {
            let event = entry.item
            switch event.type {
            case "referral" where event.subtype != "consultatie":
                coordinating = event.to.first ?? coordinating
            case "back-referral":
                coordinating = event.to.first { $0.type == "verloskundigenpraktijk" } ?? event.to.first ?? coordinating
            default:
                break
            }
        }
        return coordinating
    }
}

extension PregnancyRecord {
    /// A pregnancy with nothing in it yet.
    static func empty(id: String, identifiedBy: String, dossierIds: [String]) -> PregnancyRecord {
        PregnancyRecord(id: id, identifiedBy: identifiedBy, dossierIds: dossierIds.isEmpty ? nil : dossierIds, facts: [:], timeline: [],
                        findings: .none, attachments: [],
                        sources: [], conflicts: [])
    }

    /// Adds a message's list-like facts about this pregnancy (each item once, with the first message that gave it).
    mutating func collect(_ message: MessageFacts) {
        let source = message.provenance
        ClientRecord.append(message.events, to: &timeline, source: source)
        if let findings = message.findings {
            ClientRecord.append(findings.bloodPressure, to: &self.findings.bloodPressure, source: source)
            ClientRecord.append(findings.labResults, to: &self.findings.labResults, source: source)
            ClientRecord.append(findings.medication, to: &self.findings.medication, source: source)
            ClientRecord.append(findings.allergies, to: &self.findings.allergies, source: source)
            if let statements = findings.statements, !statements.isEmpty {
                var list = self.findings.statements ?? []
                ClientRecord.append(statements, to: &list, source: source)
                self.findings.statements = list
            }
        }
        ClientRecord.append(message.attachments, to: &attachments, source: source)
    }
}
