import Foundation
import PerigateXML

/// The validation pipeline: size check → safe parse → detect kind/version → XSD → semantic checks.
///
/// A value type over a read-only registry: share one validator between any number of
/// concurrent tasks or threads. Bad input never throws; it yields a report.
public struct MessageValidator: Sendable {
    /// The message types it recognises, with their compiled schemas.
    public let registry: SchemaRegistry
    /// The safe parser (and its size limit) for messages given as bytes.
    public var parser: SafeXMLParser
    /// "Today" for future-date and due-date checks; injected so tests do not depend on the clock.
    public var now: @Sendable () -> Date
    /// Whether the catalog's semantic checks run after the XSD (on by default; benchmarks turn
    /// them off to compare the XSD path alone with libxml2's own tools).
    public var runsSemanticChecks = true
    /// The day (`yyyy-mm-dd`) that relative ADA test dates (`T-306D`) count from, for the mappers
    /// made from this validator (``CanonicalMapper/init(validator:)``); `nil`: such dates do not map.
    public var referenceDate: String?

    /// A validator over `registry`'s message types; `now` is "today" for the date checks.
    public init(registry: SchemaRegistry, parser: SafeXMLParser = SafeXMLParser(),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.registry = registry
        self.parser = parser
        self.now = now
    }

    /// Validates one message held in memory.
    public func validate<Bytes: ContiguousBytes>(_ bytes: Bytes) -> ValidationReport {
        switch parser.parse(bytes) {
        case .rejected(let issues):
            return ValidationReport(unparsed: issues)
        case .document(let document):
            return validate(document)
        }
    }

    /// Validates an already parsed document (the caller keeps it, e.g. for mapping).
    public func validate(_ document: XMLDocument) -> ValidationReport {
        validation(of: document).report
    }

    /// Validates an already parsed document; the result names the matched message type for
    /// the mapper (``CanonicalMapper/map(_:as:report:raw:allowSchemaRequired:)``).
    func validation(of document: XMLDocument) -> ValidationResult {
        let root = document.root
        switch registry.detect(document) {
        case .unknown(let root):
            return ValidationResult(report: ValidationReport(outcome: .unsupported, root: root.qualifiedName, issues: [ValidationIssue(
                code: "message.unknown-kind",
                message: "unknown message type: root element \(root.qualifiedName) is in no catalog; supported: \(registry.supportedSummary)",
                line: root.line, path: "/\(root.localName)")]))
        case .unsupportedVersion(let found, let supported, let retired):
            return ValidationResult(report: unsupportedVersion(root: root, found: found, supported: supported, retired: retired))
        case .matched(let type):
            return ValidationResult(report: validate(document, as: type, root: root), type: type)
        }
    }

    private func validate(_ document: XMLDocument, as type: MessageType, root: XMLDocument.RootElement?) -> ValidationReport {
        var report = ValidationReport(outcome: .valid, kind: type.kind, version: type.version, status: type.status,
                                      root: root?.qualifiedName, schema: type.schema?.path)
        if type.status == .deprecated {
            report.issues.append(ValidationIssue(
                code: "message.deprecated-version", severity: .warning,
                message: "\(type.label) is deprecated\(type.entry.sunset.map { " (sunset \($0))" } ?? ""); supported: \(registry.supportedSummary)"))
        }
        guard let schema = type.schema else {
            report.outcome = .schemaRequired
            report.issues.append(ValidationIssue(
                code: "schema.required",
                message: "no XSD is registered for \(type.label): the operator must register the official schema (--schemas CATALOG.json=DIR)"))
            return report
        }
        report.issues += schema.validate(document).map(ValidationIssue.init)
        if runsSemanticChecks {
            report.issues += SemanticChecker(type: type, today: now()).check(document)
        }
        report.outcome = report.issues.contains { $0.severity == .error } ? .invalid : .valid
        return report
    }

    private func unsupportedVersion(root: XMLDocument.RootElement?, found: String?, supported: [MessageType],
                                    retired: MessageType?) -> ValidationReport {
        let versions = supported.map { type in
            let namespace = type.entry.match.namespace ?? ""
            return namespace.isEmpty || namespace == root?.namespace ? type.version : "\(type.version) (namespace \(namespace))"
        }.uniqued().joined(separator: ", ")
        let kind = supported.first?.kind ?? retired?.kind
        let message: String
        if let retired {
            message = "\(retired.label) is retired and no longer accepted; supported versions: \(versions.isEmpty ? "none" : versions)"
        } else if let found {
            message = "unsupported version \(found) of \(kind ?? "this message"); supported versions: \(versions)"
        } else {
            message = "cannot tell the version of \(kind ?? "this message") (no matching versie / interaction / template); supported versions: \(versions)"
        }
        return ValidationReport(outcome: .unsupported, kind: kind, version: found, root: root?.qualifiedName,
                                issues: [ValidationIssue(code: "message.unsupported-version", message: message,
                                                         line: root?.line, path: root.map { "/\($0.localName)" })])
    }
}
