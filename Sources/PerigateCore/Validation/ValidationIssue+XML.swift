import PerigateXML

extension ValidationIssue {
    /// The report's form of a parser or schema issue: same code, severity, text and position.
    init(_ issue: XMLIssue) {
        self.init(code: issue.code.rawValue, severity: issue.severity == .warning ? .warning : .error,
                  message: issue.message, line: issue.line, column: issue.column, path: issue.path)
    }
}

extension ValidationReport {
    /// The report of a message the parser refused (malformed, too large, DOCTYPE, empty).
    init(unparsed issues: [XMLIssue]) {
        self.init(outcome: .malformed, issues: issues.map(ValidationIssue.init))
    }
}
