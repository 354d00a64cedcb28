import Foundation
import Testing
import PerigateCore
import PerigateXML
import PerigateTestSupport

/// The shape limits checked before libxml2 parses (issue 18): attributes per element, elements,
/// depth and attributes in all — so libxml2's quadratic duplicate-attribute check is never reached.
@Suite("XML complexity limits")
struct XMLComplexityTests {
    static func element(attributes: Int) -> String {
        "<verwijzing " + (0..<attributes).map { "a\($0)=\"\($0)\"" }.joined(separator: " ") + "/>"
    }

    @Test("100,000 attributes on one element are refused by the scan, naming the setting and the line")
    func manyAttributes() throws {
        let text = "<?xml version=\"1.0\"?>\n" + Self.element(attributes: 100_000)
        let start = ContinuousClock.now
        guard case .rejected(let issues) = SafeXMLParser().parse(Data(text.utf8)) else { Issue.record("parsed"); return }
        let elapsed = ContinuousClock.now - start
        #expect(issues.first?.code == .tooComplex)
        #expect(issues.first?.message.contains("more than 256 attributes") == true)
        #expect(issues.first?.message.contains("xml.maxAttributesPerElement") == true)
        #expect(issues.first?.line == 2)
        print("XMLComplexityTests: 100,000 attributes (\(text.utf8.count) bytes) refused in \(elapsed)")
    }

    @Test("each limit: per element, depth, elements, attributes in all; at the limit still parsed")
    func limits() {
        var complexity = XMLComplexity()
        complexity.attributesPerElement = 3
        complexity.depth = 3
        complexity.elements = 5
        complexity.attributes = 6
        var parser = SafeXMLParser()
        parser.complexity = complexity
        func code(_ text: String) -> XMLIssue.Code? {
            if case .rejected(let issues) = parser.parse(Data(text.utf8)) { return issues.first?.code }
            return nil
        }
        #expect(code("<a x='1' y='2' z='3'/>") == nil)
        #expect(code("<a w='0' x='1' y='2' z='3'/>") == .tooComplex)
        #expect(code("<a><b><c/></b></a>") == nil)
        #expect(code("<a><b><c><d/></c></b></a>") == .tooComplex)
        #expect(code("<a><b/><b/><b/><b/></a>") == nil)
        #expect(code("<a><b/><b/><b/><b/><b/></a>") == .tooComplex)
        #expect(code("<a x='1' y='2'><b x='1' y='2'/><b x='1' y='2'/></a>") == nil)
        #expect(code("<a x='1' y='2'><b x='1' y='2'/><b x='1' y='2' z='3'/></a>") == .tooComplex)
        var scoped = SafeXMLParser()
        scoped.complexity.namespaceDeclarations = 2
        func scopedCode(_ text: String) -> XMLIssue.Code? {
            if case .rejected(let issues) = scoped.parse(Data(text.utf8)) { return issues.first?.code }
            return nil
        }
        // In scope, not in all: siblings' declarations end with them; xmlns-like names are none.
        #expect(scopedCode("<a xmlns='urn:a' xmlns:p='urn:p'><b xmlns:q='urn:q'/></a>") == .tooComplex)
        #expect(scopedCode("<a xmlns='urn:a'><b xmlns:q='urn:q'/><b xmlns:q='urn:q'/><c xmlns:r='urn:r'></c></a>") == nil)
        #expect(scopedCode("<a xmlns='urn:a' xmlnsx='1' p:xmlns='2' xmlns:p='urn:p'/>") == nil)
        // Attributes are counted by their quoted values: unquoted ones are no attributes to libxml2,
        // which refuses the first as not well-formed.
        #expect(code("<a w=0 x=1 y=2 z=3/>") == .malformed)
    }

    @Test("'=' and '>' in values, comments, CDATA and processing instructions are not attributes or tags")
    func notCounted() {
        var parser = SafeXMLParser()
        parser.complexity.attributesPerElement = 1
        let text = """
            <?xml version="1.0"?><?pi a="1" b="2"?>
            <a x="p=q>r"><!-- y="1" z="2" <b c="d" e="f"/> --><![CDATA[ <c g="h" i="j"/> ]]>t=u</a>
            """
        guard case .document = parser.parse(Data(text.utf8)) else { Issue.record("refused"); return }
    }

    @Test("every sample and the largest legal shape parse; the worst legal document's parse time is printed")
    func worstLegal() throws {
        // 3,000 elements of 256 attributes each (768,000 attributes, 8 MiB — libxml2 refuses a document over
        // 10 MB without XML_PARSE_HUGE): the worst case the limits allow for the duplicate check.
        let element = "<e " + (0..<256).map { "a\($0)=\"\($0)\"" }.joined(separator: " ") + "/>"
        let text = "<r>\n" + String(repeating: element + "\n", count: 3_000) + "</r>"
        let start = ContinuousClock.now
        let outcome = SafeXMLParser().parse(Data(text.utf8))
        guard case .document = outcome else {
            if case .rejected(let issues) = outcome { Issue.record("refused: \(issues.first?.message ?? "")") }
            return
        }
        print("XMLComplexityTests: worst legal shape (\(text.utf8.count / 1_048_576) MiB, 768,000 attributes) parsed in \(ContinuousClock.now - start)")
    }
    /// The scan as first written (issue 18), a byte at a time over an array, counting an element's
    /// quoted values as its attributes: what the word-at-a-time scan must give on every input,
    /// issue for issue and line for line.
    static func reference(_ limits: XMLComplexity, _ bytes: [UInt8]) -> (String, Int)? {
        var index = 0, depth = 0, elements = 0, attributes = 0
        var scopes: [Int]? = nil, inScope = 0
        func space(_ byte: UInt8) -> Bool { [0x20, 0x09, 0x0A, 0x0D].contains(byte) }
        func at(_ offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }
        func skip(past pattern: [UInt8]) {
            while index < bytes.count {
                if Array(bytes[index..<min(bytes.count, index + pattern.count)]) == pattern { index += pattern.count; return }
                index += 1
            }
        }
        func line() -> Int { 1 + bytes[..<min(index, bytes.count)].filter { $0 == 10 }.count }
        func issue(_ text: String, _ key: String) -> (String, Int) {
            ("message too complex: \(text) (setting xml.\(key))", line())
        }
        while let lt = bytes[index...].firstIndex(of: UInt8(ascii: "<")) {
            index = lt + 1
            guard let next = at(index) else { break }
            if next == UInt8(ascii: "/") {
                skip(past: [UInt8(ascii: ">")]); depth -= 1
                if let last = scopes?.popLast() { inScope -= last }
                continue
            }
            func starts(_ text: String) -> Bool { Array(bytes[index..<min(bytes.count, index + text.utf8.count)]) == Array(text.utf8) }
            func clean(_ from: Int, _ to: Int) -> Bool {
                let text = Array(bytes[from..<max(from, to)])
                return !text.contains { $0 < 0x20 && ![0x09, 0x0A, 0x0D].contains($0) }
                    && String(validating: text, as: UTF8.self).map { !$0.unicodeScalars.contains { $0.value == 0xFFFE || $0.value == 0xFFFF } } == true
            }
            func malformed(_ what: String) -> (String, Int) { ("the message is not well-formed XML: \(what)", line()) }
            if next == UInt8(ascii: "?") {
                let start = index + 1
                guard let first = at(start), first.isASCIILetterOrNameStart else { return malformed("a processing instruction without a target") }
                guard let close = bytes[start...].firstIndex(of: UInt8(ascii: ">")) else { index = bytes.count; continue }
                index = close + 1
                guard close - 1 > start, bytes[close - 1] == UInt8(ascii: "?") else { return malformed("a '>' inside a processing instruction") }
                if !clean(start, close - 1) { return malformed("a character XML does not allow in a processing instruction") }
                continue
            }
            if next == UInt8(ascii: "!") {
                if starts("!--") {
                    let start = index + 3
                    guard let dashes = (start..<max(start, bytes.count - 1)).first(where: { bytes[$0] == 0x2D && bytes[$0 + 1] == 0x2D }) else { index = bytes.count; continue }
                    index = dashes + 2
                    guard index < bytes.count else { continue }
                    guard bytes[index] == UInt8(ascii: ">") else { return malformed("'--' inside a comment") }
                    index += 1
                    if !clean(start, dashes) { return malformed("a character XML does not allow in a comment") }
                } else if starts("![CDATA[") {
                    let start = index + 8
                    let close = (index..<max(index, bytes.count - 2)).first { Array(bytes[$0..<$0 + 3]) == Array("]]>".utf8) }
                    index = close.map { $0 + 3 } ?? bytes.count
                    if !clean(start, close ?? bytes.count) { return malformed("a character XML does not allow in a CDATA section") }
                } else if starts("!DOCTYPE") {
                    return ("DOCTYPE declarations are not allowed in messages (entity and DTD attacks)", line())
                } else {
                    return malformed("'<!' that begins no comment or CDATA section")
                }
                continue
            }
            var here = 0, selfClosing = false, declarations = 0
            while let byte = at(index) {
                index += 1
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { here += 1; skip(past: [byte]) }
                else if byte == UInt8(ascii: "x"), index >= 2, space(bytes[index - 2]), Array(bytes[index..<min(bytes.count, index + 4)]) == Array("mlns".utf8),
                        let after = at(index + 4), after == UInt8(ascii: ":") || after == UInt8(ascii: "=") || space(after) { declarations += 1 }
                else if byte == UInt8(ascii: ">") { selfClosing = index >= 2 && bytes[index - 2] == UInt8(ascii: "/"); break }
            }
            elements += 1; attributes += here; depth += 1
            if here > limits.attributesPerElement { return issue("an element has more than \(limits.attributesPerElement) attributes", "maxAttributesPerElement") }
            if depth > limits.depth { return issue("elements are nested deeper than \(limits.depth) levels", "maxDepth") }
            if elements > limits.elements { return issue("the message has more than \(limits.elements) elements", "maxElements") }
            if attributes > limits.attributes { return issue("the message has more than \(limits.attributes) attributes", "maxAttributes") }
            if declarations > 0 || scopes != nil {
                if scopes == nil { scopes = Array(repeating: 0, count: max(0, depth - 1)) }
                inScope += declarations
                if inScope > limits.namespaceDeclarations {
                    return issue("more than \(limits.namespaceDeclarations) namespace declarations are in scope", "maxNamespaceDeclarations")
                }
                if selfClosing { inScope -= declarations } else { scopes?.append(declarations) }
            }
            if selfClosing { depth -= 1 }
        }
        return nil
    }

    @Test("the word-at-a-time scan gives the byte-at-a-time scan's verdict and line on every sample, corpus message and 20,000 random texts")
    func sameAsByteScan() throws {
        var strict = XMLComplexity()
        (strict.attributesPerElement, strict.depth, strict.elements, strict.attributes, strict.namespaceDeclarations) = (2, 3, 12, 14, 1)
        var mid = XMLComplexity()
        (mid.attributesPerElement, mid.depth, mid.elements, mid.attributes, mid.namespaceDeclarations) = (4, 8, 200, 400, 3)
        let settings = [XMLComplexity(), strict, mid]
        func check(_ bytes: [UInt8]) -> Bool {
            settings.allSatisfy { limits in
                let got = bytes.withUnsafeBytes { limits.violation(in: $0) }.map { ($0.message, $0.line ?? 0) }
                let want = Self.reference(limits, bytes)
                return got?.0 == want?.0 && got?.1 == want?.1
            }
        }
        var files: [URL] = []
        for root in [URL(fileURLWithPath: "Samples"), URL(fileURLWithPath: "../shared/corpus")] {
            let walk = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
            while let url = walk?.nextObject() as? URL { if url.pathExtension == "xml" { files.append(url) } }
        }
        #expect(files.count > 50)
        var mismatched: [String] = []
        for file in files where !check(Array(try Data(contentsOf: file))) { mismatched.append(file.lastPathComponent) }
        #expect(mismatched.count == 0, "\(mismatched.prefix(5).joined(separator: ", "))")
        // Texts of the bytes the scan stops at, of every length around the 8-byte steps and the
        // 32 inline bytes, seeded for a repeatable run.
        let alphabet = "<<<>>>//==\"\"''!?-[]CDAT ax\n".map { Array(String($0).utf8) } + [" xmlns", " xmlns:", "xmlns=", "\txmlns ", "<!--", "-->", "<![CDATA[", "]]>", "<?", "?>", "<!DOCTYPE"].map { Array($0.utf8) }
            + [[0x01], [0xFF], [0xC3, 0xA9], [0xEF, 0xBF, 0xBF]]
        var generator = SeededGenerator(seed: 24)
        var failures: [String] = []
        for round in 0..<20_000 {
            let length = Int.random(in: 0...(round % 10 == 0 ? 400 : 80), using: &generator)
            let text = (0..<length).flatMap { _ in alphabet.randomElement(using: &generator)! }
            if !check(text) { failures.append(String(decoding: text, as: UTF8.self)) }
        }
        #expect(failures.count == 0, "first: \(failures.first.map { String($0.prefix(200)) } ?? "")")
    }
}

private extension UInt8 {
    /// The scan's rule for a processing instruction's first byte: a letter, `_`, `:` or non-ASCII.
    var isASCIILetterOrNameStart: Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self)
            || self == UInt8(ascii: "_") || self == UInt8(ascii: ":") || self >= 0x80
    }
}
