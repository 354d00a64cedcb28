import Foundation
import PerigateXML

/// Runs a message type's semantic rules (BSN elfproef, identifier formats, plausible dates)
/// over a schema-validated document. One checker per validation; not shared.
struct SemanticChecker {
    let type: MessageType
    let today: Date
    /// Today as a Dutch calendar day, worked out once per checker.
    let todayDay: ClinicalDate

    init(type: MessageType, today: Date) {
        self.type = type
        self.today = today
        todayDay = ClinicalDate(dayOf: today)
    }

    /// A due date may lie at most 44 weeks after and one year before its reference date.
    static let dueDateMaximumAhead: TimeInterval = 44 * 7 * 86_400
    static let dueDateMaximumBehind: TimeInterval = 365 * 86_400

    func check(_ document: XMLDocument) -> [ValidationIssue] {
        let query = XPathQuery(document: document, namespaces: type.namespaces)
        var issues: [ValidationIssue] = []
        for rule in type.entry.checks ?? [] {
            do {
                issues += try check(rule, query: query)
            } catch {
                issues.append(ValidationIssue(code: "check.failed", severity: .warning,
                                              message: "semantic check \(rule.rule.rawValue) could not run: \(error)"))
            }
        }
        return issues
    }

    private func check(_ rule: SemanticRule, query: XPathQuery) throws -> [ValidationIssue] {
        let severity = rule.severity ?? .error
        func issue(_ code: String, _ message: String, _ match: XPathQuery.Match) -> ValidationIssue {
            ValidationIssue(code: code, severity: severity, message: message, line: match.line, path: match.path)
        }
        switch rule.rule {
        case .bsn, .agb, .ura, .uzi:
            return try query.matches(rule.xpath).compactMap { match in
                Self.identifierProblem(rule.rule, match.value).map { code, problem in
                    issue(code, "\(rule.label ?? Self.identifierName(rule.rule)): \(problem)", match)
                }
            }
        case .identifiers:
            return try checkIdentifiers(rule, query: query, issue: issue)
        case .notInFuture:
            return try query.matches(rule.xpath).compactMap { match in
                guard let date = ClinicalDate(match.value), todayDay < date else { return nil }
                return issue("date.in-future", "\(rule.label ?? "date") \(match.value) lies in the future", match)
            }
        case .dueDate:
            return try checkDueDates(rule, query: query, issue: issue)
        case .order:
            return try checkOrder(rule, query: query, severity: severity)
        case .range:
            return try query.matches(rule.xpath).compactMap { match in checkRange(rule, match, severity: severity) }
        }
    }

    /// Impossible (outside minimum…maximum) is the rule's severity; implausible (outside the
    /// plausible bounds) a warning; each value gets at most one issue.
    private func checkRange(_ rule: SemanticRule, _ match: XPathQuery.Match, severity: ValidationIssue.Severity) -> ValidationIssue? {
        guard let value = Double(match.value.trimmingWhitespace) else { return nil }
        let unit = rule.unit.map { " " + $0 } ?? ""
        func describe(_ low: Double?, _ high: Double?) -> String {
            [low, high].map { $0.map { String(format: "%g", $0) } ?? "…" }.joined(separator: "–") + unit
        }
        let text = "\(rule.label ?? "value") \(match.value.trimmingWhitespace)\(unit)"
        if value < (rule.minimum ?? -.infinity) || value > (rule.maximum ?? .infinity) {
            return ValidationIssue(code: "value.impossible", severity: severity, message: "\(text) is impossible (possible: \(describe(rule.minimum, rule.maximum)))",
                                   line: match.line, path: match.path)
        }
        if value < (rule.plausibleMinimum ?? -.infinity) || value > (rule.plausibleMaximum ?? .infinity) {
            return ValidationIssue(code: "value.implausible", severity: .warning,
                                   message: "\(text) is implausible (usual: \(describe(rule.plausibleMinimum, rule.plausibleMaximum))); please check",
                                   line: match.line, path: match.path)
        }
        return nil
    }

    /// One pass over candidate nodes, each checked by the rule its system maps to.
    private func checkIdentifiers(_ rule: SemanticRule, query: XPathQuery,
                                  issue: (String, String, XPathQuery.Match) -> ValidationIssue) throws -> [ValidationIssue] {
        let systems = rule.systems ?? [:]
        var issues: [ValidationIssue] = []
        for node in try query.nodes(rule.xpath) {
            let system = rule.systemAttribute.map { node.attribute($0) } ?? node.localName
            guard let system, let kind = systems[system] else { continue }
            let value = rule.valueAttribute.map { node.attribute($0) } ?? node.stringValue
            guard let value, let (code, problem) = Self.identifierProblem(kind, value) else { continue }
            let label = rule.systemAttribute == nil ? Self.identifierName(kind) : "\(Self.identifierName(kind)) (\(system))"
            issues.append(issue(code, "\(label): \(problem)", XPathQuery.Match(value: value, node: node)))
        }
        return issues
    }

    /// The issue code and problem for an identifier value, or `nil` when it is well-formed.
    static func identifierProblem(_ kind: SemanticRule.Rule, _ value: String) -> (String, String)? {
        switch kind {
        case .bsn:
            return BSN.problem(with: value).map { ("bsn.elfproef", $0) }
        case .agb, .ura, .uzi:
            return ProviderIdentifier(rawValue: kind.rawValue)!.problem(with: value).map { ("\(kind.rawValue).format", $0) }
        default:
            return nil
        }
    }

    static func identifierName(_ kind: SemanticRule.Rule) -> String {
        kind == .bsn ? "BSN" : kind.rawValue.uppercased()
    }

    private func checkDueDates(_ rule: SemanticRule, query: XPathQuery,
                               issue: (String, String, XPathQuery.Match) -> ValidationIssue) throws -> [ValidationIssue] {
        var reference = today
        if let path = rule.reference, let value = try query.matches(path).first?.value, let date = ClinicalDate(value) {
            reference = date.instant
        }
        return try query.matches(rule.xpath).compactMap { match in
            guard let due = ClinicalDate(match.value) else { return nil }
            let distance = due.instant.timeIntervalSince(reference)
            guard distance > Self.dueDateMaximumAhead || distance < -Self.dueDateMaximumBehind else { return nil }
            return issue("date.due-date-implausible",
                         "\(rule.label ?? "due date") \(match.value) is implausible: more than 44 weeks ahead of or a year before the message date", match)
        }
    }

    private func checkOrder(_ rule: SemanticRule, query: XPathQuery, severity: ValidationIssue.Severity) throws -> [ValidationIssue] {
        guard let later = rule.later else { return [] }
        let contexts: [XMLNode?] = try rule.context.map { try query.nodes($0).map { Optional($0) } } ?? [nil]
        var issues: [ValidationIssue] = []
        for context in contexts {
            let firstMatch = try query.matches(rule.xpath, context: context).first
            let secondMatch = try query.matches(later, context: context).first
            guard let firstMatch, let secondMatch,
                  let first = ClinicalDate(firstMatch.value), let second = ClinicalDate(secondMatch.value),
                  second < first else { continue }
            issues.append(ValidationIssue(
                code: "date.order", severity: severity,
                message: "\(rule.label ?? "dates"): \(secondMatch.value) lies before \(firstMatch.value)",
                line: secondMatch.line, path: secondMatch.path))
        }
        return issues
    }
}
