import Foundation
import PerigateFHIR
import PerigateXML

/// FHIR STU3 messages in the one pipeline: how they are recognised (JSON by its first byte,
/// XML by the FHIR namespace of its root), read, checked and reported like every other kind.
public enum FHIRMessage {
    /// The message type FHIR Bundles are received as (kind `fhir-stu3`, version `3.0.2`): not
    /// from a catalog, as FHIR has no XSD to register; its checks are the model's and ``FHIRBundleRules``.
    static let type: MessageType = {
        let json = """
        {"kind": "\(FHIRBundleMapper.kind)", "version": "\(FHIRBundleMapper.version)", "status": "active",
         "description": "FHIR STU3 Bundle of the pregnancy card (Nictiz nictiz.fhir.nl.stu3.geboortezorg)",
         "match": {"root": "Bundle", "namespace": "\(FHIRElement.namespace)"}, "mapper": "fhir-stu3.bundle"}
        """
        // The literal above is fixed and valid: decoding it cannot fail.
        let entry = try! JSONDecoder().decode(Catalog.Entry.self, from: Data(json.utf8))
        return MessageType(entry: entry, catalogName: "Perigate FHIR", namespaces: [:], schema: nil)
    }()

    /// Whether the bytes are JSON (their first non-space byte, after a UTF-8 BOM, is `{`): how
    /// the gateway tells FHIR JSON from XML, in the pipeline and at the HTTP door.
    public static func isJSON<Bytes: ContiguousBytes>(_ bytes: Bytes) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var index = buffer.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
            while index < buffer.count, [0x20, 0x09, 0x0A, 0x0D].contains(buffer[index]) { index += 1 }
            return index < buffer.count && buffer[index] == UInt8(ascii: "{")
        }
    }

    /// Whether a parsed XML document is FHIR (its root is in the FHIR namespace).
    static func isFHIR(_ document: XMLDocument) -> Bool {
        document.root?.namespace == FHIRElement.namespace
    }

    /// The Bundle and its report: `malformed` when the tree could not be read, `invalid` with
    /// every issue the model and the rules found, else `valid`.
    static func check(_ tree: Result<FHIRElement, FHIRReadFailure>, format: FHIRFormat, reference: String?) -> (FHIR.Bundle?, ValidationReport) {
        var report = ValidationReport(outcome: .valid, kind: FHIRBundleMapper.kind, version: FHIRBundleMapper.version, status: .active)
        let element: FHIRElement
        switch tree {
        case .failure(let failure):
            report.outcome = .malformed
            report.issues = failure.issues.map(Self.issue)
            return (nil, report)
        case .success(let read):
            element = read
        }
        report.root = "{\(FHIRElement.namespace)}\(element.resourceType ?? "")"
        let (resource, issues) = FHIRCodec.read(element, format: format, options: FHIRDecodingOptions(reference: reference))
        report.issues = issues.map(Self.issue)
        guard case .bundle(let bundle)? = resource else {
            report.outcome = .invalid
            if resource != nil {
                report.issues.append(ValidationIssue(code: "fhir.not-a-bundle",
                                                     message: "a \(element.resourceType ?? "resource") on its own is not taken: send it in a Bundle (collection, transaction or document)",
                                                     path: element.resourceType))
            }
            return (nil, report)
        }
        report.issues += FHIRBundleRules.issues(bundle, tree: element)
        if !report.errors.isEmpty { report.outcome = .invalid }
        return (bundle, report)
    }

    static func issue(_ issue: FHIRIssue) -> ValidationIssue {
        ValidationIssue(code: issue.code, message: issue.message, line: issue.line, path: issue.location)
    }
}

extension CanonicalMapper {
    /// A FHIR message through the pipeline: checked, then mapped (``FHIRBundleMapper``).
    func readFHIR(_ tree: Result<FHIRElement, FHIRReadFailure>, format: FHIRFormat, raw: Data,
                  validated: ((ValidationReport, Duration) -> Void)?) -> MessageReading {
        let start = ContinuousClock.now
        let (bundle, report) = FHIRMessage.check(tree, format: format, reference: referenceDate)
        validated?(report, ContinuousClock.now - start)
        guard report.isValid, let bundle else { return .refused(report) }
        do {
            return .mapped(try FHIRBundleMapper(bundle, raw: raw).map(), report, FHIRMessage.type)
        } catch {
            return .unmapped(report, error)
        }
    }

    /// A stored FHIR message mapped again from its bytes (`record rebuild`); `nil` when the bytes are not FHIR.
    func fhirFacts(of message: StoredMessage, document: XMLDocument?) throws -> MessageFacts? {
        let tree: Result<FHIRElement, FHIRReadFailure>
        let format: FHIRFormat
        if let document {
            guard FHIRMessage.isFHIR(document) else { return nil }
            (tree, format) = (FHIRElement.fromXML(document), .xml)
        } else {
            guard FHIRMessage.isJSON(message.raw) else { return nil }
            (tree, format) = (FHIRElement.parseJSON(message.raw), .json)
        }
        let (bundle, report) = FHIRMessage.check(tree, format: format, reference: referenceDate)
        guard report.isValid, let bundle else {
            throw MappingError(code: .storeDamaged, message: "stored message \(message.id) is no longer a valid FHIR Bundle")
        }
        return try FHIRBundleMapper(bundle, raw: message.raw).map()
    }
}

extension StoredMessage {
    /// The media type of its bytes as received: FHIR JSON, or XML (every XML kind, FHIR XML included).
    public var mediaType: String { FHIRMessage.isJSON(raw) ? "application/fhir+json" : "application/xml" }
}
