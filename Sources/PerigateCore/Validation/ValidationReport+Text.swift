extension ValidationReport {
    /// The report as plain text lines for a terminal: a headline, then one line per issue.
    ///
    /// Issue messages may quote values from the message; this is output for the person who
    /// asked for the validation, never for process logs.
    public func textLines(source: String) -> [String] {
        let type = [kind, version].compactMap { $0 }.joined(separator: " ")
        let what = type.isEmpty ? (root.map { "root \($0)" } ?? "unrecognised") : type
        var headline = "\(source): \(what): "
        switch outcome {
        case .valid:
            headline += warnings.isEmpty ? "VALID" : "VALID (\(warnings.count) warning\(warnings.count == 1 ? "" : "s"))"
        case .invalid:
            headline += "INVALID (\(errors.count) error\(errors.count == 1 ? "" : "s"))"
        case .malformed:
            headline += "MALFORMED"
        case .unsupported:
            headline += "UNSUPPORTED"
        case .schemaRequired:
            headline += "NOT VALIDATED (schema required)"
        }
        return [headline] + issues.map { "  " + $0.textLine }
    }
}

extension ValidationIssue {
    /// `error line 12, column 4 at /verwijzing/client/bsn: message [code]`.
    public var textLine: String {
        var location: [String] = []
        if let line { location.append("line \(line)") }
        if let column { location.append("column \(column)") }
        var text = severity.rawValue
        if !location.isEmpty { text += " " + location.joined(separator: ", ") }
        if let path { text += " at \(path)" }
        return "\(text): \(message) [\(code)]"
    }
}
