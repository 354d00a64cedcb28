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
    /// Her lines, oldest first, merged per day where identical.
    public static func entries(_ lines: [AuditEntry]) -> [AccessLogEntry] {
        var result: [AccessLogEntry] = []
        var index: [String: Int] = [:]
        for line in lines.sorted(by: { $0.sequence < $1.sequence }) {
            guard let date = parseTime(line.time) else { continue }
            let day = format(date, "yyyy-MM-dd")
            var entry = AccessLogEntry(
                time: format(date, "dd-MM-yyyy HH:mm"), organisation: organisation(line), role: role(line),
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
        if entry.action.hasPrefix(forwardedPrefix) { return forwardSentence(entry) }
        if entry.action == claimAction { return claimSentence(entry) }
        // The console's people read "Perigate-beheer (logbeheerder)": the role is named once.
        var text = "\(entry.time): \(entry.organisation)" + (entry.organisation.hasSuffix("(\(entry.role))") ? "" : ", \(entry.role)")
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
        case "bevestigd": return "bevestigen"
        case let forwarded where forwarded.hasPrefix(forwardedPrefix): return "doorsturen aan" + forwarded.dropFirst(forwardedPrefix.count)
        default: return action
        }
    }

    /// Data categories and message kinds in plain Dutch.
    static let categories = [
        "kraamzorgoverdracht": "overdracht aan de kraamzorg", "jgzoverdracht": "overdracht aan de jeugdgezondheidszorg",
        "phbaanmelding": "aanmelding voor het prenataal huisbezoek", "toegangslog": "toegangslog",
        "zwangerschapsdossier": "zwangerschapsdossier", "verwijzing": "verwijzing", "terugverwijzing": "terugverwijzing",
        "toestemming": "toestemming", "zorgrelatie": "zorgteam",
    ]

    static func data(_ line: AuditEntry) -> String {
        if line.event.hasPrefix("client-credential.") { return "toegang voor uw cliëntportaal" }
        guard let category = line.objectDetail?.category else { return "gegevens" }
        return categories[category] ?? category
    }

    /// True when she acted herself (her client portal's credential).
    static func isHerself(_ line: AuditEntry) -> Bool {
        line.actor.hasPrefix("client:")
    }

    /// Who acted (for a forwarded message: who received it). Operators and console users are
    /// "Perigate-beheer (beheerder)" or "(logbeheerder)", never their login names.
    static func organisation(_ line: AuditEntry) -> String {
        if let organisation = line.organisation, let ura = organisation.ura {
            return "\(organisation.name ?? "organisatie") (URA \(ura))"
        }
        if isHerself(line) { return "uzelf" }
        if isOperator(line) { return "Perigate-beheer (\(role(line)))" }
        return line.actor.hasPrefix("system:") ? "Perigate (het systeem)" : line.actor
    }

    /// The role in plain Dutch (``UserRoles/inWords(_:)``); a console user's as "logbeheerder" or "beheerder".
    static func role(_ line: AuditEntry) -> String {
        if isHerself(line) { return "cliënt" }
        if isOperator(line) { return line.user?.role == "log-administrator" ? "logbeheerder" : "beheerder" }
        if let role = line.user?.role, !role.isEmpty { return UserRoles.inWords(role) }
        return line.actor.hasPrefix("system:") ? "systeem" : "rol niet vastgelegd"
    }

    /// A line by an operator (operator API or CLI) or a console user.
    static func isOperator(_ line: AuditEntry) -> Bool {
        line.actor.hasPrefix("operator:") || line.actor.hasPrefix("console:")
    }

    static func action(_ line: AuditEntry) -> String {
        switch line.event {
        case "message.import": return "aangeleverd"
        case "consent.given", "consent.withdrawn", "consent.register": return "vastgelegd"
        case "client-credential.add": return "aangemaakt"
        case "message.export": return forwardedPrefix + " " + organisation(line)
        case "care.claim": return claimAction
        case "care.confirm": return "bevestigd"
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
        case "consent.given": return "uw toestemming, vastgelegd door " + (isHerself(line) ? "uzelf via uw cliëntportaal" : "uw zorgverlener")
        case "consent.withdrawn": return "intrekking van uw toestemming, vastgelegd door " + (isHerself(line) ? "uzelf via uw cliëntportaal" : "uw zorgverlener")
        case "access-log.read", "access-log.copy": return "uw recht op inzage (Wabvpz art. 15d/15e)"
        case "client-credential.add": return "uw verzoek om inzage via uw cliëntportaal"
        case "audit.export": return "controle van de toegangslog"
        case "console.messages.client-search": return "logbeheer op verzoek"
        case "care.claim": return "een eigen bericht van deze organisatie over u, niet bevestigd door uw zorgteam of door u"
        case "care.confirm": return "uw bevestiging via uw cliëntportaal"
        case "care-team.read": return "uw recht op inzage"
        case "message.export" where line.outcome == "success": return "uitwisseling binnen uw zorgteam"
        case "message.export" where line.detail == AccessPolicy.Refusal.Code.consentWithdrawn.rawValue:
            return "geen (u heeft uw toestemming ingetrokken)"
        default: return line.outcome == "success" ? "zorgrelatie" : "geen (toegang geweigerd)"
        }
    }

    /// How a forwarded message's action begins: "doorgestuurd aan Rijnland Gasthuis (URA 27654321)".
    static let forwardedPrefix = "doorgestuurd aan"

    /// "Perigate heeft uw verwijzing doorgestuurd aan …", with who fetched it from the inbox.
    static func forwardSentence(_ entry: AccessLogEntry) -> String {
        var text = "\(entry.time): Perigate"
        text += entry.outcome == "toegestaan" ? " heeft uw \(entry.data) \(entry.action)" : " wilde uw \(entry.data) \(infinitive(entry.action)); dat is geweigerd"
        if entry.outcome == "toegestaan", entry.role != "systeem" { text += " (opgehaald door een \(entry.role))" }
        text += ". Grondslag: \(entry.basis). Noodprocedure: \(entry.emergency)."
        if entry.count > 1 { text += " (\(entry.count) keer op deze dag)" }
        return text
    }

    /// A care claim's action: an organisation outside her care team sent a message about her.
    static let claimAction = "nieuwe zorgrelatie gemeld"

    /// "nieuwe zorgrelatie gemeld door …", and what it means for her file.
    static func claimSentence(_ entry: AccessLogEntry) -> String {
        var text = "\(entry.time): \(claimAction) door \(entry.organisation), \(entry.role)."
        text += " Deze organisatie ziet uw dossier pas als uw zorgteam haar inschakelt of u haar bevestigt."
        text += " Grondslag: \(entry.basis). Noodprocedure: \(entry.emergency)."
        if entry.count > 1 { text += " (\(entry.count) keer op deze dag)" }
        return text
    }

    static func parseTime(_ text: String) -> Date? {
        (try? Date(text, strategy: .iso8601)) ?? ISO8601DateFormatter().date(from: text)
    }

    static func format(_ date: Date, _ pattern: String) -> String {
        DutchTime.format(date, pattern)
    }
}

/// Times for people in the Netherlands: Europe/Amsterdam, the one rule for her access log and
/// the operator console.
public enum DutchTime {
    public static let zone = TimeZone(identifier: "Europe/Amsterdam") ?? .gmt

    public static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "nl_NL")
        formatter.timeZone = zone
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }

    /// `2026-11-25T12:00:00Z` → `25-11-2026 13:00:00 CET` (`CEST` in summer time); text that is
    /// not a time stays as it is.
    public static func withZone(_ iso: String) -> String {
        guard let date = (try? Date(iso, strategy: .iso8601)) ?? ISO8601DateFormatter().date(from: iso) else { return iso }
        return format(date, "dd-MM-yyyy HH:mm:ss") + (zone.isDaylightSavingTime(for: date) ? " CEST" : " CET")
    }
}
