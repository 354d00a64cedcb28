import PerigateFHIR

/// FHIR STU3 searches over the resources of one woman's file (her compartment): the resource
/// types and parameters the MedMij XIS-Server TestScripts of Geboortezorg use, declared in one
/// table, with `_include`. An unknown parameter or value form is an error (FHIR's "strict"
/// handling), never silently ignored.
public enum FHIRSearch {
    /// The types her compartment can be searched for (types the model does not hold give an empty result).
    public static let types: [String] = [
        "Patient", "EpisodeOfCare", "Condition", "Observation", "Procedure", "Encounter", "DiagnosticReport", "ReferralRequest",
        "CareTeam", "Coverage", "RelatedPerson", "DeviceUseStatement", "FamilyMemberHistory", "Organization", "Practitioner",
        "PractitionerRole", "CarePlan", "BodySite",
    ]

    /// The search parameters of a type, by name.
    public static func parameterNames(of type: String) -> [String] { (parameters[type] ?? [:]).keys.sorted() }

    /// Search parameters per type: name → does this resource match the value.
    static let parameters: [String: [String: @Sendable (FHIRResource, String, Index) -> Bool]] = {
        let context: @Sendable (FHIRResource, String, Index) -> Bool = { resource, value, _ in references(resource, "context").contains { Index.same($0, value) } }
        var table: [String: [String: @Sendable (FHIRResource, String, Index) -> Bool]] = [:]
        for type in ["Condition", "Observation", "Procedure", "DiagnosticReport", "ReferralRequest", "CareTeam"] { table[type] = ["context": context] }
        table["Observation"]?["context:Encounter.episodeofcare"] = { resource, value, index in
            references(resource, "context").contains { reference in
                guard case .encounter(let encounter)? = index.resource(reference) else { return false }
                return (encounter.episodeOfCare ?? []).contains { Index.same($0.reference?.value ?? "", value) }
            }
        }
        table["Encounter"] = ["episodeofcare": { resource, value, _ in references(resource, "episodeOfCare").contains { Index.same($0, value) } }]
        table["EpisodeOfCare"] = [
            "type": { resource, value, _ in
                guard case .episodeOfCare(let episode) = resource else { return false }
                return (episode.type ?? []).contains { token($0.coding ?? [], matches: value) }
            },
            "status": { resource, value, _ in
                guard case .episodeOfCare(let episode) = resource else { return false }
                return value.split(separator: ",").contains { episode.status?.value == String($0) }
            },
        ]
        return table
    }()

    /// `_include` values: the references each follows.
    public static let includes: [String: (String, String)] = [
        "EpisodeOfCare:organization": ("EpisodeOfCare", "managingOrganization"), "EpisodeOfCare:care-manager": ("EpisodeOfCare", "careManager"),
        "Encounter:practitioner": ("Encounter", "participant.individual"), "Procedure:performer": ("Procedure", "performer.actor"),
        "Procedure:based-on": ("Procedure", "basedOn"), "DeviceUseStatement:device": ("DeviceUseStatement", "device"),
    ]

    public struct Failure: Error, Sendable, Hashable {
        public var message: String
    }

    /// How a partner names the woman whose file it searches: `identifier` (for Patient) or
    /// `patient.identifier` (every other type), once, as `http://fhir.nl/fhir/NamingSystem/bsn|<BSN>`.
    /// Her own app needs none: her token names her. Returns her BSN and the rest of the query.
    public static func woman(type: String, query: [(String, String)]) throws(Failure) -> (BSN, [(String, String)]) {
        let name = type == "Patient" ? "identifier" : "patient.identifier"
        let named = query.filter { $0.0 == name }
        let example = "\(name)=\(FHIRSystems.bsn)|<BSN>"
        guard named.count == 1, let value = named.first?.1 else {
            throw Failure(message: "a partner names the woman once: \(example)")
        }
        guard value.hasPrefix(FHIRSystems.bsn + "|") else { throw Failure(message: "\(name) takes her BSN: \(example)") }
        let digits = String(value.dropFirst(FHIRSystems.bsn.count + 1))
        guard let bsn = BSN(digits) else { throw Failure(message: "\(name): \(BSN.problem(with: digits) ?? "not a valid BSN")") }
        return (bsn, query.filter { $0.0 != name })
    }

    /// The matches of `type` for `query` (name, value pairs; `_format` and `_include` among them)
    /// and the resources `_include` adds.
    public static func run(_ type: String, query: [(String, String)], in resources: [FHIRResource]) throws(Failure)
        -> (matches: [FHIRResource], included: [FHIRResource]) {
        guard types.contains(type) else { throw Failure(message: "resource type \(type) is not searched here") }
        let index = Index(resources)
        var matches = resources.filter { $0.resourceType == type }
        var included: [FHIRResource] = []
        for (name, value) in query {
            switch name {
            case "_format":
                continue
            case "_id":
                matches = matches.filter { $0.id == value }
            case "_include":
                guard let (source, _) = includes[value], source == type else {
                    throw Failure(message: "_include=\(value) is not supported for \(type)")
                }
            default:
                guard let test = parameters[type]?[name] else { throw Failure(message: "search parameter \(name) is not supported for \(type)") }
                guard !value.isEmpty else { throw Failure(message: "search parameter \(name) needs a value") }
                matches = matches.filter { test($0, value, index) }
            }
        }
        // After every filter: what the matches refer to.
        for (name, value) in query where name == "_include" {
            guard let (_, path) = includes[value] else { continue }
            for reference in matches.flatMap({ references($0, path) }) {
                if let target = index.resource(reference), !included.contains(target), !matches.contains(target) { included.append(target) }
            }
        }
        return (matches, included)
    }

    /// Resources by `Type/id`.
    struct Index {
        let byReference: [String: FHIRResource]

        init(_ resources: [FHIRResource]) {
            var index: [String: FHIRResource] = [:]
            for resource in resources { if let id = resource.id { index["\(resource.resourceType)/\(id)"] = resource } }
            byReference = index
        }

        func resource(_ reference: String) -> FHIRResource? {
            let parts = reference.split(separator: "/")
            guard parts.count >= 2 else { return nil }
            return byReference["\(parts[parts.count - 2])/\(parts[parts.count - 1])"]
        }

        /// Whether a reference names `value` (`Type/id`, or a full URL ending in it).
        static func same(_ reference: String, _ value: String) -> Bool {
            reference == value || reference.hasSuffix("/" + value)
        }
    }

    /// Whether a coding list matches a token `system|code`, `|code`, `system|` or `code`.
    static func token(_ codings: [FHIR.Coding], matches value: String) -> Bool {
        let parts = value.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        return codings.contains { coding in
            if parts.count == 1 { return coding.code?.value == parts[0] }
            let systemMatches = parts[0].isEmpty || coding.system?.value == parts[0]
            let codeMatches = parts[1].isEmpty || coding.code?.value == parts[1]
            return systemMatches && codeMatches
        }
    }

    /// The reference strings at `path` of a resource (the elements the parameters and includes name).
    static func references(_ resource: FHIRResource, _ path: String) -> [String] {
        let values: [FHIR.Reference?]
        switch (resource, path) {
        case (.observation(let r), "context"): values = [r.context]
        case (.condition(let r), "context"): values = [r.context]
        case (.procedure(let r), "context"): values = [r.context]
        case (.diagnosticReport(let r), "context"): values = [r.context]
        case (.referralRequest(let r), "context"): values = [r.context]
        case (.careTeam(let r), "context"): values = [r.context]
        case (.encounter(let r), "episodeOfCare"): values = r.episodeOfCare ?? []
        case (.encounter(let r), "participant.individual"): values = (r.participant ?? []).map(\.individual)
        case (.episodeOfCare(let r), "managingOrganization"): values = [r.managingOrganization]
        case (.episodeOfCare(let r), "careManager"): values = [r.careManager]
        case (.procedure(let r), "performer.actor"): values = (r.performer ?? []).map(\.actor)
        case (.procedure(let r), "basedOn"): values = r.basedOn ?? []
        case (.deviceUseStatement(let r), "device"): values = [r.device]
        default: values = []
        }
        return values.compactMap { $0?.reference?.value }
    }
}
