import CLibXML2
import Foundation

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
        nr = NationalReader(document: document, namespaces: hl7 ? ["hl7": "urn:hl7-org:v3"] : [:], reference: reference)
    }

    /// A mapping error: `what` is missing from this message.
    func missing(_ what: String) -> MappingError {
        MappingError(code: "mapping.missing-field", message: "\(kind) \(version): \(what) is missing")
    }

    /// The node at `path`, else ``missing(_:)``.
    func required(_ path: String, _ what: String, in node: xmlNodePtr? = nil) throws -> xmlNodePtr {
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
