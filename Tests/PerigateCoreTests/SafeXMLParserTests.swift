import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport

@Suite("Safe XML parsing: XXE, entity bombs, limits")
struct SafeXMLParserTests {
    let validator = TestSupport.validator()

    /// A local secret file that an XXE attempt would try to read.
    private func secretFile() throws -> (path: String, secret: String) {
        let secret = "PERIGATE-SECRET-\(UUID().uuidString)"
        let url = try TestSupport.temporaryDirectory().appendingPathComponent("secret.txt")
        try secret.write(to: url, atomically: true, encoding: .utf8)
        return (url.path, secret)
    }

    private func assertNoLeak(_ report: ValidationReport, secret: String) throws {
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(!json.contains(secret), "the secret leaked into the report")
    }

    @Test("external general entity pointing at a local file is refused and never read")
    func externalEntity() throws {
        let (path, secret) = try secretFile()
        let xml = """
        <?xml version="1.0"?>
        <!DOCTYPE verwijzing [ <!ENTITY xxe SYSTEM "file://\(path)"> ]>
        <verwijzing xmlns="urn:perigate:verwijzing:1" versie="1.0"><header>&xxe;</header></verwijzing>
        """
        let report = validator.validate(Data(xml.utf8))
        #expect(report.outcome == .malformed)
        #expect(report.issues.map(\.code) == ["xml.doctype-forbidden"])
        #expect(report.issues.first?.line == 2)
        try assertNoLeak(report, secret: secret)
    }

    @Test("parameter entity and external DTD variants are refused", arguments: [
        "<!DOCTYPE r [ <!ENTITY % p SYSTEM \"file://SECRET\"> %p; ]><r/>",
        "<!DOCTYPE r SYSTEM \"file://SECRET\"><r/>",
        "<!DOCTYPE r PUBLIC \"-//X//Y\" \"http://127.0.0.1:9/x.dtd\"><r>&e;</r>",
        // Stopped at the DOCTYPE itself: the (broken) internal subset is never read.
        "<!DOCTYPE r [ <!ENTITY x \"unterminated> <!ELEMENT ]><r/>",
    ])
    func otherDoctypes(_ template: String) throws {
        let (path, secret) = try secretFile()
        let report = validator.validate(Data(template.replacingOccurrences(of: "SECRET", with: path).utf8))
        #expect(report.outcome == .malformed)
        #expect(report.issues.first?.code == "xml.doctype-forbidden")
        try assertNoLeak(report, secret: secret)
    }

    @Test("XInclude is not processed")
    func xinclude() throws {
        let (path, secret) = try secretFile()
        let xml = """
        <zwangerschapskaart xmlns="urn:x" xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file://\(path)" parse="text"/></zwangerschapskaart>
        """
        let report = validator.validate(Data(xml.utf8))
        #expect(report.outcome == .unsupported)
        try assertNoLeak(report, secret: secret)
    }

    @Test("billion laughs fails at the DOCTYPE with bounded memory")
    func billionLaughs() {
        var entities = "<!ENTITY lol0 \"lol\">"
        for level in 1...9 {
            entities += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">"
        }
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE lolz [\(entities)]><lolz>&lol9;</lolz>"
        assertRefusedAtDoctype(xml, label: "billion laughs")
    }

    @Test("quadratic blowup inside an attribute value is refused before validation")
    func quadraticBlowup() {
        let big = String(repeating: "A", count: 50_000)
        let references = String(repeating: "&a;", count: 20_000)
        let xml = """
        <?xml version="1.0"?><!DOCTYPE verwijzing [<!ENTITY a "\(big)">]>
        <verwijzing xmlns="urn:perigate:verwijzing:1" versie="1.0" x="\(references)"/>
        """
        assertRefusedAtDoctype(xml, label: "quadratic blowup (\(xml.utf8.count) bytes)")
    }

    /// The document is refused at its DOCTYPE, and peak memory stays bounded; the time is
    /// printed, never asserted.
    private func assertRefusedAtDoctype(_ xml: String, label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let before = TestSupport.peakRSSKiB()
        let start = Date()
        let report = validator.validate(Data(xml.utf8))
        print("\(label) rejected in \(Int(Date().timeIntervalSince(start) * 1_000_000)) µs")
        #expect(report.outcome == .malformed, sourceLocation: sourceLocation)
        #expect(report.issues.first?.code == "xml.doctype-forbidden", sourceLocation: sourceLocation)
        #expect(TestSupport.peakRSSKiB() - before < 64 * 1024, "memory grew by more than 64 MiB", sourceLocation: sourceLocation)
    }

    @Test("a message over the size limit is refused before parsing")
    func tooLarge() {
        let xml = "<r>" + String(repeating: "x", count: 2_000) + "</r>"
        let report = TestSupport.validator(maximumBytes: 1_000).validate(Data(xml.utf8))
        #expect(report.outcome == .malformed)
        #expect(report.issues.map(\.code) == ["xml.too-large"])
        #expect(report.issues.first?.message.contains("1000") == true)
    }

    @Test("deep nesting hits libxml2's depth limit instead of crashing")
    func deepNesting() {
        let depth = 100_000
        let xml = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        let report = validator.validate(Data(xml.utf8))
        #expect(report.outcome == .malformed)
        #expect(report.issues.contains { $0.message.localizedCaseInsensitiveContains("depth") })
    }

    @Test("empty input and garbage are malformed, with position")
    func garbage() {
        #expect(validator.validate(Data()).outcome == .malformed)
        let report = validator.validate(Data("<a><b></a>".utf8))
        #expect(report.outcome == .malformed)
        #expect(report.issues.first?.line == 1)
        #expect(report.issues.first?.column != nil)
    }
}
