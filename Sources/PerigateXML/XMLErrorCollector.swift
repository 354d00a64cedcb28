import CLibXML2

/// Collects libxml2 structured errors of one parse, validation or schema compilation.
///
/// One collector belongs to one operation on one thread; it is never shared, so it needs no
/// locking. libxml2 reaches it through the C sink's `context` pointer.
final class XMLErrorCollector {
    private(set) var issues: [XMLIssue] = []
    private let code: XMLIssue.Code
    private let limit: Int
    /// Number of errors libxml2 reported, including those beyond `limit`.
    private(set) var errorCount = 0
    var sink = perigate_error_sink()

    /// - Parameters:
    ///   - code: the issue code given to every collected error (e.g. `schema.invalid`).
    ///   - limit: at most this many issues are kept (the count goes on).
    init(code: XMLIssue.Code, limit: Int = 100) {
        self.code = code
        self.limit = limit
    }

    /// Runs `body` with a C sink pointing at this collector.
    func withSink<R>(_ body: (UnsafeMutablePointer<perigate_error_sink>) throws -> R) rethrows -> R {
        sink.handler = { context, error in
            guard let context, let error else { return }
            let collector = Unmanaged<XMLErrorCollector>.fromOpaque(context).takeUnretainedValue()
            collector.record(error.pointee)
        }
        sink.context = Unmanaged.passUnretained(self).toOpaque()
        return try withExtendedLifetime(self) {
            try withUnsafeMutablePointer(to: &sink) { try body($0) }
        }
    }

    var doctypeSeen: Bool { sink.doctype_seen != 0 }

    private func record(_ error: xmlError) {
        let severity: XMLIssue.Severity = error.level == XML_ERR_WARNING ? .warning : .error
        if severity == .error { errorCount += 1 }
        guard issues.count < limit else { return }
        let message = error.message.map { String(cString: $0) }?
            .split(whereSeparator: \.isWhitespace).joined(separator: " ") ?? "unknown libxml2 error"
        var path: String?
        if let node = error.node {
            path = XMLNodeInfo.path(of: node.assumingMemoryBound(to: xmlNode.self))
        }
        issues.append(XMLIssue(
            code: code, severity: severity, message: message,
            line: error.line > 0 ? Int(error.line) : nil,
            column: error.int2 > 0 ? Int(error.int2) : nil,
            path: path
        ))
    }
}
