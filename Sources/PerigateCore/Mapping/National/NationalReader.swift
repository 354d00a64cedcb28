import Foundation
import PerigateXML

/// Reading helpers shared by the mappers of the national standards (HL7v3 and ADA): dates in the
/// canonical form, codes, numbers as sent, and HL7v3 identifiers by OID.
struct NationalReader {
    let read: NodeReader
    /// The reference day (`yyyy-mm-dd`) for ADA relative test dates, if given.
    let reference: String?

    static let bsnOID = "2.16.840.1.113883.2.4.6.3"
    static let agbOID = "2.16.840.1.113883.2.4.6.1"
    static let uziOID = "2.16.528.1.1007.3.1"
    static let uraOID = "2.16.528.1.1007.3.3"
    /// UZOVI: the register of Dutch health insurers.
    static let uzoviOID = "2.16.840.1.113883.2.4.6.4"
    /// Perined (LVR) organisation ids.
    static let lvrOID = "2.16.840.1.113883.2.4.3.22.96.6"

    init(document: XMLDocument, namespaces: [String: String], reference: String?) {
        read = NodeReader(query: XPathQuery(document: document, namespaces: namespaces))
        self.reference = reference
    }

    func text(_ path: String, in node: XMLNode? = nil) -> String? { read.text(path, in: node) }
    func node(_ path: String, in node: XMLNode? = nil) -> XMLNode? { read.node(path, in: node) }
    func nodes(_ path: String, in node: XMLNode? = nil) -> [XMLNode] { read.nodes(path, in: node) }
    func bool(_ path: String, in node: XMLNode? = nil) -> Bool? { read.bool(path, in: node) }

    /// A whole number as sent (`3450`, `3450.0`); `nil` for anything else.
    func int(_ path: String, in node: XMLNode? = nil) -> Int? {
        guard let text = text(path, in: node) else { return nil }
        if let value = Int(text) { return value }
        guard let value = Double(text), value.rounded() == value, abs(value) < 1e9 else { return nil }
        return Int(value)
    }

    /// A decimal quantity in the canonical form: `24.0` → `24`, `24,50` → `24.5`; `nil` for
    /// anything that is not a number (the same value from ADA and HL7v3 is the same string).
    func decimal(_ path: String, in node: XMLNode? = nil) -> String? {
        text(path, in: node).flatMap(Self.canonicalDecimal)
    }

    static func canonicalDecimal(_ text: String) -> String? {
        // The whole text must be one number: an optional sign, ASCII digits, one decimal mark.
        guard text.wholeMatch(of: /[+-]?[0-9]{1,15}([.,][0-9]{1,15})?/) != nil,
              let number = Decimal(string: text.replacingOccurrences(of: ",", with: "."), locale: Locale(identifier: "en_US_POSIX")) else {
            return nil
        }
        return NSDecimalNumber(decimal: number).stringValue
    }

    func date(_ path: String, in node: XMLNode? = nil) throws -> String? {
        try text(path, in: node).map { try NationalDate.iso($0, reference: reference) }
    }

    /// The coded value at `path` (an element with `@code`, or an HL7v3 `@nullFlavor`).
    func coded(_ path: String, in node: XMLNode? = nil) -> CodedValue? {
        self.node(path, in: node).flatMap(code(of:))
    }

    /// HL7v3 null flavors as codes of their own code system, as ADA writes them (`NI`, `OTH`…):
    /// "no information" in one format is the same fact as in the other.
    static let nullFlavorSystem = "2.16.840.1.113883.5.1008"

    func code(of node: XMLNode) -> CodedValue? {
        read.coded(node) ?? text("@nullFlavor", in: node).map { CodedValue(code: $0, system: Self.nullFlavorSystem) }
    }

    /// A duration in days at `path`, as `weeks+days`.
    func weeksAndDays(_ path: String, in node: XMLNode? = nil) -> String? {
        int(path, in: node).map(NationalDate.weeksAndDays)
    }

    // MARK: HL7v3

    /// The extension of the `hl7:id` with root `oid` under `node`.
    func id(_ oid: String, in node: XMLNode?, prefix: String = "hl7:") -> String? {
        text("\(prefix)id[@root='\(oid)']/@extension", in: node)
    }

    /// An HL7v3 organisation (`Organization`, `representedOrganization`): URA, AGB, LVR id, name.
    func organisation(_ node: XMLNode?) -> OrganisationRef? {
        guard let node else { return nil }
        let organisation = OrganisationRef(ura: id(Self.uraOID, in: node), agb: id(Self.agbOID, in: node),
                                           name: text("hl7:name", in: node), lvrId: id(Self.lvrOID, in: node))
        return organisation == OrganisationRef() ? nil : organisation
    }

    /// A name element's text, whitespace normalised (`Annette de Vries`).
    func name(_ path: String, in node: XMLNode?) -> String? {
        guard self.node(path, in: node) != nil else { return nil }
        return text("normalize-space(\(path))", in: node)
    }
}

extension ChildFacts {
    /// A child of the national standards: identified by its own BSN when it has a valid one,
    /// else through the mother's.
    init(sequence: Int, motherBSN: String, bsn: String?) {
        let valid = bsn.flatMap(BSN.init)?.value
        self.init(sequence: sequence, bsn: valid, identifiedBy: valid == nil ? "mother-bsn" : "child-bsn", weights: [])
    }
}
