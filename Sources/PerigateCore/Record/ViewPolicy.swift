import Foundation

/// Data minimisation: which parts of a client record each partner type may receive
/// (`Schemas/views.json`). ``view(_:for:consent:)`` is a pure function.
public struct ViewPolicy: Sendable, Codable, Hashable {
    public var description: String?
    public var views: [String: View]

    /// What one partner type sees.
    public struct View: Sendable, Codable, Hashable {
        /// Sections always included.
        public var sections: [String]
        /// When set, only these timeline event types.
        public var timelineTypes: [String]?
        /// Sections added when the client consented to sharing that data category.
        public var withConsent: [String: [String]]?
        /// Which consents count for this partner type, by purpose (e.g. `phb-referral` for JGZ):
        /// a consent given for one exchange does not open data to other partners.
        public var consentPurposes: [String]?
        /// Whether this partner type gives acute care and may use the emergency procedure
        /// (break-the-glass); absent: it may not.
        public var acuteCare: Bool?
    }

    /// Every section name a policy may use.
    public static let sectionNames: Set<String> = [
        "client", "client.contact", "pregnancy", "careTeam", "timeline", "obstetricHistory", "findings",
        "delivery", "children", "postpartum", "signals", "consents", "attachments",
    ]

    /// Loads and checks a policy file; unknown section names are refused.
    public static func load(_ path: String) throws -> ViewPolicy {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CatalogError(code: "views.unreadable", file: path, message: "view policy not found or unreadable")
        }
        let policy: ViewPolicy
        do { policy = try JSONDecoder().decode(ViewPolicy.self, from: data) } catch {
            throw CatalogError(code: "views.invalid", file: path, message: "not a valid view policy: \(error)")
        }
        for (type, view) in policy.views {
            let used = view.sections + (view.withConsent ?? [:]).values.flatMap { $0 }
            if let unknown = used.first(where: { !sectionNames.contains($0) }) {
                throw CatalogError(code: "views.invalid", file: path, message: "view '\(type)' names unknown section '\(unknown)'")
            }
        }
        return policy
    }

    /// The record as partner type `type` may see it, given the data categories the client
    /// consented to (by default: the categories of the record's consents whose purpose the
    /// view accepts). `sectionsPresent`, when the caller knows it: every section name its
    /// sources name (then a view that shows all of them keeps the source lists as they are,
    /// without checking each source; the result is the same).
    public func view(_ record: ClientRecord, for type: String, consent: Set<String>? = nil,
                     sectionsPresent: Set<String>? = nil) throws -> ClientRecord {
        guard let view = views[type] else {
            throw MappingError(code: "view.unknown-type",
                               message: "no view for partner type '\(type)'; known: \(views.keys.sorted().joined(separator: ", "))")
        }
        let purposes = Set(view.consentPurposes ?? [])
        let consented = consent ?? Set(record.consents.filter { purposes.contains($0.item.purpose) }.flatMap(\.item.scope))
        var allowed = Set(view.sections)
        for (category, sections) in view.withConsent ?? [:] where consented.contains(category) {
            allowed.formUnion(sections)
        }
        return record.restricted(to: allowed, timelineTypes: view.timelineTypes.map(Set.init), present: sectionsPresent)
    }
}

extension ClientRecord {
    /// The section a fact path belongs to (`client.address.city` → `client.contact`; the people
    /// she names as contacts and her insurer are contact data too: a partner type that may not
    /// reach her does not learn her insurer or policy number either).
    static func section(of path: String) -> String {
        if path.hasPrefix("client.address") || path == "client.phone" || path == "client.email" || path == "client.contactPersons"
            || path.hasPrefix("client.insurance") {
            return "client.contact"
        }
        if path.hasPrefix("carePeriod.") { return "careTeam" }
        let end = path.firstIndex { $0 == "." || $0 == "[" } ?? path.endIndex
        return String(path[..<end])
    }

    /// Keeps only the allowed sections (and timeline event types); `present`: every section
    /// name the sources name, when known.
    func restricted(to allowed: Set<String>, timelineTypes: Set<String>?, present: Set<String>? = nil) -> ClientRecord {
        var copy = self
        // A long history repeats a few section names thousands of times: each is decided once.
        var decided: [String: Bool] = [:]
        func shown(_ section: String) -> Bool {
            if let known = decided[section] { return known }
            let shows = Self.shows(section, allowed: allowed, timelineTypes: timelineTypes)
            decided[section] = shows
            return shows
        }
        copy.facts = facts.filter { shown($0.key) }
        copy.conflicts = conflicts.filter(shown)
        if !allowed.contains("careTeam") { copy.careTeam = CareTeamRecord(organisations: [], persons: [], coordinating: nil) }
        if !allowed.contains("obstetricHistory") { copy.obstetricHistory = [] }
        if !allowed.contains("signals") { copy.signals = [] }
        if !allowed.contains("consents") { copy.consents = [] }
        // A message is listed when it said something the view shows, and only with those sections:
        // a hidden message is not listed at all, and a listed one does not reveal what else it held.
        // Every source listed whole when the view shows every section any source names.
        let everyShown = present?.allSatisfy(shown) ?? false
        if !everyShown {
            copy.sources = sources.compactMap { source in
                if source.sections.allSatisfy(shown) { return source }
                var visible = source
                visible.sections = source.sections.filter(shown)
                return visible.sections.isEmpty ? nil : visible
            }
        }
        // A pregnancy of which the view shows nothing is left out: that there was one is data too.
        // (By message id: one message, one source; hashing whole provenances costs ms at a long history.)
        let listed = everyShown ? nil : Set(copy.sources.map(\.provenance.messageId))
        copy.pregnancies = pregnancies.compactMap { pregnancy in
            var visible = pregnancy.restricted(to: allowed, shown: shown)
            if let listed { visible.sources = pregnancy.sources.filter { listed.contains($0.messageId) } }
            return visible.isEmpty ? nil : visible
        }
        return copy
    }

    /// Whether a view of `allowed` sections (and, when given, only `timelineTypes` events) shows
    /// a fact path or a source's section; a timeline event counts as `timeline.<type>`.
    static func shows(_ path: String, allowed: Set<String>, timelineTypes: Set<String>?) -> Bool {
        guard allowed.contains(section(of: path)) else { return false }
        guard path.hasPrefix("timeline."), let timelineTypes else { return true }
        return timelineTypes.contains(String(path.dropFirst("timeline.".count)))
    }
}

extension PregnancyRecord {
    /// Keeps only the allowed sections (and timeline event types).
    /// `shown`: whether the view shows a fact path or section (``ClientRecord/shows(_:allowed:timelineTypes:)``).
    func restricted(to allowed: Set<String>, shown: (String) -> Bool) -> PregnancyRecord {
        var copy = self
        copy.facts = facts.filter { shown($0.key) }
        copy.conflicts = conflicts.filter(shown)
        var types: [String: Bool] = [:]
        copy.timeline = timeline.filter { entry in
            if let known = types[entry.item.type] { return known }
            let shows = shown("timeline." + entry.item.type)
            types[entry.item.type] = shows
            return shows
        }
        if !allowed.contains("findings") { copy.findings = .none }
        if !allowed.contains("attachments") { copy.attachments = [] }
        if !allowed.contains("pregnancy") { copy.dossierIds = nil }
        return copy
    }

    /// Nothing in it (after a view).
    var isEmpty: Bool {
        facts.isEmpty && timeline.isEmpty && attachments.isEmpty && findings.isEmpty
    }
}
