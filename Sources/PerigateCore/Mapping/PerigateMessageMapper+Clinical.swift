import Foundation

extension PerigateMessageMapper {
    func obstetricHistory() -> ObstetricHistory? {
        guard let node = read.node("m:obstetrischeAnamnese", in: root) else { return nil }
        let previous = read.nodes("m:eerdereZwangerschap", in: node).map { item in
            PreviousPregnancy(year: read.text("m:jaar", in: item), gestationalAge: read.text("m:amenorroeduur", in: item),
                              outcome: read.text("m:uitkomst", in: item), mode: read.text("m:wijze", in: item),
                              notes: read.text("m:bijzonderheden", in: item))
        }
        return ObstetricHistory(previousPregnancies: previous, previousCaesarean: read.bool("m:eerdereSectio", in: node))
    }

    func findings() -> Findings? {
        let pressures = read.nodes("m:bevindingen/m:bloeddruk", in: root).map { item in
            BloodPressure(time: read.dateTime("m:datumTijd", in: item), systolic: read.int("m:systolisch", in: item),
                          diastolic: read.int("m:diastolisch", in: item))
        }
        let labs = read.nodes("m:bevindingen/m:labuitslag", in: root).map { item in
            LabResult(date: read.text("m:datum", in: item), test: read.node("m:test", in: item).flatMap(read.coded),
                      value: read.text("m:waarde", in: item), unit: read.text("m:eenheid", in: item))
        }
        let medication = read.nodes("m:medicatie", in: root).map { item in
            Medication(name: read.text("m:naam", in: item), dose: read.text("m:dosering", in: item))
        }
        let allergies = read.texts("m:allergie", in: root)
        if pressures.isEmpty && labs.isEmpty && medication.isEmpty && allergies.isEmpty { return nil }
        return Findings(bloodPressure: pressures, labResults: labs, medication: medication, allergies: allergies)
    }

    func delivery() -> DeliveryFacts? {
        guard let node = read.node("m:bevalling", in: root) else { return nil }
        return DeliveryFacts(dateTime: read.dateTime("m:datumTijd", in: node), gestationalAge: read.text("m:amenorroeduur", in: node),
                             place: read.text("m:plaats", in: node), mode: read.text("m:wijze", in: node),
                             bloodLossMl: read.int("m:bloedverliesMl", in: node), notes: read.text("m:bijzonderheden", in: node))
    }

    func children(motherBSN: String) -> [ChildFacts] {
        read.nodes("m:kind", in: root).enumerated().map { index, node in
            let bsn = read.text("m:bsn", in: node).flatMap(BSN.init)?.value
            let weights = read.nodes("m:gewichtsverloop/m:meting", in: node).map { item in
                WeightMeasurement(date: read.text("m:datum", in: item), grams: read.int("m:gewicht", in: item))
            }
            return ChildFacts(
                sequence: read.int("m:volgnummer", in: node) ?? index + 1, bsn: bsn,
                identifiedBy: bsn == nil ? "mother-bsn" : "child-bsn",
                birthDateTime: read.dateTime("m:geboorteDatumTijd", in: node), sex: read.text("m:geslacht", in: node),
                birthWeightGrams: read.int("m:geboortegewicht", in: node), apgar1: read.int("m:apgar1", in: node),
                apgar5: read.int("m:apgar5", in: node), gestationalAge: read.text("m:amenorroeduur", in: node),
                condition: read.text("m:conditie", in: node), feeding: read.text("m:voeding", in: node), weights: weights,
                heelPrick: read.text("m:hielprik", in: node), hearingScreening: read.text("m:gehoorscreening", in: node))
        }
    }

    func postpartum() -> PostpartumFacts? {
        let node = read.node("m:kraamzorg", in: root)
        let recovery = read.text("m:herstelMoeder", in: root)
        let followUp = read.text("m:nazorg", in: root)
        guard node != nil || recovery != nil || followUp != nil else { return nil }
        return PostpartumFacts(
            indicatedHours: read.int("m:geindiceerdeUren", in: node),
            riskFactors: node.map { read.nodes("m:risicofactor", in: $0).compactMap(read.coded) } ?? [],
            attentionPoints: node.map { read.texts("m:aandachtspunt", in: $0) } ?? [],
            feedingIntention: read.text("m:voedingsintentie", in: node), motherRecovery: recovery, followUp: followUp)
    }

    /// Signals: coded (`jgzoverdracht`) or by category name (`phbaanmelding`).
    func signals() -> [VulnerabilitySignal] {
        let coded = read.nodes("m:signaal", in: root).compactMap { node -> VulnerabilitySignal? in
            guard let category = read.node("m:categorie", in: node).flatMap(read.coded) else { return nil }
            return VulnerabilitySignal(category: category, text: read.text("m:toelichting", in: node))
        }
        let phb = read.nodes("m:phb/m:signaal", in: root).compactMap { node -> VulnerabilitySignal? in
            guard let category = read.text("m:categorie", in: node) else { return nil }
            return VulnerabilitySignal(category: CodedValue(code: category, system: "perigate-kwetsbaarheid"),
                                       text: read.text("m:toelichting", in: node))
        }
        return coded + phb
    }

    /// Version 1 lists the consented categories (`gegevens`); version 2 says ja/nee per
    /// category (`categorie`), upcast to the same record plus the refused categories.
    func consents() -> [ConsentRecord] {
        if kind == "toestemming" { return exchangeConsent() }
        return read.nodes("m:toestemming", in: root).map { node in
            let perCategory = version.hasPrefix("1.") ? nil : read.nodes("m:categorie", in: node)
            let scope = perCategory.map { items in
                items.filter { read.text("@toestemming", in: $0) == "ja" }.compactMap { read.text("@naam", in: $0) }
            } ?? read.texts("m:gegevens", in: node)
            let refused = perCategory.map { items in
                items.filter { read.text("@toestemming", in: $0) == "nee" }.compactMap { read.text("@naam", in: $0) }
            }
            return ConsentRecord(date: read.text("m:datum", in: node), givenTo: person(read.node("m:gegevenAan", in: node)),
                          form: read.text("m:vorm", in: node), scope: scope, refusedScope: refused,
                          legalRepresentative: read.text("m:wettelijkVertegenwoordiger/m:naam", in: node),
                          legalRepresentativeDate: read.text("m:wettelijkVertegenwoordiger/m:datum", in: node),
                          purpose: Self.eventType[kind] ?? kind)
        }
    }

    /// A `toestemming` registers her consent for exchange: `gegeven` → given, `ingetrokken` → withdrawn.
    private func exchangeConsent() -> [ConsentRecord] {
        read.nodes("m:uitwisseling", in: root).map { node in
            ConsentRecord(date: read.text("m:datum", in: node), givenTo: person(read.node("m:vastgelegdDoor", in: node)),
                          form: read.text("m:vorm", in: node), scope: [], refusedScope: nil, legalRepresentative: nil,
                          legalRepresentativeDate: nil, purpose: ConsentRecord.exchangePurpose,
                          status: read.text("m:status", in: node) == "gegeven" ? "given" : "withdrawn",
                          note: read.text("m:toelichting", in: node))
        }
    }

    func attachments() -> [AttachmentRef] {
        read.nodes("m:bijlage", in: root).map { node in
            let content = read.text("m:inhoud", in: node).flatMap { Data(base64Encoded: $0, options: .ignoreUnknownCharacters) }
            return AttachmentRef(title: read.text("m:titel", in: node), mimeType: read.text("m:mimeType", in: node),
                                 bytes: content?.count)
        }
    }
}
