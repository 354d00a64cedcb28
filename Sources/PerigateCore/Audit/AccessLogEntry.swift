import Foundation

/// One entry of a client's own access log, in plain Dutch (NEN 7513 ch. 9, Wabvpz 15d): when,
/// which organisation and role, which responsible person, which data, what was done, on which
/// legal basis, whether the emergency procedure was used. Identical lines of one day are merged:
/// `time` is the first, `count` how many.
public struct AccessLogEntry: Sendable, Codable, Hashable {
    /// Local Dutch time, `dd-MM-yyyy HH:mm`.
    public var time: String
    /// `Rijnland Gasthuis (URA 27654321)`.
    public var organisation: String
    public var role: String
    /// The responsible person when the user acted on someone's behalf.
    public var responsible: String?
    /// Data category, e.g. `zwangerschapsdossier`.
    public var data: String
    /// What was done, e.g. `ingezien`.
    public var action: String
    /// The legal basis, e.g. `uw toestemming voor uitwisseling`.
    public var basis: String
    /// `ja` or `nee`.
    public var emergency: String
    /// `toegestaan` or `geweigerd`.
    public var outcome: String
    public var count: Int
    /// The whole entry as one Dutch sentence.
    public var text: String
}

/// Turns audit lines into a client's access log (pure; tested on its own).
public enum AccessLogPresenter {
    static let amsterdam = TimeZone(identifier: "Europe/Amsterdam") ?? .gmt

    /// Her lines, oldest first, merged per day where identical.
    public static func entries(_ lines: [AuditEntry]) -> [AccessLogEntry] {
        var result: [AccessLogEntry] = []
        var index: [String: Int] = [:]
        for line in lines.sorted(by: { $0.sequence < $1.sequence }) {
            guard let date = parseTime(line.time) else { continue }
            let day = format(date, "yyyy-MM-dd")
            var entry = AccessLogEntry(
                time: format(date, "dd-MM-yyyy HH:mm"), organisation: organisation(line), role: line.user?.role ?? role(line),
                responsible: line.user?.responsible, data: data(line), action: action(line),
                basis: basis(line), emergency: line.eventType == "emergency" ? "ja" : "nee",
                outcome: line.outcome == "success" ? "toegestaan" : "geweigerd", count: 1, text: "")
            let key = [day, entry.organisation, entry.role, entry.responsible ?? "", entry.data, entry.action, entry.basis,
                       entry.emergency, entry.outcome].joined(separator: "|")
            if let existing = index[key] {
                result[existing].count += 1
                result[existing].text = sentence(result[existing])
                continue
            }
            entry.text = sentence(entry)
            index[key] = result.count
            result.append(entry)
        }
        return result
    }

    static func sentence(_ entry: AccessLogEntry) -> String {
        var text = "\(entry.time): \(entry.organisation), \(entry.role)"
        if let responsible = entry.responsible { text += " (namens \(responsible))" }
        text += entry.outcome == "toegestaan" ? ", heeft uw \(entry.data) \(entry.action)" : ", wilde uw \(entry.data) \(infinitive(entry.action)); dat is geweigerd"
        text += ". Grondslag: \(entry.basis). Noodprocedure: \(entry.emergency)."
        if entry.count > 1 { text += " (\(entry.count) keer op deze dag)" }
        return text
    }

    static func infinitive(_ action: String) -> String {
        switch action {
        case "ingezien": return "inzien"
        case "aangeleverd": return "aanleveren"
        case "aangemaakt": return "aanmaken"
        case "vastgelegd": return "vastleggen"
        default: return action
        }
    }

    /// Data categories and message kinds in plain Dutch.
    static let categories = [
        "kraamzorgoverdracht": "overdracht aan de kraamzorg", "jgzoverdracht": "overdracht aan de jeugdgezondheidszorg",
        "phbaanmelding": "aanmelding voor het prenataal huisbezoek", "toegangslog": "toegangslog",
        "zwangerschapsdossier": "zwangerschapsdossier", "verwijzing": "verwijzing", "terugverwijzing": "terugverwijzing",
        "toestemming": "toestemming",
    ]

    static func data(_ line: AuditEntry) -> String {
        if line.event.hasPrefix("client-credential.") { return "toegang voor uw cliëntportaal" }
        guard let category = line.objectDetail?.category else { return "gegevens" }
        return categories[category] ?? category
    }

    static func organisation(_ line: AuditEntry) -> String {
        if let organisation = line.organisation, let ura = organisation.ura {
            return "\(organisation.name ?? "organisatie") (URA \(ura))"
        }
        if line.actor.hasPrefix("client:") { return "uzelf" }
        if line.actor.hasPrefix("operator:") { return "Perigate-beheer" }
        return line.actor.hasPrefix("system:") ? "Perigate (het systeem)" : line.actor
    }

    static func role(_ line: AuditEntry) -> String {
        if line.actor.hasPrefix("client:") { return "cliënt" }
        return line.actor.hasPrefix("operator:") ? "beheerder" : "onbekende rol"
    }

    static func action(_ line: AuditEntry) -> String {
        switch line.event {
        case "message.import": return "aangeleverd"
        case "consent.given", "consent.withdrawn", "consent.register": return "vastgelegd"
        case "client-credential.add": return "aangemaakt"
        default: return line.action == "R" ? "ingezien" : "verwerkt"
        }
    }

    static func basis(_ line: AuditEntry) -> String {
        switch line.detail ?? "" {
        case "consent:registered": return "uw toestemming voor uitwisseling"
        case let detail where detail.hasPrefix("consent:"): return "uw toestemming bij de aanmelding (\(detail.dropFirst(8)))"
        case "emergency": return "noodprocedure"
        default: break
        }
        switch line.event {
        case "message.import": return "verwijzing of overdracht door uw zorgverlener"
        case "consent.given": return "uw toestemming, vastgelegd door uw zorgverlener"
        case "consent.withdrawn": return "intrekking van uw toestemming, vastgelegd door uw zorgverlener"
        case "access-log.read", "access-log.copy": return "uw recht op inzage (Wabvpz art. 15d/15e)"
        case "client-credential.add": return "uw verzoek om inzage via uw cliëntportaal"
        case "audit.export": return "controle van de toegangslog"
        default: return line.outcome == "success" ? "zorgrelatie" : "geen (toegang geweigerd)"
        }
    }

    static func parseTime(_ text: String) -> Date? {
        (try? Date(text, strategy: .iso8601)) ?? ISO8601DateFormatter().date(from: text)
    }

    static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "nl_NL")
        formatter.timeZone = amsterdam
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }
}
