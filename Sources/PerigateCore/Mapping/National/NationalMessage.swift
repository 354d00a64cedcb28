import Crypto
import Foundation
import PerigateXML

/// One national message being mapped: its kind and version, its bytes and a reader over it.
/// Shared by the mappers of the national standards so each only says where things are.
struct NationalMessage {
    let kind: String
    let version: String
    let nr: NationalReader
    let raw: Data

    init(document: XMLDocument, kind: String, version: String, hl7: Bool, reference: String?, raw: Data) {
        self.kind = kind
        self.version = version
        self.raw = raw
        nr = NationalReader(document: document, namespaces: (hl7 ? ["hl7": "urn:hl7-org:v3"] : [:]).merging(["xsi": "http://www.w3.org/2001/XMLSchema-instance"]) { own, _ in own },
                            reference: reference)
    }

    /// A mapping error: `what` is missing from this message.
    func missing(_ what: String) -> MappingError {
        MappingError(code: .missingField, message: "\(kind) \(version): \(what) is missing")
    }

    /// The node at `path`, else ``missing(_:)``.
    func required(_ path: String, _ what: String, in node: XMLNode? = nil) throws -> XMLNode {
        guard let found = nr.node(path, in: node) else { throw missing(what) }
        return found
    }

    /// The mother's BSN (normalised, elfproef), else ``missing(_:)``.
    func motherBSN(_ value: String?) throws -> String {
        guard let bsn = value.flatMap(BSN.init)?.value else { throw missing("the mother's BSN") }
        return bsn
    }

    func provenance(id: String, sender: OrganisationRef, time: String) -> Provenance {
        Provenance(messageId: id, kind: kind, version: version, sender: sender, time: time)
    }
}

/// Shared parts of HL7v3 messages: the message id and the people in the control act.
enum HL7Message {
    /// `ROOT:EXTENSION` of the message's own id.
    static func id(_ nr: NationalReader) -> String? {
        guard let extensionValue = nr.text("/*/hl7:id/@extension") else { return nil }
        return (nr.text("/*/hl7:id/@root").map { $0 + ":" } ?? "") + extensionValue
    }

    /// An HL7v3 `addr`: street, house number, postcode, city.
    static func address(_ node: XMLNode?, nr: NationalReader) -> Address? {
        guard let node else { return nil }
        return Address(street: nr.text("hl7:streetName", in: node), houseNumber: nr.text("hl7:houseNumber", in: node),
                       postcode: nr.text("hl7:postalCode", in: node), city: nr.text("hl7:city", in: node))
    }

    /// An `AssignedPerson`: UZI, AGB, name and role (its code's display name, else the code).
    static func person(_ node: XMLNode?, nr: NationalReader, organisation: OrganisationRef?) -> PersonRef? {
        guard let node else { return nil }
        let person = PersonRef(uzi: nr.id(NationalReader.uziOID, in: node), agb: nr.id(NationalReader.agbOID, in: node),
                               name: nr.name("hl7:assignedPrincipalChoiceList/hl7:assignedPerson/hl7:name", in: node),
                               role: nr.text("hl7:code/@displayName", in: node) ?? nr.text("hl7:code/@code", in: node),
                               organisation: organisation)
        return person.uzi == nil && person.agb == nil && person.name == nil ? nil : person
    }

    /// The obstetric history (acute handover and kernset): one per `248983002` organizer — the
    /// year of its due date, how it ended, its duration, the (first) child's weight and Apgar.
    static func previousPregnancies(_ nr: NationalReader, in node: XMLNode?) throws -> ObstetricHistory? {
        let pregnancies = try nr.nodes("hl7:pertinentInformation3/hl7:organizer[hl7:code/@code='248983002']", in: node).map { organizer in
            let ended = nr.coded("hl7:component/hl7:observation[hl7:code/@code='EindeZw']/hl7:value", in: organizer)
            var previous = PreviousPregnancy(outcome: ended.map { $0.display ?? $0.code })
            previous.year = try nr.date("hl7:component/hl7:observation[hl7:code/@code='EDDDef']/hl7:value/@value", in: organizer).map { String($0.prefix(4)) }
            previous.duration = nr.weeksAndDays("hl7:component/hl7:observation[hl7:code/@code='412726003']/hl7:value/@value", in: organizer)
            previous.birthWeightGrams = nr.int("(.//hl7:observation[hl7:code/@code='8339-4'])[1]/hl7:value/@value", in: organizer)
            previous.apgar5 = nr.int("(.//hl7:observation[hl7:code/@code='9274-2'])[1]/hl7:value/@value", in: organizer)
            return previous
        }
        return pregnancies.isEmpty ? nil : ObstetricHistory(previousPregnancies: pregnancies)
    }
}

/// Code lists of the national standards that have a canonical word in the record.
enum NationalCodes {
    /// Perined sex codes (2.16.840.1.113883.2.4.4.13.21) → the record's words.
    static let sex = ["1": "man", "2": "vrouw", "3": "onbepaald"]
}

func nonEmpty<T>(_ items: [T]) -> [T]? { items.isEmpty ? nil : items }

/// Shared parts of ADA messages: an id and a time.
enum ADAMessage {
    /// ADA has no message id: `ada:ID:HASH` from the transaction's `@id` (a scenario or dossier
    /// id, shared by every version of it) and the first 16 hex digits of the bytes' SHA-256, else
    /// `sha256:…` of the bytes. A re-send is the same message; a changed one is a new message.
    static func id(_ nr: NationalReader, root: XMLNode, raw: Data) -> String {
        let digest = Hex.encode(SHA256.hash(data: raw))
        if let id = nr.text("@id", in: root) { return "ada:\(id):\(digest.prefix(16))" }
        return "sha256:" + digest
    }

    /// The obstetric history (acute handover and kernset): one per
    /// `obstetrische_anamnese_gegroepeerd_per_voorgaande_zwangerschap` — the year of its due date,
    /// how it ended, its duration, the (first) child's weight and Apgar.
    static func previousPregnancies(_ nr: NationalReader, in root: XMLNode) throws -> ObstetricHistory? {
        let pregnancies = try nr.nodes("obstetrische_anamnese_gegroepeerd_per_voorgaande_zwangerschap", in: root).map { node in
            let ended = nr.coded("wijze_einde_zwangerschap", in: node)
            var previous = PreviousPregnancy(outcome: ended.map { $0.display ?? $0.code })
            previous.year = try nr.date("definitieve_a_terme_datum/@value", in: node).map { String($0.prefix(4)) }
            previous.duration = nr.weeksAndDays("zwangerschapsduur/@value", in: node)
            let child = "(eerdere_bevalling//kindspecifieke_gegevens_vorige_uitkomsten)[1]"
            previous.birthWeightGrams = nr.int("\(child)/geboortegewicht/@value", in: node)
            previous.apgar5 = nr.int("\(child)/apgarscore_na_5_min/@value", in: node)
            return previous
        }
        return pregnancies.isEmpty ? nil : ObstetricHistory(previousPregnancies: pregnancies)
    }

    /// The ADA envelope's last update (or creation) time, as ISO.
    static func time(_ nr: NationalReader) -> String {
        let raw = nr.text("/adaxml/meta/@last-update-date") ?? nr.text("/adaxml/meta/@creation-date") ?? nr.text("/*/@creationTime")
        return raw.flatMap { try? NationalDate.iso($0, reference: nil) } ?? ""
    }
}
