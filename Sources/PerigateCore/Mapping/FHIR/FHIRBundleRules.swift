import PerigateFHIR

/// The checks a FHIR Bundle must pass before it is mapped, beyond the structure the model
/// reads (``FHIRCodec``): the Bundle's type, entries with resources, resource ids, the elements
/// the profiles require, codings with their system, references that resolve inside the Bundle,
/// and one woman and at most one pregnancy per Bundle. Issues carry FHIRPath locations.
enum FHIRBundleRules {
    static let bundleTypes: Set<String> = ["collection", "transaction", "document"]

    /// Elements a resource must have (STU3 and the Nictiz profiles' minimum cardinality).
    static let required: [String: [String]] = [
        "Observation": ["status", "code"], "Condition": ["subject"], "Procedure": ["status", "subject"], "Encounter": ["status"],
        "EpisodeOfCare": ["status", "patient"], "DiagnosticReport": ["status", "code"], "ReferralRequest": ["status", "intent", "subject"],
        "PractitionerRole": [], "Practitioner": [], "Organization": [], "Patient": [],
    ]

    static func issues(_ bundle: FHIR.Bundle, tree: FHIRElement) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        func issue(_ code: String, _ message: String, _ path: String?) {
            issues.append(ValidationIssue(code: code, message: message, path: path))
        }
        if let type = bundle.type?.value {
            if !bundleTypes.contains(type) {
                issue("fhir.bundle-type", "a Bundle of type '\(type)' is not taken: send a collection, transaction or document", "Bundle.type")
            }
        } else {
            issue("fhir.required", "Bundle.type is required", "Bundle.type")
        }
        let entries = tree.children(named: "entry")
        if entries.isEmpty { issue("fhir.required", "the Bundle has no entries", "Bundle.entry") }
        let index = referenceIndex(bundle)
        for (position, entry) in entries.enumerated() {
            let path = FHIRElement.childPath("Bundle", "entry", index: position, count: entries.count)
            guard let resource = entry.children(named: "resource").first, let type = resource.resourceType else {
                issue("fhir.required", "every entry needs a resource", path + ".resource")
                continue
            }
            let resourcePath = path + ".resource"
            if let id = resource.children(named: "id").first?.primitive, !IDKind.isValid(id) {
                issue("fhir.invalid-value", "the resource id is not a valid FHIR id", resourcePath + ".id")
            }
            for element in required[type] ?? [] where resource.children(named: element).isEmpty {
                issue("fhir.required", "\(type).\(element) is required", resourcePath + "." + element)
            }
            walk(resource, path: resourcePath) { element, elementPath, name in
                if name == "coding", !element.children(named: "code").isEmpty, element.children(named: "system").isEmpty {
                    issue("fhir.code-system", "a coding needs its code system", elementPath + ".system")
                }
                if name == "reference", let target = element.primitive, !target.hasPrefix("#"), index[target] == nil {
                    issue("fhir.reference", "the reference does not resolve to a resource in this Bundle", elementPath)
                }
            }
        }
        let episodes = (bundle.entry ?? []).filter { if case .episodeOfCare? = $0.resource { true } else { false } }
        if episodes.count > 1 {
            issue("fhir.bundle-shape", "a Bundle holds one pregnancy (EpisodeOfCare); this one holds \(episodes.count): send each in a Bundle of its own",
                  "Bundle.entry")
        }
        if case .failure(let problem) = Result(catching: { try woman(in: bundle, index: index) }), let error = problem as? MappingError,
           error.code == "fhir.bundle-shape" {
            issue(error.code.rawValue, error.message, "Bundle.entry")
        }
        return issues
    }

    private static func walk(_ element: FHIRElement, path: String, _ visit: (FHIRElement, String, String) -> Void) {
        for (child, childPath) in element.locatedChildren(under: path) {
            visit(child.element, childPath, child.name)
            walk(child.element, path: childPath, visit)
        }
    }

    /// Every entry's resource by the references that may name it: its `fullUrl` and `Type/id`.
    static func referenceIndex(_ bundle: FHIR.Bundle) -> [String: FHIRResource] {
        var index: [String: FHIRResource] = [:]
        for entry in bundle.entry ?? [] {
            guard let resource = entry.resource else { continue }
            if let id = resource.id { index["\(resource.resourceType)/\(id)"] = index["\(resource.resourceType)/\(id)"] ?? resource }
            if let url = entry.fullUrl?.value { index[url] = resource }
        }
        return index
    }

    /// The woman the Bundle is about: the Patient with profile bc-Woman, else the one its
    /// EpisodeOfCare names, else its only Patient that is not a child or a fetus.
    static func woman(in bundle: FHIR.Bundle, index: [String: FHIRResource]) throws -> FHIR.Patient {
        let patients = (bundle.entry ?? []).compactMap { entry -> FHIR.Patient? in
            if case .patient(let patient)? = entry.resource { patient } else { nil }
        }
        let profiled = patients.filter { ($0.meta?.profile ?? []).contains { $0.value == FHIRProfiles.woman } }
        if profiled.count > 1 {
            throw MappingError(code: "fhir.bundle-shape", message: "a Bundle is about one woman; this one holds \(profiled.count) bc-Woman patients")
        }
        if let woman = profiled.first { return woman }
        for entry in bundle.entry ?? [] {
            if case .episodeOfCare(let episode)? = entry.resource, let reference = episode.patient?.reference?.value,
               case .patient(let patient)? = index[reference] {
                return patient
            }
        }
        let adults = patients.filter { patient in
            !(patient.meta?.profile ?? []).contains { $0.value == FHIRProfiles.child || $0.value == FHIRProfiles.fetus }
        }
        if adults.count > 1 {
            throw MappingError(code: "fhir.bundle-shape", message: "a Bundle is about one woman; this one holds \(adults.count) patients and none is marked bc-Woman")
        }
        guard let woman = adults.first else {
            throw MappingError(code: .missingField, message: "\(FHIRBundleMapper.kind) \(FHIRBundleMapper.version): the woman (a Patient) is missing")
        }
        return woman
    }
}
