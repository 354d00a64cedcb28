import Foundation
import Testing
import PerigateCore
import PerigateXML

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
}
