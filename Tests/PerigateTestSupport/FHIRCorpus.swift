import Foundation
import PerigateCore
import PerigateFHIR

/// The FHIR side of the shared corpus: Nictiz's pregnancy-card scenarios as one resource per
/// file, and the TestScripts' reference patients. A partner sends them as one Bundle; Nictiz masks
/// the BSN (MedMij), so a test gives the woman the fictitious BSN of her scenario.
public enum FHIRCorpus {
    /// The day relative test dates count from in every FHIR and ADA corpus test.
    public static let reference = "2026-11-25"

    public static var scenarios: URL { TestSupport.corpus.appendingPathComponent("fhir-zwangerschapskaart-stu3/3.2.6") }
    public static var references: URL { TestSupport.corpus.appendingPathComponent("nictiz-testscripts/geboortezorg-2/_reference") }

    /// Every scenario folder as `transaction/scenario`, sorted.
    public static var scenarioNames: [String] {
        TestSupport.files(in: scenarios, extension: "").flatMap { transaction in
            TestSupport.files(in: transaction, extension: "").map { "\(transaction.lastPathComponent)/\($0.lastPathComponent)" }
        }
    }

    /// The ADA instance of the same scenario.
    public static func adaFile(_ scenario: String) -> URL {
        let parts = scenario.split(separator: "/")
        return TestSupport.corpus.appendingPathComponent("ada-zwangerschapskaart/3.2.6/\(parts[0])/instances/\(parts[1]).xml")
    }

    /// The resources of a folder, read from XML with relative test dates resolved from
    /// ``reference`` (as Nictiz's loader does with the day of loading). The one broken value of
    /// the corpus (`"6 "`) is left out, as the reader leaves out values it refuses.
    public static func resources(in folder: URL) throws -> [FHIRResource] {
        try TestSupport.files(in: folder, extension: "xml").map { url in
            guard case .success(let tree) = FHIRElement.parseXML(try Data(contentsOf: url), parser: .init()) else {
                throw MappingError(code: "test", message: "\(url.lastPathComponent) is not FHIR XML")
            }
            let (resource, issues) = FHIRCodec.read(resolved(tree), format: .xml)
            guard let resource, issues.allSatisfy({ $0.code == "fhir.invalid-value" }) else {
                throw MappingError(code: "test", message: "\(url.lastPathComponent) does not read: \(issues.map(\.message))")
            }
            return resource
        }
    }

    /// The `Type/id` references in a resource.
    public static func references(_ resource: FHIRResource) -> [String] {
        func walk(_ element: FHIRElement) -> [String] {
            element.children.flatMap { child -> [String] in
                (child.name == "reference" ? [child.element.primitive].compactMap { $0 } : []) + walk(child.element)
            }
        }
        return (try? FHIRTreeEncoder.encode(resource)).map(walk) ?? []
    }

    /// The base of Nictiz's reference server: its resources' absolute references
    /// (`http://nictiz.nl/fhir/PractitionerRole/…`) name entries by this base.
    public static let referenceBase = "http://nictiz.nl/fhir/"

    /// What `resources` refer to from `pool` (and what that refers to), not yet among them: what a
    /// Bundle of them needs to hold to be whole (Nictiz's reference patients share practitioners,
    /// organisations and her Patient between folders). A reference resolves by `Type/id` or by
    /// ``referenceBase`` + `Type/id`.
    public static func closure(of resources: [FHIRResource], from pool: [FHIRResource]) -> [FHIRResource] {
        let byReference = Dictionary(pool.compactMap { resource in resource.id.map { ("\(resource.resourceType)/\($0)", resource) } },
                                     uniquingKeysWith: { first, _ in first })
        var have = Set(resources.compactMap { resource in resource.id.map { "\(resource.resourceType)/\($0)" } })
        var added: [FHIRResource] = []
        var queue = resources
        while let next = queue.popLast() {
            for reference in references(next).map(relative) where !have.contains(reference) {
                guard let found = byReference[reference] else { continue }
                have.insert(reference)
                added.append(found)
                queue.append(found)
            }
        }
        return added
    }

    static func relative(_ reference: String) -> String {
        reference.hasPrefix(referenceBase) ? String(reference.dropFirst(referenceBase.count)) : reference
    }

    /// The resources that `resources` refer to and that no folder of Nictiz's holds, made from
    /// what the reference itself says (its display): the children (`Patient/JORISXXX-Zhanganak`,
    /// `Patient/LISAXXX-Hollanders`, as bc-Child) and one Organization
    /// (`Organization/2-16-839-…`, "Medisch Centrum Hartevreugde"). Nictiz's own server holds
    /// them from loads outside the corpus; a Bundle has to hold them to be whole.
    public static func completion(of resources: [FHIRResource]) throws -> [FHIRResource] {
        let have = Set(resources.compactMap { resource in resource.id.map { "\(resource.resourceType)/\($0)" } })
        var displays: [String: String] = [:]
        func walk(_ element: FHIRElement) {
            if let reference = element.children(named: "reference").first?.primitive.map(relative), !reference.hasPrefix("#"), !have.contains(reference) {
                displays[reference] = displays[reference] ?? element.children(named: "display").first?.primitive ?? ""
            }
            element.children.forEach { walk($0.element) }
        }
        for resource in resources { walk(try FHIRTreeEncoder.encode(resource)) }
        return try displays.sorted { $0.key < $1.key }.map { reference, display in
            let parts = reference.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw MappingError(code: "test", message: "\(reference): not a Type/id reference") }
            switch parts[0] {
            case "Patient":
                var child = FHIR.Patient(), name = FHIR.HumanName()
                name.text = FHIRString(display)
                child.id = parts[1]
                child.meta = FHIR.Meta()
                child.meta?.profile = [FHIRURI("http://nictiz.nl/fhir/StructureDefinition/bc-Child")]
                child.name = [name]
                return .patient(child)
            case "Organization":
                var organization = FHIR.Organization()
                organization.id = parts[1]
                organization.meta = FHIR.Meta()
                organization.meta?.profile = [FHIRURI("http://fhir.nl/fhir/StructureDefinition/nl-core-organization")]
                organization.name = FHIRString(display)
                return .organization(organization)
            default:
                throw MappingError(code: "test", message: "\(reference): no folder holds it and the harness does not make a \(parts[0])")
            }
        }
    }

    /// The tree with every relative test date replaced by its date.
    public static func resolved(_ element: FHIRElement) -> FHIRElement {
        var element = element
        if let value = element.primitive, let date = NationalDate.fhirRelative(value, reference: reference) { element.primitive = date }
        element.children = element.children.map { FHIRElement.Child(name: $0.name, element: resolved($0.element), repeats: $0.repeats) }
        return element
    }

    /// The folder's resources as one Bundle (`collection`, made at `lastUpdated`), the woman
    /// (bc-Woman, else the adult Patient) with `bsn`; `format` JSON or XML.
    public static func bundle(_ folder: URL, bsn: String?, format: FHIRFormat, lastUpdated: String = "2026-11-25T10:00:00+01:00",
                              identifier: String? = nil, extra: [FHIRResource] = []) throws -> Data {
        var resources = try resources(in: folder) + extra
        for index in resources.indices {
            guard case .patient(var patient) = resources[index], let bsn else { continue }
            let profiles = patient.meta?.profile?.compactMap(\.value) ?? []
            guard !profiles.contains(where: { $0.hasSuffix("bc-Child") || $0.hasSuffix("bc-Fetus") }) else { continue }
            patient.identifier = (patient.identifier ?? []).filter { $0.system?.value != "http://fhir.nl/fhir/NamingSystem/bsn" }
                + [FHIR.Identifier(system: "http://fhir.nl/fhir/NamingSystem/bsn", value: bsn)]
            resources[index] = .patient(patient)
        }
        var bundle = FHIR.Bundle()
        bundle.id = identifier.map { "b-\($0)" }
        bundle.meta = FHIR.Meta()
        bundle.meta?.lastUpdated = FHIRInstant(lastUpdated)
        bundle.identifier = identifier.map { FHIR.Identifier(system: "urn:ietf:rfc:3986", value: $0) }
        bundle.type = "collection"
        bundle.entry = resources.map { resource in
            var entry = FHIR.Bundle.Entry()
            entry.fullUrl = FHIRURI("\(referenceBase)\(resource.resourceType)/\(resource.id ?? "")")
            entry.resource = resource
            return entry
        }
        return try FHIRCodec.write(.bundle(bundle), format: format)
    }
}
