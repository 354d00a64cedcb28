import Foundation
import Testing
@testable import PerigateXML

/// The pre-scan (``XMLComplexity``) and libxml2 read a well-formed UTF-8 message alike. Where
/// they could part — after libxml2's first fatal error, which libxml2 2.9 parses past, and in an
/// encoding libxml2 decodes — libxml2 must not parse what the pre-scan did not check.
@Suite("Parser: nothing parsed past what the pre-scan checked")
struct ParserStopTests {
    /// An element with `count` attributes (the limit is 256), of names no other test uses.
    static func hidden(_ tag: String, count: Int = 300, quote: String = "\"") -> (text: String, names: [String]) {
        let names = (1...count).map { "\(tag)\($0)" }
        return ("<\(tag) " + names.map { "\($0)=\(quote)\(quote)" }.joined(separator: " ") + "/>", names)
    }

    @Test("after a malformed end tag, a '<' in a value, a bad declaration, PI or comment, libxml2 stops: the element the pre-scan did not see is not parsed")
    func stopsAtFirstError() throws {
        let run = UUID().uuidString.prefix(8).lowercased()
        let cases: [(String, String, (String) -> String)] = [
            ("end", "\"", { "<r><a></a \($0)</r>" }),
            ("value", "'", { "<r><a x=\"\($0)\"/></r>" }),
            ("declaration", "\"", { "<r><!x \($0)</r>" }),
            ("pi", "\"", { "<r><? \($0)?></r>" }),
            ("comment", "\"", { "<r><!--\u{1}\($0)--></r>" }),
        ]
        for (label, quote, document) in cases {
            let (element, names) = Self.hidden("h\(run)\(label)", quote: quote)
            let bytes = Array(document(element).utf8)
            // The pre-scan passes it: it reads the element as part of the end tag, value,
            // declaration, PI or comment.
            #expect(bytes.withUnsafeBytes { XMLComplexity().violation(in: $0) } == nil, "\(label): the pre-scan saw the element")
            let (outcome, parsed) = bytes.withUnsafeBytes { SafeXMLParser().parse($0, probing: [names[0], names[299]]) }
            guard case .rejected(let issues) = outcome else { Issue.record("\(label): parsed"); continue }
            #expect(issues.first?.code == .malformed, "\(label)")
            #expect(parsed.isEmpty, "\(label): libxml2 parsed the hidden element")
        }
        // The probe sees what libxml2 parses: a well-formed element's names are there.
        let (element, names) = Self.hidden("h\(run)ok", count: 200)
        let fine = Array("<r>\(element)</r>".utf8)
        let (outcome, parsed) = fine.withUnsafeBytes { SafeXMLParser().parse($0, probing: [names[0], names[199]]) }
        guard case .document = outcome else { Issue.record("the well-formed control was refused"); return }
        #expect(parsed == [names[0], names[199]])
    }

    @Test("only UTF-8, US-ASCII and ISO-8859-1: UTF-16, UCS-4 and EBCDIC by their first bytes, other declared encodings, refused as xml.malformed naming the encoding")
    func encodings() throws {
        func issue(_ bytes: [UInt8]) -> XMLIssue? {
            if case .rejected(let issues) = SafeXMLParser().parse(bytes) { return issues.first }
            return nil
        }
        let text = "<r a=\"1\">é</r>"
        var utf16LE: [UInt8] = [0xFF, 0xFE]
        for unit in text.utf16 { utf16LE += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        var utf16BE: [UInt8] = []
        for unit in "<?xml version=\"1.0\"?>\(text)".utf16 { utf16BE += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        let ucs4: [UInt8] = [0x00, 0x00, 0x00, 0x3C, 0x00, 0x00, 0x00, 0x72, 0x00, 0x00, 0x00, 0x2F, 0x00, 0x00, 0x00, 0x3E]
        let ebcdic: [UInt8] = [0x4C, 0x6F, 0xA7, 0x94, 0x93, 0x40]
        for (label, bytes) in [("UTF-16LE", utf16LE), ("UTF-16BE", utf16BE), ("UCS-4", ucs4), ("EBCDIC", ebcdic)] {
            let found = issue(bytes)
            #expect(found?.code == .malformed, "\(label)")
            #expect(found?.message.contains("accepted are UTF-8, US-ASCII, ISO-8859-1") == true, "\(label): \(found?.message ?? "")")
        }
        let declared = issue(Array("<?xml version=\"1.0\" encoding=\"IBM037\"?><r/>".utf8))
        #expect(declared?.code == .malformed)
        #expect(declared?.message == "the message declares \"IBM037\"; accepted are UTF-8, US-ASCII, ISO-8859-1")
        #expect(issue(Array("<?xml version='1.0' encoding = 'UTF-16'?><r/>".utf8))?.code == .malformed)
        // A name that is no encoding name is not repeated.
        #expect(issue(Array("<?xml version=\"1.0\" encoding=\"<b>\"?><r/>".utf8))?.message == "the message declares an encoding; accepted are UTF-8, US-ASCII, ISO-8859-1")
        // Accepted: UTF-8 with and without a byte order mark or declaration, in any case; ISO-8859-1.
        for accepted in ["<r/>", "<?xml version=\"1.0\"?><r/>", "<?xml version=\"1.0\" encoding=\"utf-8\"?><r/>",
                         "<?xml version=\"1.0\" encoding=\"US-ASCII\"?><r/>", "<?xml-stylesheet href=\"a\"?><r/>"] {
            #expect(issue(Array(accepted.utf8)) == nil, "\(accepted)")
        }
        #expect(issue([0xEF, 0xBB, 0xBF] + Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><r>é</r>".utf8)) == nil)
        guard case .document(let latin) = SafeXMLParser().parse(Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r>".utf8) + [0xE9] + Array("</r>".utf8)) else {
            Issue.record("ISO-8859-1 refused"); return
        }
        #expect(latin.rootNode?.stringValue == "é")
    }
}
