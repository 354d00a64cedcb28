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

    @Test("after a malformed end tag or a '<' in a value libxml2 stops at its first error: the element the pre-scan did not see is not parsed")
    func stopsAtFirstError() throws {
        let run = UUID().uuidString.prefix(8).lowercased()
        let cases: [(String, String, (String) -> String)] = [
            ("end", "\"", { "<r><a></a \($0)</r>" }),
            ("value", "'", { "<r><a x=\"\($0)\"/></r>" }),
        ]
        for (label, quote, document) in cases {
            let (element, names) = Self.hidden("h\(run)\(label)", quote: quote)
            let bytes = Array(document(element).utf8)
            // The pre-scan passes it: it reads the element as part of the end tag or value.
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

    @Test("where libxml2 reads on after an error inside a comment, PI or declaration, the pre-scan refuses first, naming what: libxml2 never sees the message")
    func refusedBeforeParsing() throws {
        let run = UUID().uuidString.prefix(8).lowercased()
        let filler = String(repeating: "a", count: 60)
        let cases: [(String, String, (String) -> [UInt8])] = [
            ("'<!' that begins no comment or CDATA section", "declaration", { Array("<r><!x \($0)</r>".utf8) }),
            ("a processing instruction without a target", "pi", { Array("<r><? \($0)?></r>".utf8) }),
            ("a processing instruction without a target", "prolog", { Array("<?\($0)?><r/>".utf8) }),
            ("a '>' inside a processing instruction", "declaration-end", { Array("<?xml version=\"1.0\" x>\($0)?><r/>".utf8) }),
            ("a character XML does not allow in a comment", "control", { Array("<r><!--\u{1}\($0)--></r>".utf8) }),
            ("'--' inside a comment", "dashes", { Array("<r><!--é--\(filler)\($0)--></r>".utf8) }),
            ("'--' inside a comment", "prolog-dashes", { Array("<!--é--\(filler)\($0)--><r/>".utf8) }),
            ("a character XML does not allow in a comment", "utf8", { Array("<r><!--".utf8) + [0xFF] + Array("\(filler)\($0)--></r>".utf8) }),
            ("a '>' inside a processing instruction", "pi-utf8", { Array("<?pi ".utf8) + [0xFF] + Array("\(filler)\($0)?><r/>".utf8) }),
            ("a character XML does not allow in a processing instruction", "pi-char", { _ in Array("<?pi ".utf8) + [0xFF] + Array("?><r/>".utf8) }),
            ("a character XML does not allow in a CDATA section", "cdata", { Array("<r><![CDATA[\u{1}\($0)]]></r>".utf8) }),
        ]
        for (reason, label, document) in cases {
            let (element, names) = Self.hidden("h\(run)\(label)")
            let (outcome, parsed) = document(element).withUnsafeBytes { SafeXMLParser().parse($0, probing: [names[0], names[299]]) }
            guard case .rejected(let issues) = outcome else { Issue.record("\(label): parsed"); continue }
            #expect(issues.first?.code == .malformed, "\(label)")
            #expect(issues.first?.message == "the message is not well-formed XML: \(reason)", "\(label): \(issues.first?.message ?? "")")
            #expect(parsed.isEmpty, "\(label)")
        }
        // A broken DOCTYPE turns libxml2's own guard off (SAX is off after its error): the pre-scan refuses every DOCTYPE.
        let (element, names) = Self.hidden("h\(run)doctype")
        let (doctype, parsed) = Array("<!DOCTYPE 1 \(element)".utf8).withUnsafeBytes { SafeXMLParser().parse($0, probing: [names[0]]) }
        guard case .rejected(let refused) = doctype else { Issue.record("a broken DOCTYPE parsed"); return }
        #expect(refused.first?.code == .doctypeForbidden)
        #expect(parsed.isEmpty)
        // What is well-formed still parses: comments, PIs and CDATA with any allowed character.
        let fine = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><?pi data é?><!-- é - x --><r><![CDATA[ <a b='c'> é ]]><!----></r><!-- end -->"
        guard case .document = SafeXMLParser().parse(Array(fine.utf8)) else { Issue.record("a well-formed message was refused"); return }
        // An encoding declared after any amount of white space is found.
        let spaced = "<?xml" + String(repeating: " ", count: 600) + "version=\"1.0\" encoding=\"IBM037\"?><r/>"
        guard case .rejected(let issues) = SafeXMLParser().parse(Array(spaced.utf8)) else { Issue.record("IBM037 after 600 spaces parsed"); return }
        #expect(issues.first?.message.hasPrefix("the message declares \"IBM037\"") == true)
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
