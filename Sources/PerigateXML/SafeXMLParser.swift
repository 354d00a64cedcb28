import CLibXML2
import Foundation

/// Parses untrusted XML from memory, safely.
///
/// - network access off (`XML_PARSE_NONET`), no entity substitution, no DTD loading, no
///   `XML_PARSE_HUGE` (libxml2's default size and depth limits stay on);
/// - any DOCTYPE stops the parse the moment it is seen, before its internal subset is read:
///   no real message needs one, and entity expansion inside attribute values would otherwise
///   reach schema validation (quadratic blowup);
/// - a maximum size, and limits on attributes, elements and depth (``XMLComplexity``), are
///   enforced before libxml2 sees a byte.
///
/// Safe to use from several threads at once: every call has its own parser context.
public struct SafeXMLParser: Sendable {
    /// Largest accepted message in bytes.
    public var maximumBytes: Int
    /// Limits on attributes, elements and depth, checked before libxml2 parses.
    public var complexity = XMLComplexity()

    /// Default maximum: 16 MiB, room for a message with a few scanned PDF attachments.
    public static let defaultMaximumBytes = 16 * 1024 * 1024

    /// A parser refusing messages over `maximumBytes`.
    public init(maximumBytes: Int = SafeXMLParser.defaultMaximumBytes) {
        self.maximumBytes = maximumBytes
    }

    /// The result of a parse: a document, or the issues that stopped it.
    public enum Outcome {
        /// A well-formed document without DOCTYPE.
        case document(XMLDocument)
        /// Refused: the issues say why (never empty); ``XMLIssue/Code/tooLarge`` first when too large.
        case rejected([XMLIssue])
    }

    /// NONET: never touch the network. COMPACT: small text nodes stored inline (fewer allocations;
    /// the tree is never modified). BIG_LINES: correct line numbers past 65535.
    static let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_COMPACT.rawValue | XML_PARSE_BIG_LINES.rawValue)

    /// Parses `bytes`; never throws for bad input.
    public func parse(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        LibXML.ensureInitialized()
        if bytes.count > min(maximumBytes, Int(Int32.max)) {
            return .rejected([XMLIssue.tooLarge(bytes.count, maximum: maximumBytes)])
        }
        guard bytes.count > 0, let base = bytes.baseAddress else {
            return .rejected([XMLIssue(code: .malformed, message: "empty message")])
        }
        if let violation = complexity.violation(in: bytes) { return .rejected([violation]) }
        guard let ctxt = xmlNewParserCtxt() else {
            return .rejected([XMLIssue(code: .parserUnavailable,
                                       message: "libxml2 could not create a parser context")])
        }
        defer { xmlFreeParserCtxt(ctxt) }
        let collector = XMLErrorCollector(code: .malformed)
        let doc: xmlDocPtr? = collector.withSink { sink in
            perigate_parser_prepare(ctxt, sink)
            return xmlCtxtReadMemory(
                ctxt, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count),
                nil, nil, Self.options)
        }
        if collector.doctypeSeen {
            if let doc { xmlFreeDoc(doc) }
            let line = Int(xmlSAX2GetLineNumber(ctxt))
            return .rejected([XMLIssue(
                code: .doctypeForbidden,
                message: "DOCTYPE declarations are not allowed in messages (entity and DTD attacks)",
                line: line > 0 ? line : nil)])
        }
        let wellFormed = ctxt.pointee.wellFormed != 0 && ctxt.pointee.nsWellFormed != 0
        guard let doc, wellFormed else {
            if let doc { xmlFreeDoc(doc) }
            var issues = collector.issues.filter { $0.severity == .error }
            if issues.isEmpty {
                issues = [XMLIssue(code: .malformed, message: "the message is not well-formed XML")]
            }
            return .rejected(issues)
        }
        return .document(XMLDocument(pointer: doc))
    }

    /// Convenience for `Data` and `[UInt8]`.
    public func parse<Bytes: ContiguousBytes>(_ bytes: Bytes) -> Outcome {
        bytes.withUnsafeBytes { parse($0) }
    }
}

extension XMLIssue {
    /// A message over the size limit (the same text for every format the gateway reads).
    public static func tooLarge(_ count: Int, maximum: Int) -> XMLIssue {
        XMLIssue(code: .tooLarge, message: "message is \(count) bytes; the maximum is \(maximum) bytes")
    }
}
