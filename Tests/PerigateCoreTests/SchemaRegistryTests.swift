import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport

@Suite("Schema registry: catalogs, detection, lifecycle")
struct SchemaRegistryTests {
    /// Writes a catalog directory with the given entries JSON and files.
    private func catalogDirectory(entries: String, files: [String: String] = [:]) throws -> String {
        let directory = try TestSupport.temporaryDirectory()
        try "{\"name\": \"test\", \"entries\": \(entries)}".write(to: directory.appendingPathComponent("catalog.json"), atomically: true, encoding: .utf8)
        for (name, content) in files {
            try content.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory.path
    }

    private let tinyXSD = """
    <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t:1" xmlns="urn:t:1" elementFormDefault="qualified">
      <xs:element name="t"><xs:complexType><xs:sequence><xs:element name="v" type="xs:int"/></xs:sequence>
      <xs:attribute name="versie" type="xs:string"/></xs:complexType></xs:element>
    </xs:schema>
    """

    private func entry(_ version: String, status: String = "active", schema: String? = "t.xsd") -> String {
        """
        {"kind": "t", "version": "\(version)", "status": "\(status)", "sunset": "2027-01-01",
         "match": {"root": "t", "namespace": "urn:t:1", "versie": "\(version)"}\(schema.map { ", \"schema\": \"\($0)\"" } ?? "")}
        """
    }

    @Test("a broken XSD fails the load, naming the file and libxml2's complaint")
    func brokenSchema() throws {
        let directory = try catalogDirectory(entries: "[\(entry("1.0"))]", files: ["t.xsd": "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"><xs:element name=\"t\" type=\"nope\"/></xs:schema>"])
        let error = try #require(throws: CatalogError.self) { try SchemaRegistry.load([.directory(directory)]) }
        #expect(error.code == "schema.broken")
        #expect(error.file.hasSuffix("/t.xsd"))
        #expect(error.message.contains("nope"))
    }

    @Test("a missing XSD and an unreadable or invalid catalog fail clearly")
    func missingFiles() throws {
        let directory = try catalogDirectory(entries: "[\(entry("1.0"))]")
        #expect(throws: CatalogError(code: "schema.missing", file: directory + "/t.xsd",
                                     message: "XSD for t 1.0 (catalog \(directory)/catalog.json) not found")) {
            try SchemaRegistry.load([.directory(directory)])
        }
        let error = try #require(throws: CatalogError.self) { try SchemaRegistry.load([.directory("/nonexistent-perigate")]) }
        #expect(error.code == "catalog.unreadable")
        let bad = try catalogDirectory(entries: "[{\"kind\": \"t\"}]")
        let invalid = try #require(throws: CatalogError.self) { try SchemaRegistry.load([.directory(bad)]) }
        #expect(invalid.code == "catalog.invalid")
        #expect(invalid.message.contains("version"))
    }

    @Test("bad XPaths and undeclared prefixes in a catalog are refused at load")
    func badXPath() throws {
        let directory = try catalogDirectory(entries: """
        [{"kind": "t", "version": "1.0", "status": "active", "match": {"root": "t", "xpath": "boolean(q:x)"}}]
        """)
        let error = try #require(throws: CatalogError.self) { try SchemaRegistry.load([.directory(directory)]) }
        #expect(error.message.contains("undeclared prefix 'q'"))
    }

    @Test("an identifiers rule must map systems to identifier rules")
    func identifiersRule() throws {
        let directory = try catalogDirectory(entries: """
        [{"kind": "t", "version": "1.0", "status": "active", "match": {"root": "t"},
          "checks": [{"rule": "identifiers", "xpath": "//id", "systems": {"x": "notInFuture"}}]}]
        """)
        let error = try #require(throws: CatalogError.self) { try SchemaRegistry.load([.directory(directory)]) }
        #expect(error.message.contains("needs 'systems' mapping to bsn, agb, ura or uzi"))
    }

    @Test("two entries matching the same messages are a duplicate")
    func duplicate() throws {
        let directory = try catalogDirectory(entries: "[\(entry("1.0")), \(entry("1.0"))]", files: ["t.xsd": tinyXSD])
        let error = try #require(throws: CatalogError.self) { try SchemaRegistry.load([.directory(directory)]) }
        #expect(error.code == "catalog.duplicate")
    }

    @Test("deprecated versions pass with a warning; retired ones are refused listing supported versions")
    func lifecycle() throws {
        let directory = try catalogDirectory(
            entries: "[\(entry("1.0", status: "retired")), \(entry("1.1", status: "deprecated")), \(entry("1.2"))]",
            files: ["t.xsd": tinyXSD])
        let validator = MessageValidator(registry: try SchemaRegistry.load([.directory(directory)]))
        func check(_ version: String) -> ValidationReport {
            validator.validate(Data("<t xmlns=\"urn:t:1\" versie=\"\(version)\"><v>1</v></t>".utf8))
        }
        let deprecated = check("1.1")
        #expect(deprecated.outcome == .valid)
        #expect(deprecated.warnings.map(\.code) == ["message.deprecated-version"])
        #expect(deprecated.warnings.first?.message.contains("sunset 2027-01-01") == true)
        let retired = check("1.0")
        #expect(retired.outcome == .unsupported)
        #expect(retired.issues.first?.message == "t 1.0 is retired and no longer accepted; supported versions: 1.1, 1.2")
        let unknown = check("3.0")
        #expect(unknown.issues.first?.message == "unsupported version 3.0 of t; supported versions: 1.1, 1.2")
        #expect(check("1.2").outcome == .valid)
    }

    @Test("detection uses namespace and versie, never xsi:schemaLocation")
    func detectionIgnoresSchemaLocation() throws {
        let url = TestSupport.samples.appendingPathComponent("valid/verwijzing-1-hypertensie-regulier.xml")
        var text = try String(contentsOf: url, encoding: .utf8)
        text = text.replacingOccurrences(of: "versie=\"1.0\">", with: """
        versie="1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:perigate:verwijzing:1 http://127.0.0.1:9/evil.xsd">
        """)
        let report = TestSupport.validator().validate(Data(text.utf8))
        #expect(report.kind == "verwijzing")
        #expect(report.outcome == .valid)
    }

    @Test("unknown kinds name every supported kind")
    func unknownKind() {
        let report = TestSupport.validator().validate(Data("<x xmlns=\"urn:nope\"/>".utf8))
        #expect(report.outcome == .unsupported)
        #expect(report.root == "{urn:nope}x")
        #expect(report.issues.first?.message.contains(
            "verwijzing 1.0, verwijzing 1.1, verwijzing 1.2, terugverwijzing 1.0, terugverwijzing 1.1, kraamzorgoverdracht 1.0, "
                + "kraamzorgoverdracht 1.1, jgzoverdracht 1.0, jgzoverdracht 1.1, phbaanmelding 1.0, phbaanmelding 2.0, phbaanmelding 2.1") == true)
    }

    @Test("our own catalog registers the six kinds and their later versions, all compiled")
    func ownCatalog() {
        let types = TestSupport.ownRegistry.messageTypes
        #expect(types.map(\.label) == ["verwijzing 1.0", "verwijzing 1.1", "verwijzing 1.2", "terugverwijzing 1.0", "terugverwijzing 1.1",
                                       "kraamzorgoverdracht 1.0", "kraamzorgoverdracht 1.1", "jgzoverdracht 1.0", "jgzoverdracht 1.1",
                                       "phbaanmelding 1.0", "phbaanmelding 2.0", "phbaanmelding 2.1", "toestemming 1.0"])
        #expect(types.allSatisfy { $0.schema != nil && $0.status == .active })
    }

    @Test("a version-1 PHB referral in the version-2 namespace is refused, naming both versions")
    func crossMajor() {
        let report = TestSupport.validator().validate(Data("""
        <phbaanmelding xmlns="urn:perigate:phbaanmelding:2" versie="1.0"/>
        """.utf8))
        #expect(report.outcome == .unsupported)
        #expect(report.issues.first?.message == "unsupported version 1.0 of phbaanmelding; supported versions: 2.0, 2.1")
    }
}

@Suite("XPath prefix scan")
struct XPathPrefixTests {
    @Test("prefixes are found; axes, functions and predicates are not prefixes")
    func prefixes() {
        #expect(SchemaRegistry.prefixes(in: "//hl7:id[@root='2.16.840.1.113883.2.4.6.3']/@extension") == ["hl7"])
        #expect(SchemaRegistry.prefixes(in: "boolean(/adaxml/data/kernset_geboortezorg)") == [])
        #expect(SchemaRegistry.prefixes(in: "//m:bsn | //m:agb | child::q:x | descendant::*") == ["m", "q"])
        #expect(SchemaRegistry.prefixes(in: "/*/pgroot:interactionId/@extension | //hl7:*") == ["pgroot", "hl7"])
        #expect(SchemaRegistry.prefixes(in: "m:kind[m:volgnummer=1]/m:meting[1]/m:datum") == ["m"])
    }
}
