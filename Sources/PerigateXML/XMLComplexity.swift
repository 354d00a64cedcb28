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

    public init() {}

    /// The first limit `bytes` exceeds, as an issue naming the limit; `nil` within every limit.
    /// The scan follows tags, quoted attribute values, comments, CDATA sections and processing
    /// instructions; malformed input is left for libxml2 to report.
    public func violation(in bytes: UnsafeRawBufferPointer) -> XMLIssue? {
        var scanner = Scanner(bytes: bytes)
        var depthNow = 0, elementCount = 0, attributeCount = 0
        while let tag = scanner.nextTag() {
            switch tag {
            case .end:
                depthNow -= 1
            case .start(let attributesHere, let selfClosing):
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
                if selfClosing { depthNow -= 1 }
            }
        }
        return nil
    }

    private func issue(_ text: String, key: String, line: Int) -> XMLIssue {
        XMLIssue(code: .tooComplex, message: "message too complex: \(text) (setting xml.\(key))", line: line)
    }

    /// A forward-only walk over tags. The text between tags, quoted values, comments and CDATA
    /// are skipped with `memchr` (the scan runs on every message before libxml2: on a 56 KB
    /// message it cost 0.75 M instructions byte by byte); the line of a violation is counted only
    /// when one is reported.
    struct Scanner {
        enum Tag { case start(attributes: Int, selfClosing: Bool), end }

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

        /// Where `byte` first occurs at or after `from` and before `limit`.
        func find(_ byte: UInt8, from: Int, before limit: Int? = nil) -> Int? {
            let end = limit ?? bytes.count
            guard from < end, let base = bytes.baseAddress, let found = memchr(base + from, Int32(byte), end - from) else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }

        mutating func nextTag() -> Tag? {
            while let at = find(lt, from: index) {
                index = at + 1
                guard index < bytes.count else { index = bytes.count; return nil }
                switch bytes[index] {
                case slash: skip(past: gt); return .end
                case question: skip(past: question, gt)
                case bang: skipDeclaration()
                default: return startTag()
                }
            }
            index = bytes.count
            return nil
        }

        /// After `<name`: counts `=` outside quoted values up to the closing `>`. A byte that is
        /// none of `"`, `'`, `=`, `>` (names, spaces) costs a compare and, below 64, a bit test.
        mutating func startTag() -> Tag {
            var attributes = 0
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                guard byte < 64, Self.stops & (1 << UInt64(byte)) != 0 else { continue }
                switch byte {
                case quote, apostrophe: skip(past: byte)
                case equals: attributes += 1
                default: return .start(attributes: attributes, selfClosing: index >= 2 && bytes[index - 2] == slash)
                }
            }
            return .start(attributes: attributes, selfClosing: false)
        }

        /// The bytes ``startTag()`` stops at, `"`, `'`, `=` and `>`, as bits of a mask (all are below 64).
        private static let stops: UInt64 = 1 << 0x22 | 1 << 0x27 | 1 << 0x3D | 1 << 0x3E

        /// `<!-- … -->`, `<![CDATA[ … ]]>` or another declaration (`<!DOCTYPE …>`, which the parser refuses).
        mutating func skipDeclaration() {
            if matches("!--") { skip(past: dash, dash, gt) }
            else if matches("![CDATA[") { skip(past: bracket, bracket, gt) }
            else { skip(past: gt) }
        }

        func matches(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            return (0..<count).allSatisfy { bytes[index + $0] == text.utf8Start[$0] }
        }

        /// Moves past the next `end`.
        mutating func skip(past end: UInt8) {
            index = find(end, from: index).map { $0 + 1 } ?? bytes.count
        }

        /// Moves past the next `first` followed by `rest`.
        mutating func skip(past first: UInt8, _ rest: UInt8...) {
            while let at = find(first, from: index) {
                if at + rest.count < bytes.count, rest.indices.allSatisfy({ bytes[at + 1 + $0] == rest[$0] }) {
                    index = at + 1 + rest.count
                    return
                }
                index = at + 1
            }
            index = bytes.count
        }

        let lt = UInt8(ascii: "<"), gt = UInt8(ascii: ">"), slash = UInt8(ascii: "/"), question = UInt8(ascii: "?")
        let bang = UInt8(ascii: "!"), quote = UInt8(ascii: "\""), apostrophe = UInt8(ascii: "'"), equals = UInt8(ascii: "=")
        let newline = UInt8(ascii: "\n"), dash = UInt8(ascii: "-"), bracket = UInt8(ascii: "]")
    }
}
