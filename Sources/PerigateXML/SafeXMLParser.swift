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
///   enforced before libxml2 sees a byte;
/// - only encodings in which the pre-scan reads the markup libxml2 reads (``encodingProblem(_:)``);
/// - the first fatal error ends the parse (libxml2 2.9 would go on, past what the pre-scan checked).
///
/// Safe to use from several threads at once: each OS thread parses with a context of its own,
/// reused from parse to parse (``ParserContexts``).
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
        parse(bytes, probing: []).outcome
    }

    /// The parse, and which of `names` libxml2 has in its name dictionary afterwards — a name
    /// gets there when libxml2 parses an element or attribute of that name (for tests: what
    /// libxml2 read of a refused message).
    func parse(_ bytes: UnsafeRawBufferPointer, probing names: [String]) -> (outcome: Outcome, parsed: Set<String>) {
        LibXML.ensureInitialized()
        if bytes.count > min(maximumBytes, Int(Int32.max)) {
            return (.rejected([XMLIssue.tooLarge(bytes.count, maximum: maximumBytes)]), [])
        }
        guard bytes.count > 0, let base = bytes.baseAddress else {
            return (.rejected([XMLIssue(code: .malformed, message: "empty message")]), [])
        }
        if let problem = Self.encodingProblem(bytes) { return (.rejected([problem]), []) }
        if let violation = complexity.violation(in: bytes) { return (.rejected([violation]), []) }
        let contexts = ParserContexts.current
        guard let ctxt = contexts.take() else {
            return (.rejected([XMLIssue(code: .parserUnavailable,
                                        message: "libxml2 could not create a parser context")]), [])
        }
        let collector = XMLErrorCollector(code: .malformed)
        let doc: xmlDocPtr? = collector.withSink { sink in
            perigate_parser_prepare(ctxt, sink)
            return xmlCtxtReadMemory(
                ctxt, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count),
                nil, nil, Self.options)
        }
        let wellFormed = ctxt.pointee.wellFormed != 0 && ctxt.pointee.nsWellFormed != 0
        let line = collector.doctypeSeen ? Int(xmlSAX2GetLineNumber(ctxt)) : 0
        let parsed = Set(names.filter { xmlDictExists(ctxt.pointee.dict, $0, -1) != nil })
        contexts.give(back: ctxt, clean: doc != nil && wellFormed && !collector.doctypeSeen)
        return (outcome(doc, wellFormed: wellFormed, line: line, collector: collector), parsed)
    }

    private func outcome(_ doc: xmlDocPtr?, wellFormed: Bool, line: Int, collector: XMLErrorCollector) -> Outcome {
        if collector.doctypeSeen {
            if let doc { xmlFreeDoc(doc) }
            return .rejected([XMLIssue.doctypeForbidden(line: line > 0 ? line : nil)])
        }
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

    /// Encodings a message may be declared in: UTF-8, its ASCII subset, and ISO-8859-1 — in each,
    /// a byte below 0x80 is that ASCII character, so the complexity pre-scan reads the markup
    /// libxml2 reads. Every national message and sample is UTF-8.
    public static let acceptedEncodings = ["UTF-8", "US-ASCII", "ISO-8859-1"]

    /// A message in another encoding, as `xml.malformed`: UTF-16, UCS-4 or EBCDIC by its first
    /// bytes (libxml2's own detection), or another encoding in its XML declaration. libxml2 would
    /// decode those, and the limits the pre-scan checked on the bytes would not hold for what it
    /// decodes (a `>` byte inside a UTF-16 character ends a tag for the pre-scan, not for libxml2).
    public static func encodingProblem(_ bytes: UnsafeRawBufferPointer) -> XMLIssue? {
        var accepted: String { acceptedEncodings.joined(separator: ", ") }  // for a refusal only
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let detected = xmlDetectCharEncoding(base, Int32(min(bytes.count, 4)))
        if detected != XML_CHAR_ENCODING_NONE, detected != XML_CHAR_ENCODING_UTF8 {
            let name = xmlGetCharEncodingName(detected).map { String(cString: $0) } ?? "another encoding"
            return XMLIssue(code: .malformed, message: "the message is in \(name) (by its first bytes); accepted are \(accepted)")
        }
        guard let declared = declaredEncoding(bytes), !acceptedEncodings.contains(declared.uppercased()) else { return nil }
        let shown = declared.utf8.count <= 40 && declared.utf8.allSatisfy { $0.isEncodingNameByte } ? "\"\(declared)\"" : "an encoding"
        return XMLIssue(code: .malformed, message: "the message declares \(shown); accepted are \(accepted)", line: 1)
    }

    /// The `encoding` of the XML declaration that begins `bytes` (after a UTF-8 byte order mark):
    /// a few compares on the first bytes of every message.
    static func declaredEncoding(_ bytes: UnsafeRawBufferPointer) -> String? {
        var at = bytes.has("\u{FEFF}", at: 0) ? 3 : 0
        let isSpace = XMLComplexity.Scanner.isSpace
        guard bytes.has("<?xml", at: at), at + 5 < bytes.count, isSpace(bytes[at + 5]) else { return nil }
        // The pseudo-attributes up to the first `?` (libxml2 skips any amount of white space).
        at += 6
        let end = bytes.count
        while at < end, bytes[at] != UInt8(ascii: "?") {
            guard bytes.has("encoding", at: at) else { at += 1; continue }
            at += 8
            while at < end, isSpace(bytes[at]) { at += 1 }
            guard at < end, bytes[at] == UInt8(ascii: "=") else { return nil }
            at += 1
            while at < end, isSpace(bytes[at]) { at += 1 }
            guard at < end, bytes[at] == UInt8(ascii: "\"") || bytes[at] == UInt8(ascii: "'") else { return nil }
            let quote = bytes[at], start = at + 1
            at = start
            while at < end, bytes[at] != quote { at += 1 }
            guard at < end else { return nil }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
        }
        return nil
    }

    /// Convenience for `Data` and `[UInt8]`.
    public func parse<Bytes: ContiguousBytes>(_ bytes: Bytes) -> Outcome {
        bytes.withUnsafeBytes { parse($0) }
    }
}

private extension UInt8 {
    /// A byte of an encoding name as XML allows it (letters, digits, `.`, `_`, `-`).
    var isEncodingNameByte: Bool {
        (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) || (0x30...0x39).contains(self) || self == 0x2E || self == 0x5F || self == 0x2D
    }
}

extension XMLIssue {
    /// A DOCTYPE declaration, refused by the pre-scan or, should one reach libxml2, by the parser's guard.
    public static func doctypeForbidden(line: Int?) -> XMLIssue {
        XMLIssue(code: .doctypeForbidden, message: "DOCTYPE declarations are not allowed in messages (entity and DTD attacks)", line: line)
    }

    /// A message over the size limit (the same text for every format the gateway reads).
    public static func tooLarge(_ count: Int, maximum: Int) -> XMLIssue {
        XMLIssue(code: .tooLarge, message: "message is \(count) bytes; the maximum is \(maximum) bytes")
    }
}

/// This thread's libxml2 parser context, kept between parses as lxml keeps its parsers: a new
/// context costs its allocations and a fresh name dictionary, in which every element and
/// attribute name of the next document is hashed and copied again. A context is kept only after
/// a clean parse (well-formed, no DOCTYPE: a refused message never leaves state behind), and
/// only while its dictionary holds at most ``dictionaryLimit`` bytes of names: hostile input with
/// ever new names makes the next parse start with a fresh context instead of growing it.
///
/// The dictionary is shared with the documents parsed with it (libxml2 counts its references):
/// a document freed on another thread only reads which dictionary pool holds a name, and pools
/// only grow, so that is safe while this thread adds names.
final class ParserContexts {
    /// Bytes of names a kept context's dictionary may hold: ~30 times what the largest message
    /// in the corpus puts there, a few MiB per thread at most.
    static let dictionaryLimit = 1 << 20

    private var kept: xmlParserCtxtPtr?
    /// Contexts made on this thread (for tests: a refused parse or a full dictionary costs one).
    private(set) var made = 0

    deinit { drop() }

    /// The kept context, or a new one; the caller owns it until ``give(back:clean:)``.
    func take() -> xmlParserCtxtPtr? {
        if let kept {
            self.kept = nil
            return kept
        }
        made += 1
        return xmlNewParserCtxt()
    }

    /// Keeps `ctxt` for the next parse, or frees it (after a refused parse, a full dictionary, or
    /// when another is kept already). A kept context is reset first: it holds no input, error
    /// text or node of the last message — only its dictionary of names.
    func give(back ctxt: xmlParserCtxtPtr, clean: Bool) {
        ctxt.pointee._private = nil
        if clean, kept == nil, xmlDictGetUsage(ctxt.pointee.dict) <= Self.dictionaryLimit {
            xmlCtxtReset(ctxt)
            kept = ctxt
        } else {
            xmlFreeParserCtxt(ctxt)
        }
    }

    /// Frees the kept context (tests compare with a fresh one).
    func drop() {
        if let kept { xmlFreeParserCtxt(kept) }
        kept = nil
    }

    /// Whether the kept context still holds anything of the last message: an input (a copy of
    /// its bytes), a document or an error (for tests; `false` when none is kept).
    var keptHoldsMessage: Bool {
        kept.map { $0.pointee.inputNr > 0 || $0.pointee.input != nil || $0.pointee.myDoc != nil || $0.pointee.lastError.code != 0 } ?? false
    }

    /// Bytes of names in the kept context's dictionary (0: none kept).
    var dictionaryBytes: Int { kept.map { Int(xmlDictGetUsage($0.pointee.dict)) } ?? 0 }

    private static let perThread = PerThread { ParserContexts() }

    /// This thread's contexts.
    static var current: ParserContexts { perThread.current }
}
