/// Which recognised messages without an XSD to check them (no public XSD, or one not installed)
/// may be taken anyway: none (ingest's default), what an operator lists in
/// `ingest.acceptWithoutSchema`, or all (`perigate map` and `perigate record` read files). The
/// one rule for "taken without schema validation": every path asks ``allows(_:)`` and marks what
/// it takes with ``waived(_:)``.
public enum SchemaWaiver: Sendable, Hashable {
    case none
    /// `kind` (its versions for which no public XSD exists) or `kind version` (that version,
    /// also when its XSD is only not installed here).
    case listed(Set<String>)
    case all

    /// Whether a message with this report may be mapped and taken.
    public func allows(_ report: ValidationReport) -> Bool {
        if report.isValid { return true }
        guard report.outcome == .schemaRequired, let kind = report.kind else { return false }
        let notInstalled = report.issues.contains { $0.code == MessageValidator.schemaNotInstalledCode }
        return covers(kind: kind, version: report.version, notInstalled: notInstalled)
    }

    /// Whether messages of `type` are taken without schema validation under this waiver.
    public func covers(_ type: MessageType) -> Bool {
        switch type.installation {
        case .installed: return false
        case .notInstalled: return covers(kind: type.kind, version: type.version, notInstalled: true)
        case .noPublicSchema: return covers(kind: type.kind, version: type.version, notInstalled: false)
        }
    }

    /// The rule, once: `kind version` covers that version; a kind alone never covers an XSD the
    /// pack names but this gateway lacks (a missing file must not silently turn validation off
    /// for a version that has one).
    private func covers(kind: String, version: String?, notInstalled: Bool) -> Bool {
        switch self {
        case .none: return false
        case .all: return true
        case .listed(let entries):
            if let version, entries.contains("\(kind) \(version)") { return true }
            return entries.contains(kind) && !notInstalled
        }
    }

    /// The report of a message taken without schema validation: its schema error becomes the
    /// warning `schema.not-validated` (the receipt and the console show it); a valid report is
    /// returned unchanged.
    public static func waived(_ report: ValidationReport) -> ValidationReport {
        guard report.outcome == .schemaRequired else { return report }
        var waived = report
        waived.issues = report.issues.map { issue in
            guard issue.code == MessageValidator.schemaRequiredCode || issue.code == MessageValidator.schemaNotInstalledCode else { return issue }
            return ValidationIssue(code: "schema.not-validated", severity: .warning,
                                   message: "not schema-validated: \(issue.message.split(separator: ":").first.map(String.init) ?? issue.message); taken by the operator's choice (ingest.acceptWithoutSchema)",
                                   line: issue.line, path: issue.path)
        }
        return waived
    }
}
