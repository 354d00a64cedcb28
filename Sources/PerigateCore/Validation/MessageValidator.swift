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
        case .ambiguous(let types):
            return ValidationResult(report: ValidationReport(outcome: .unsupported, root: root?.qualifiedName, issues: [ValidationIssue(
                code: "message.ambiguous-version",
                message: "this message is claimed by more than one catalog entry: \(types.map { "\($0.label) (catalog '\($0.catalogName)')" }.joined(separator: " and ")); the operator must make their conditions exclusive",
                line: root?.line, path: root.map { "/\($0.localName)" })]))
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
            // No XSD to check it: the catalog's semantic checks still run (a message taken
            // without schema validation, ingest.acceptWithoutSchema, still has a valid BSN).
            let missing = Self.schemaMissing(for: type)
            report.issues.append(missing)
            if runsSemanticChecks {
                report.issues += SemanticChecker(type: type, today: now()).check(document)
            }
            report.outcome = report.issues.contains { $0.severity == .error && $0 != missing } ? .invalid : .schemaRequired
            return report
        }
        report.issues += schema.validate(document).map(ValidationIssue.init)
        if runsSemanticChecks {
            report.issues += SemanticChecker(type: type, today: now()).check(document)
        }
        report.outcome = report.issues.contains { $0.severity == .error } ? .invalid : .valid
        return report
    }

    /// The issue codes of a recognised message without an XSD: none is published, or the pack's
    /// is not installed here (``SchemaWaiver`` reads them).
    static let schemaRequiredCode = "schema.required"
    static let schemaNotInstalledCode = "schema.not-installed"

    /// Why a recognised message has no XSD to be checked against: the pack's XSD is not
    /// installed (named by its place in the pack, never the gateway's own directories), or no
    /// public XSD exists.
    static func schemaMissing(for type: MessageType) -> ValidationIssue {
        if type.missingSchema != nil, let file = type.entry.schema?.paths.first {
            return ValidationIssue(
                code: schemaNotInstalledCode,
                message: "the XSD for \(type.label) is not installed on this gateway: \(file) (catalog '\(type.catalogName)'); the operator must add it to the pack's schema directory")
        }
        return ValidationIssue(
            code: schemaRequiredCode,
            message: "no public XSD exists for \(type.label): the operator must register the schema agreed with the sender (--schemas CATALOG.json=DIR) or accept this kind unvalidated (ingest.acceptWithoutSchema)")
    }

    private func unsupportedVersion(root: XMLDocument.RootElement?, found: String?, supported: [MessageType],
                                    retired: MessageType?) -> ValidationReport {
        let kinds = supported.map(\.kind).uniqued()
        let versions = supported.map { type in
            let namespace = type.entry.match.namespace ?? ""
            let version = kinds.count > 1 ? type.label : type.version
            return namespace.isEmpty || namespace == root?.namespace ? version : "\(version) (namespace \(namespace))"
        }.uniqued().joined(separator: ", ")
        let kind = retired?.kind ?? (kinds.count == 1 ? kinds[0] : nil)
        let message: String
        if let retired {
            message = "\(retired.label) is retired and no longer accepted; supported versions: \(versions.isEmpty ? "none" : versions)"
        } else if let found {
            message = "unsupported version \(found) of \(kind ?? "this message"); supported versions: \(versions)"
        } else {
            message = "cannot tell the version of \(kind ?? "this message") (no matching versie / interaction / template); supported versions: \(versions)"
        }
        return ValidationReport(outcome: .unsupported, kind: kind, version: retired?.version ?? root?.versie, root: root?.qualifiedName,
                                issues: [ValidationIssue(code: "message.unsupported-version", message: message,
                                                         line: root?.line, path: root.map { "/\($0.localName)" })])
    }
}
