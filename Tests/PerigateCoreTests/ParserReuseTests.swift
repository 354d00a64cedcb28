import Foundation
import Testing
@testable import PerigateCore
@testable import PerigateXML
import PerigateTestSupport

/// The parser context each thread keeps between parses (``ParserContexts``): results as with a
/// fresh context, nothing left behind by a refused message, and a bound on the names hostile
/// input can make it hold.
@Suite("Parser contexts kept per thread")
struct ParserReuseTests {
    let validator = TestSupport.validator()

    func sample() throws -> Data {
        try Data(contentsOf: TestSupport.samples.appendingPathComponent("valid/verwijzing-1-hypertensie-regulier.xml"))
    }

    @Test("refused messages between good ones leave nothing behind: every report is what a fresh context gives")
    func refusedInBetween() throws {
        let good = try sample()
        let inputs: [(String, Data)] = [
            ("good", good),
            ("doctype", Data("<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY e \"x\">]>\n<r>&e;</r>".utf8)),
            ("malformed", Data("<a>\n  <b></a>".utf8)),
            ("unbound prefix", Data("<p:a xmlns=\"urn:x\"/>".utf8)),
            ("invalid", Data(String(decoding: good, as: UTF8.self).replacingOccurrences(of: "</verwijzing>", with: "<extra/></verwijzing>").utf8)),
            ("good again", good),
        ]
        // Each input once with a context that just parsed every other input, once with a new one.
        let reused = inputs.map { validator.validate($0.1) }
        var fresh: [ValidationReport] = []
        for input in inputs {
            ParserContexts.current.drop()
            fresh.append(validator.validate(input.1))
        }
        #expect(reused == fresh)
        let outcomes = inputs.map { validator.validate($0.1) }
        #expect(outcomes.map(\.outcome) == [.valid, .malformed, .malformed, .malformed, .invalid, .valid])
        #expect(outcomes[1].issues.first?.code == "xml.doctype-forbidden" && outcomes[1].issues.first?.line == 2)
        #expect(outcomes[2].issues.first?.line == 2, "line numbers start again at 1 for every message")
        #expect(outcomes[0] == outcomes[5])
    }

    @Test("a refused parse frees its context; a clean one keeps it for the next")
    func keptOnlyAfterCleanParses() throws {
        let contexts = ParserContexts.current
        let parser = SafeXMLParser()
        _ = parser.parse(try sample())
        let made = contexts.made
        for _ in 0..<5 { _ = parser.parse(try sample()) }
        #expect(contexts.made == made, "five clean parses, no new context")
        #expect(contexts.dictionaryBytes > 0 && !contexts.keptHoldsMessage, "kept: its names, nothing of the message")
        _ = parser.parse(Data("<a><b></a>".utf8))
        _ = parser.parse(try sample())
        #expect(contexts.made == made + 1, "the context of the refused parse was not kept")
    }

    @Test("ever new names cannot grow a kept dictionary past its bound; documents outlive the context they were parsed with")
    func hostileNames() throws {
        let parser = SafeXMLParser()
        let contexts = ParserContexts.current
        guard case .document(let early) = parser.parse(try sample()) else { Issue.record("the sample did not parse"); return }
        let before = contexts.made
        var largest = 0
        for round in 0..<60 {
            let xml = "<r>" + (0..<2_000).map { "<n\(round)x\($0)abcdefghijkl/>" }.joined() + "</r>"
            guard case .document = parser.parse(Data(xml.utf8)) else { Issue.record("round \(round) did not parse"); return }
            largest = max(largest, contexts.dictionaryBytes)
        }
        // 60 × 2,000 names of ~20 bytes: 2.4 MB of names, more than twice the bound.
        #expect(largest > 0 && largest <= ParserContexts.dictionaryLimit)
        #expect(contexts.made - before >= 2, "full dictionaries were dropped, not kept")
        // The first document's names live in a dictionary its context no longer holds.
        #expect(early.rootNode?.localName == "verwijzing")
        #expect(early.rootNode?.path != nil)
    }
}
