extension PerigateMessageMapper {
    /// The timeline event this message is (one per message for Perigate's own kinds).
    func events(provenance: Provenance) -> [CareEvent] {
        let recipients = read.nodes("m:header/m:ontvanger/m:organisatie", in: root).map { organisation($0) }
        let sender = person(read.node("m:header/m:afzender/m:zorgverlener", in: root), organisation: provenance.sender)
        var event = CareEvent(type: Self.eventType[kind] ?? kind, time: provenance.time, from: provenance.sender,
                              fromPerson: sender, to: recipients, reasons: [])
        switch kind {
        case "verwijzing":
            let node = read.node("m:verwijzing", in: root)
            event.subtype = read.text("m:type", in: node)
            event.urgency = read.text("m:urgentie", in: node)
            event.reasons = read.nodes("m:reden", in: node).compactMap(read.coded)
            event.text = read.text("m:toelichting", in: node)
            event.gestationalAge = read.text("m:amenorroeduur", in: node)
            let indications = read.nodes("m:vilIndicatie", in: node).compactMap { item -> Indication? in
                guard let code = read.text("@code", in: item), let category = read.text("@categorie", in: item) else { return nil }
                return Indication(code: code, category: category, display: read.text("@displayName", in: item))
            }
            event.indications = indications.isEmpty ? nil : indications
        case "terugverwijzing":
            let node = read.node("m:terugverwijzing", in: root)
            event.subtype = read.text("m:aanleiding", in: node)
            event.outcome = read.text("m:uitkomst", in: node)
            event.advice = read.text("m:beleidsadvies", in: node)
            event.returnTo = read.text("m:terugNaar", in: node)
        case "toestemming":
            // Addressed to the gateway: recipients named in it get no care relationship.
            event.to = []
            event.subtype = read.text("m:uitwisseling/m:status", in: root)
        case "phbaanmelding":
            event.gestationalAge = read.text("m:phb/m:amenorroeduur", in: root)
            event.text = read.text("m:phb/m:bereikbaarheid", in: root)
            event.subtype = read.text("m:phb/m:contactvoorkeur", in: root).map { "contact:" + $0 }
        default:
            break
        }
        return [event]
    }

    /// Canonical event type per message kind.
    static let eventType = [
        "verwijzing": "referral",
        "terugverwijzing": "back-referral",
        "kraamzorgoverdracht": "kraamzorg-handover",
        "jgzoverdracht": "jgz-handover",
        "phbaanmelding": "phb-referral",
        "toestemming": "consent-registration",
    ]
}
