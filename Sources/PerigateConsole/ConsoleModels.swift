import Foundation
import PerigateCore

/// What every console page renders around its own part: the operator, the menu, the form token.
struct Shell<Page> {
    var title: String
    var section: String
    var page: Page
    var name: String
    var role: String
    var csrf: String
    var isOperator: Bool
    var isLogAdministrator: Bool
    var nav: [NavItem]

    init(caller: OperatorConsole.Caller, title: String, section: String, page: Page) {
        self.title = title
        self.section = section
        self.page = page
        name = caller.account.name
        role = caller.account.role.dutchName
        csrf = caller.session.csrf
        isOperator = caller.account.role == .operator
        isLogAdministrator = caller.account.role == .logAdministrator
        nav = NavItem.all.map { NavItem(href: $0.href, label: $0.label, section: $0.section, current: $0.section == section) }
    }
}

struct NavItem {
    var href: String
    var label: String
    var section: String
    var current: Bool = false

    static let all = [
        NavItem(href: "/console", label: "Overzicht", section: "dashboard"),
        NavItem(href: "/console/flow", label: "Stroom", section: "flow"),
        NavItem(href: "/console/messages", label: "Berichten", section: "messages"),
        NavItem(href: "/console/deliveries", label: "Afleveringen", section: "deliveries"),
        NavItem(href: "/console/partners", label: "Partners", section: "partners"),
        NavItem(href: "/console/audit", label: "Auditlog", section: "audit"),
    ]
}

struct Notice {
    var text: String
}

/// Dutch words and readable figures for the console.
enum ConsoleFormat {
    static func status(_ status: String) -> String {
        [
            "accepted": "geaccepteerd", "refused": "geweigerd", "invalid": "ongeldig", "malformed": "onleesbaar",
            "unsupported": "onbekend berichttype", "schema-required": "schema vereist",
            "conflict": "conflict: zelfde id, andere inhoud (409)", "unsupported-version": "niet-ondersteunde versie",
            "pending": "in wachtrij", "sent": "afgeleverd", "dead": "onbestelbaar", "cancelled": "geannuleerd",
            "acked": "opgehaald", "error": "fout", "warning": "waarschuwing",
        ][status] ?? status
    }

    /// A message's status in words, with the kind and version it named for an unsupported
    /// version (`niet-ondersteunde versie verwijzing 9.9`).
    static func status(_ status: String, kind: String?, version: String?) -> String {
        guard status == "unsupported-version" else { return Self.status(status) }
        return ([Self.status(status)] + [kind, version].compactMap { $0 }.filter { $0 != "-" }).joined(separator: " ")
    }

    /// The outcomes the message search offers, in this order ("" is every outcome).
    static let statuses = ["", "accepted", "refused", "conflict", "invalid", "malformed", "unsupported", "unsupported-version",
                           "schema-required"]

    /// `2026-11-25T12:00:00Z` → `25-11-2026 13:00:00 CET`: Dutch local time with its zone, as in
    /// her access log (``DutchTime``).
    static func time(_ iso: String?) -> String {
        guard let iso else { return "" }
        return DutchTime.withZone(iso)
    }

    static func age(_ seconds: Double) -> String {
        let whole = Int(seconds)
        switch whole {
        case ..<60: return "\(whole) s"
        case ..<3600: return "\(whole / 60) min"
        case ..<86400: return "\(whole / 3600) u \(whole % 3600 / 60) min"
        default: return "\(whole / 86400) d \(whole % 86400 / 3600) u"
        }
    }

    static func bytes(_ count: Int) -> String {
        count < 10 * 1024 ? "\(count) B" : count < 10 * 1024 * 1024 ? "\(count / 1024) KB" : "\(count / (1024 * 1024)) MB"
    }

    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// A date field (`2026-11-25`) or ISO time as the lower/upper bound of a period.
    static func bound(_ text: String?, upper: Bool) -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if text.count == 10 { return text + (upper ? "T23:59:59Z" : "T00:00:00Z") }
        return text
    }
}
