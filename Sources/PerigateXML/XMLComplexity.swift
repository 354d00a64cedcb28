import Foundation

/// Limits on the shape of a document, checked by a linear scan of its bytes before libxml2 parses
/// it, so that libxml2's quadratic paths (the duplicate-attribute check is O(n²) in the number of
/// attributes on one element) are never reached: 100,000 attributes on one element cost minutes
/// of CPU in libxml2 2.9, the scan refuses them in about a millisecond.
public struct XMLComplexity: Sendable, Hashable {
    /// Attributes on one element (real messages have at most a handful). Default 256.
    public var attributesPerElement = 256
    /// Elements in the document. Default 1,000,000.
    public var elements = 1_000_000
    /// Nesting depth. Default 200 (libxml2's own limit is 256).
    public var depth = 200
    /// Attributes in the whole document. Default 1,000,000.
    public var attributes = 1_000_000
    /// Namespace declarations (`xmlns`, `xmlns:p`) in scope at one element. Default 64 (messages
    /// declare a handful). libxml2 looks up every prefixed name among all declarations in scope:
    /// 199 levels of 256 declarations each, with prefixed attributes below, cost it minutes.
    public var namespaceDeclarations = 64

    public init() {}

    /// The first limit `bytes` exceeds, as an issue naming the limit; `nil` within every limit.
    /// The scan follows tags, quoted attribute values, comments, CDATA sections and processing
    /// instructions; malformed input is left for libxml2 to report.
    public func violation(in bytes: UnsafeRawBufferPointer) -> XMLIssue? {
        var scanner = Scanner(bytes: bytes)
        var depthNow = 0, elementCount = 0, attributeCount = 0
        // Declarations per open element, kept from the first element that makes one; their sum.
        var scopes: [Int] = [], inScope = 0
        while let tag = scanner.nextTag() {
            switch tag {
            case .end:
                depthNow -= 1
                if let closed = scopes.popLast() { inScope -= closed }
            case .malformed(let what):
                return XMLIssue(code: .malformed, message: "the message is not well-formed XML: \(what)", line: scanner.line)
            case .doctype:
                return XMLIssue.doctypeForbidden(line: scanner.line)
            case .start(let attributesHere, let selfClosing, let declarations):
                elementCount += 1
                attributeCount += attributesHere
                depthNow += 1
                if attributesHere > attributesPerElement {
                    return issue("an element has more than \(attributesPerElement) attributes", key: "maxAttributesPerElement", line: scanner.line)
                }
                if depthNow > depth { return issue("elements are nested deeper than \(depth) levels", key: "maxDepth", line: scanner.line) }
                if elementCount > elements { return issue("the message has more than \(elements) elements", key: "maxElements", line: scanner.line) }
                if attributeCount > attributes {
                    return issue("the message has more than \(attributes) attributes", key: "maxAttributes", line: scanner.line)
                }
                if declarations > 0 || !scopes.isEmpty {
                    if scopes.isEmpty { scopes = Array(repeating: 0, count: max(0, depthNow - 1)) }
                    inScope += declarations
                    if inScope > namespaceDeclarations {
                        return issue("more than \(namespaceDeclarations) namespace declarations are in scope", key: "maxNamespaceDeclarations", line: scanner.line)
                    }
                    if selfClosing { inScope -= declarations } else { scopes.append(declarations) }
                }
                if selfClosing { depthNow -= 1 }
            }
        }
        return nil
    }

    private func issue(_ text: String, key: String, line: Int) -> XMLIssue {
        XMLIssue(code: .tooComplex, message: "message too complex: \(text) (setting xml.\(key))", line: line)
    }

    /// A forward-only walk over tags. The text between tags, quoted values, comments and CDATA
    /// are skipped 8 bytes at a time and then with `memchr`, names in a start tag 8 bytes at a
    /// time (the scan runs on every message before libxml2: on a 56 KB message it cost 0.75 M
    /// instructions byte by byte); the line of a violation is counted only when one is reported.
    struct Scanner {
        enum Tag { case start(attributes: Int, selfClosing: Bool, declarations: Int), end, malformed(String), doctype }

        let bytes: UnsafeRawBufferPointer
        var index = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        /// The line `index` is on (1-based).
        var line: Int {
            var count = 1, at = 0
            while let next = find(newline, from: at, before: index) {
                count += 1
                at = next + 1
            }
            return count
        }

        /// Where `byte` first occurs at or after `from` and before `limit`, by `memchr` (for the line
        /// count of a violation).
        func find(_ byte: UInt8, from: Int, before limit: Int) -> Int? {
            guard from < limit, let base = bytes.baseAddress, let found = memchr(base + from, Int32(byte), limit - from) else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }

        /// Where `byte` first occurs at or after `from`: the first 32 bytes 8 at a time in a
        /// register, the rest by `memchr`. Most runs the scan skips — a quoted value, the
        /// indentation between tags, an end tag — are shorter than 32 bytes, and a `memchr` call
        /// costs more than the run itself; glibc's vectorised `memchr` wins on long text.
        @inline(__always)
        func find(_ byte: UInt8, from: Int) -> Int? {
            guard let base = bytes.baseAddress else { return nil }
            let pattern = Self.splat(byte)
            var at = from
            let inline = Swift.min(bytes.count, from + 32)
            while at + 8 <= inline {
                let hits = Self.zeroBytes(word(at) ^ pattern)
                if hits != 0 { return at + hits.trailingZeroBitCount >> 3 }
                at += 8
            }
            guard at < bytes.count, let found = memchr(base + at, Int32(byte), bytes.count - at) else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }

        /// The first of `"`, `'`, `>` and `x` at or after `from`, 8 bytes a step.
        @inline(__always)
        func firstStop(from: Int) -> Int? {
            var at = from
            while at + 8 <= bytes.count {
                let word = word(at)
                let hits = Self.zeroBytes(word ^ Self.quotes) | Self.zeroBytes(word ^ Self.apostrophes)
                    | Self.zeroBytes(word ^ Self.closers) | Self.zeroBytes(word ^ Self.exes)
                if hits != 0 { return at + hits.trailingZeroBitCount >> 3 }
                at += 8
            }
            while at < bytes.count {
                let byte = bytes[at]
                if byte == quote || byte == apostrophe || byte == gt || byte == ex { return at }
                at += 1
            }
            return nil
        }

        /// The 8 bytes at `at`, the first in the lowest bits (so the lowest flagged byte of
        /// ``zeroBytes(_:)`` is the first in the text).
        @inline(__always)
        private func word(_ at: Int) -> UInt64 {
            UInt64(littleEndian: bytes.baseAddress.unsafelyUnwrapped.loadUnaligned(fromByteOffset: at, as: UInt64.self))
        }

        /// `byte` in each of a word's 8 bytes.
        @inline(__always)
        private static func splat(_ byte: UInt8) -> UInt64 { UInt64(byte) &* 0x0101_0101_0101_0101 }

        /// The high bit of every zero byte of `word` set. Exact for the lowest zero byte; a byte above
        /// a zero byte may be flagged too (the borrow), so only the lowest set bit is ever read.
        @inline(__always)
        private static func zeroBytes(_ word: UInt64) -> UInt64 {
            (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
        }

        private static let quotes: UInt64 = 0x2222_2222_2222_2222, apostrophes: UInt64 = 0x2727_2727_2727_2727
        private static let closers: UInt64 = 0x3E3E_3E3E_3E3E_3E3E, exes: UInt64 = 0x7878_7878_7878_7878

        mutating func nextTag() -> Tag? {
            while let at = find(lt, from: index) {
                index = at + 1
                guard index < bytes.count else { index = bytes.count; return nil }
                switch bytes[index] {
                case slash: skip(past: gt); return .end
                case question: if let refused = skipInstruction() { return refused }
                case bang: if let refused = skipDeclaration() { return refused }
                default: return startTag()
                }
            }
            index = bytes.count
            return nil
        }

        /// After `<name`: counts the quoted values up to the closing `>` — an attribute is a name,
        /// `=` and one quoted value, and libxml2 takes no attribute without one — and the namespace
        /// declarations among them, 8 bytes a step between the bytes it stops at
        /// (``firstStop(from:)``).
        mutating func startTag() -> Tag {
            var attributes = 0, declarations = 0
            while let at = firstStop(from: index) {
                let byte = bytes[at]
                index = at + 1
                switch byte {
                case gt:
                    return .start(attributes: attributes, selfClosing: at >= 1 && bytes[at - 1] == slash, declarations: declarations)
                case ex:
                    if declaresNamespace(at) { declarations += 1 }
                default:
                    attributes += 1
                    skip(past: byte)
                }
            }
            index = bytes.count
            return .start(attributes: attributes, selfClosing: false, declarations: declarations)
        }

        /// Whether the `x` at `at` begins an attribute named `xmlns` or `xmlns:…`: after white
        /// space, followed by `mlns` and `:`, `=` or white space.
        func declaresNamespace(_ at: Int) -> Bool {
            guard at >= 1, at + 5 < bytes.count, Self.isSpace(bytes[at - 1]),
                  bytes[at + 1] == 0x6D, bytes[at + 2] == 0x6C, bytes[at + 3] == 0x6E, bytes[at + 4] == 0x73 else { return false }
            let next = bytes[at + 5]
            return next == 0x3A || next == 0x3D || Self.isSpace(next)
        }

        static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

        // Comments, CDATA sections and processing instructions are skipped, not parsed. Where
        // libxml2 would stop inside one with an error and read on from there — after `--` or a
        // character XML does not allow in a comment, a target that is no name, a `>` that ends
        // a broken XML declaration — the scan and libxml2 would part; libxml2 2.9 resets its
        // state after a comment and before the root, so the first fatal error does not end the
        // parse there. Those are refused as malformed here.

        /// `<?target … ?>`: a target that begins like a name, no `>` before the closing `?>`, and
        /// only characters XML allows. Returns the refusal, if any.
        mutating func skipInstruction() -> Tag? {
            let start = index + 1
            guard start < bytes.count, Self.isNameStart(bytes[start]) else { return .malformed("a processing instruction without a target") }
            guard let close = find(gt, from: start) else { index = bytes.count; return nil }
            index = close + 1
            guard close - 1 > start, bytes[close - 1] == question else { return .malformed("a '>' inside a processing instruction") }
            return isCleanText(start, close - 1) ? nil : .malformed("a character XML does not allow in a processing instruction")
        }

        /// `<!-- … -->` (ended by its first `--`) or `<![CDATA[ … ]]>`; a DOCTYPE is refused here
        /// (after a malformed one libxml2 would read on, past its guard), and so is anything
        /// else after `<!`. Returns the refusal, if any.
        mutating func skipDeclaration() -> Tag? {
            if matches("!--") {
                let start = index + 3
                guard let dashes = find("--", from: start) else { index = bytes.count; return nil }
                index = dashes + 2
                guard index < bytes.count else { return nil }
                guard bytes[index] == gt else { return .malformed("'--' inside a comment") }
                index += 1
                return isCleanText(start, dashes) ? nil : .malformed("a character XML does not allow in a comment")
            }
            if matches("![CDATA[") {
                let start = index + 8
                let close = find("]]>", from: start)
                index = close.map { $0 + 3 } ?? bytes.count
                return isCleanText(start, close ?? bytes.count) ? nil : .malformed("a character XML does not allow in a CDATA section")
            }
            if matches("!DOCTYPE") { return .doctype }
            return .malformed("'<!' that begins no comment or CDATA section")
        }

        /// Whether `bytes[from..<to]` holds only characters XML allows: no control character but
        /// tab, line feed and carriage return, valid UTF-8, no U+FFFE or U+FFFF.
        func isCleanText(_ from: Int, _ to: Int) -> Bool {
            guard from < to else { return true }
            var ascii = true
            for at in from..<to {
                let byte = bytes[at]
                if byte < 0x20, byte != 0x09, byte != 0x0A, byte != 0x0D { return false }
                if byte >= 0x80 { ascii = false }
            }
            if ascii { return true }
            let text = UnsafeRawBufferPointer(rebasing: bytes[from..<to])
            guard String(validating: text, as: UTF8.self) != nil else { return false }
            guard to - from >= 3 else { return true }
            return !(from..<(to - 2)).contains { bytes[$0] == 0xEF && bytes[$0 + 1] == 0xBF && bytes[$0 + 2] >= 0xBE }
        }

        /// A byte that may begin a name: an ASCII letter, `_`, `:` or the first byte of a non-ASCII character.
        static func isNameStart(_ byte: UInt8) -> Bool {
            (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F || byte == 0x3A || byte >= 0x80
        }

        func matches(_ text: StaticString) -> Bool { bytes.has(text, at: index) }

        /// Where `text` first occurs at or after `from` (its first byte found by ``find(_:from:)``).
        func find(_ text: StaticString, from: Int) -> Int? {
            var at = from
            while let candidate = find(text.utf8Start[0], from: at) {
                if bytes.has(text, at: candidate) { return candidate }
                at = candidate + 1
            }
            return nil
        }

        /// Moves past the next `end`.
        mutating func skip(past end: UInt8) {
            index = find(end, from: index).map { $0 + 1 } ?? bytes.count
        }

    }
}

// The bytes the scan looks at, as constants (not stored in the scanner, which then fits in
// registers when its helpers are inlined).
private let lt: UInt8 = 0x3C, gt: UInt8 = 0x3E, slash: UInt8 = 0x2F, question: UInt8 = 0x3F, bang: UInt8 = 0x21
private let quote: UInt8 = 0x22, apostrophe: UInt8 = 0x27, newline: UInt8 = 0x0A
private let ex: UInt8 = 0x78

extension UnsafeRawBufferPointer {
    /// Whether the bytes at `offset` are `text`.
    func has(_ text: StaticString, at offset: Int) -> Bool {
        let count = text.utf8CodeUnitCount
        guard offset >= 0, offset + count <= self.count else { return false }
        return (0..<count).allSatisfy { self[offset + $0] == text.utf8Start[$0] }
    }
}
