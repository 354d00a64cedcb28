import Foundation
import PerigateCore
import PerigateFHIR
import PerigateTestSupport
import PerigateXML
import Testing

/// The FHIR STU3 model and its two formats, on Nictiz's own resources (the pregnancy-card
/// scenarios and the TestScripts' reference patients) and on hand-made broken ones.
@Suite("FHIR model: STU3 resources in XML and JSON")
struct FHIRModelTests {
    static let reference = "2026-11-25"
    static let options = FHIRDecodingOptions(reference: reference)

    /// Every FHIR XML file of the shared corpus.
    static var corpusFiles: [URL] {
        let folders = ["fhir-zwangerschapskaart-stu3", "nictiz-testscripts/geboortezorg-2/_reference"]
        return folders.flatMap { folder -> [URL] in
            let root = TestSupport.corpus.appendingPathComponent(folder)
            let found = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
            return found.filter { $0.pathExtension == "xml" }
        }.sorted { $0.path < $1.path }
    }

    /// The one corpus file with a broken value (README: a Quantity value "6 " with a trailing space).
    static func isTrailingSpaceFile(_ url: URL) -> Bool {
        (try? String(contentsOf: url, encoding: .utf8))?.contains("value=\"6 \"") == true
    }

    @Test("every corpus resource reads without an issue, except the one with the value \"6 \"")
    func corpusReads() throws {
        try #require(TestSupport.corpusPresent)
        let files = Self.corpusFiles
        #expect(files.count == 364 + 173)
        var types: [String: Int] = [:]
        var broken: [String: [FHIRIssue]] = [:]
        for url in files {
            let (resource, issues) = FHIRCodec.read(try Data(contentsOf: url), format: .xml, options: Self.options)
            if let resource { types[resource.resourceType, default: 0] += 1 }
            if !issues.isEmpty { broken[url.lastPathComponent] = issues }
        }
        #expect(types["Observation"] == 345)
        #expect(types.values.reduce(0, +) == files.count)
        let trailing = files.filter(Self.isTrailingSpaceFile).map(\.lastPathComponent)
        #expect(trailing.count == 1)
        #expect(Set(broken.keys) == Set(trailing), "\(broken.mapValues { $0.map { "\($0.code) \($0.location ?? "")" } })")
        let issue = try #require(broken[trailing[0]]?.first)
        #expect(broken[trailing[0]]?.count == 1)
        #expect(issue.code == "fhir.invalid-value")
        #expect(issue.location == "Observation.component[1].valueQuantity.value")
        #expect(issue.message.contains("decimal") && issue.message.contains("trailing spaces"))
        #expect(issue.line != nil)
    }

    @Test("XML → model → XML gives the same elements and values (relative dates resolved)")
    func xmlRoundTrip() throws {
        try #require(TestSupport.corpusPresent)
        var compared = 0
        var outOfOrder: [String] = []
        for url in Self.corpusFiles where !Self.isTrailingSpaceFile(url) {
            let data = try Data(contentsOf: url)
            let (resource, _) = FHIRCodec.read(data, format: .xml, options: Self.options)
            let read = try #require(resource)
            let written = try FHIRCodec.write(read, format: .xml)
            let original = try Self.tree(data), ours = try Self.tree(written)
            if let difference = Self.firstDifference(Self.resolved(original), ours, path: original.name) {
                // Written in the specification's order, so only a source out of that order may differ in order.
                let sameElements = Self.firstDifference(Self.sorted(Self.resolved(original)), Self.sorted(ours), path: original.name)
                #expect(sameElements == nil, "\(url.lastPathComponent): \(sameElements ?? "")")
                outOfOrder.append("\(url.deletingLastPathComponent().lastPathComponent)/\(url.lastPathComponent): \(difference)")
            }
            compared += 1
        }
        #expect(compared == 364 + 173 - 1)
        // Nictiz wrote Organization.name before Organization.type in two files (STU3: identifier, active, type, name).
        #expect(outOfOrder.count == 2 && outOfOrder.allSatisfy { $0.contains("Organization/name[") && $0.contains("name vs type") }, "\(outOfOrder)")
    }

    @Test("model → JSON → model is the same value, for every corpus resource")
    func jsonRoundTrip() throws {
        try #require(TestSupport.corpusPresent)
        for url in Self.corpusFiles where !Self.isTrailingSpaceFile(url) {
            let (resource, _) = FHIRCodec.read(try Data(contentsOf: url), format: .xml, options: Self.options)
            let read = try #require(resource)
            let json = try FHIRCodec.write(read, format: .json)
            let (again, issues) = FHIRCodec.read(json, format: .json)
            #expect(issues.isEmpty, "\(url.lastPathComponent): \(issues.map { "\($0.code) \($0.location ?? "") \($0.message)" })")
            // Narrative XHTML is text in JSON, the same XML either way.
            #expect(again == resource, "\(url.lastPathComponent)")
        }
    }

    @Test("a primitive with only extensions is `_name` in JSON (the masked BSN)")
    func maskedIdentifierJSON() throws {
        try #require(TestSupport.corpusPresent)
        let url = TestSupport.corpus.appendingPathComponent(
            "nictiz-testscripts/geboortezorg-2/_reference/Kraam-Casus1/medmij-gbz-nl-core-patient-KIMXXX-ZHANGANAK.xml")
        let (resource, _) = FHIRCodec.read(try Data(contentsOf: url), format: .xml, options: Self.options)
        let read = try #require(resource)
        let json = try #require(String(data: try FHIRCodec.write(read, format: .json), encoding: .utf8))
        #expect(json.hasPrefix("{\"resourceType\":\"Patient\",\"id\":\"KIMXXX-Zhanganak\""))
        #expect(json.contains("\"identifier\":[{\"system\":\"http://fhir.nl/fhir/NamingSystem/bsn\",\"_value\":{\"extension\":[{\"url\":\"http://hl7.org/fhir/StructureDefinition/data-absent-reason\",\"valueCode\":\"masked\"}]}}]"))
        #expect(json.contains("\"given\":[\"Kim\",\"K\"],\"_given\":[{\"extension\""))
        #expect(json.contains("\"birthDate\":\"1994-07-18\""))
        guard case .patient(let patient)? = resource else { Issue.record("not a Patient"); return }
        #expect(patient.identifier?.first?.value?.value == nil)
        #expect(patient.identifier?.first?.value?.extensions?.first?.valueCode?.value == "masked")
        #expect(patient.name?.first?.given?.map(\.value) == ["Kim", "K"])
    }

    @Test("structural problems are issues with their FHIRPath location, all in one pass")
    func structuralIssues() throws {
        let json = """
        {"resourceType":"Patient","id":"p1","birthDate":19940718,"gender":"female","gender2":"x",
         "name":[{"family":"XXX_Test","given":["A","B"],"_given":[null]}],"active":"true",
         "identifier":[],"telecom":[{"system":"phone","value":""}],"maritalStatus":{"coding":[{"code":"M ","system":"x"}]}}
        """
        let (_, issues) = FHIRCodec.read(Data(json.utf8), format: .json)
        let found = Set(issues.map { "\($0.code) \($0.location ?? "")" })
        #expect(found.contains("fhir.malformed Patient.identifier"))
        #expect(found.contains("fhir.malformed Patient.name[0].given"))
        #expect(issues.count == 2, "\(issues)")

        let valid = """
        {"resourceType":"Patient","id":"p1","birthDate":19940718,"gender":"female","gender2":"x",
         "name":[{"family":"XXX_Test","given":["A","B"]}],"active":"true",
         "telecom":[{"system":"phone","value":""}],"maritalStatus":{"coding":[{"code":"M ","system":"x"}]}}
        """
        let (_, more) = FHIRCodec.read(Data(valid.utf8), format: .json)
        let named = Set(more.map { "\($0.code) \($0.location ?? "")" })
        #expect(named == ["fhir.invalid-value Patient.birthDate", "fhir.unknown-element Patient.gender2", "fhir.invalid-value Patient.active",
                          "fhir.invalid-value Patient.telecom.value", "fhir.invalid-value Patient.maritalStatus.coding.code"], "\(more)")
        #expect(!more.contains { $0.message.contains("XXX_Test") || $0.message.contains("19940718") }, "no values in issue texts")
    }

    @Test("XML: repeated single elements, foreign elements, text, unknown resources, DOCTYPE")
    func xmlIssues() throws {
        let xml = """
        <Patient xmlns="http://hl7.org/fhir"><id value="p1"/><gender value="female"/><gender value="male"/>
        <birthDate value="1994-13-01"/><x:note xmlns:x="urn:other">hi</x:note><active value="true">text</active>
        <contained><Medication><id value="m"/></Medication></contained></Patient>
        """
        let (resource, issues) = FHIRCodec.read(Data(xml.utf8), format: .xml)
        #expect(resource == nil, "not FHIR XML: refused before it is decoded")
        let found = Set(issues.map { "\($0.code) \($0.location ?? "")" })
        #expect(found == ["fhir.malformed Patient.active", "fhir.unknown-element Patient.note"], "\(issues)")
        // The tree was refused at the format level; the same without those two errors:
        let clean = """
        <Patient xmlns="http://hl7.org/fhir"><id value="p1"/><gender value="female"/><gender value="male"/>
        <birthDate value="1994-13-01"/><contained><Medication><id value="m"/></Medication></contained></Patient>
        """
        let (_, more) = FHIRCodec.read(Data(clean.utf8), format: .xml)
        #expect(Set(more.map { "\($0.code) \($0.location ?? "")" })
            == ["fhir.cardinality Patient.gender[1]", "fhir.invalid-value Patient.birthDate", "fhir.unsupported-resource Patient.contained"],
                "\(more)")
        #expect(more.allSatisfy { $0.line != nil })

        let doctype = "<!DOCTYPE Patient [<!ENTITY x \"y\">]><Patient xmlns=\"http://hl7.org/fhir\"/>"
        let (none, refused) = FHIRCodec.read(Data(doctype.utf8), format: .xml)
        #expect(none == nil && refused.first?.code == "fhir.malformed")
        let (_, wrongRoot) = FHIRCodec.read(Data("<Patient/>".utf8), format: .xml)
        #expect(wrongRoot.first?.message.contains("namespace") == true)
        let (_, notJSON) = FHIRCodec.read(Data("{\"resourceType\":".utf8), format: .json)
        #expect(notJSON.map(\.code) == ["fhir.malformed"])
        let (_, twice) = FHIRCodec.read(Data("{\"resourceType\":\"Patient\",\n\"gender\":\"male\",\"gender\":\"female\"}".utf8), format: .json)
        #expect(twice.map(\.message) == ["the message is not well-formed JSON: member 'gender' occurs twice"] && twice.first?.line == 2)
        let deep = String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)
        let (_, nested) = FHIRCodec.read(Data("{\"resourceType\":\"Patient\",\"x\":\(deep)}".utf8), format: .json)
        #expect(nested.first?.message.contains("nested deeper") == true)
        let (_, latin1) = FHIRCodec.read(Data([0x7B, 0x22, 0xE9, 0x22, 0x3A, 0x31, 0x7D]), format: .json)
        #expect(latin1.first?.message.contains("UTF-8") == true)
        let (precise, _) = FHIRCodec.read(Data("{\"resourceType\":\"Observation\",\"valueQuantity\":{\"value\":7.0}}".utf8), format: .json)
        let preciseOut = try FHIRCodec.write(try #require(precise), format: .json)
        #expect(String(decoding: preciseOut, as: UTF8.self) == "{\"resourceType\":\"Observation\",\"valueQuantity\":{\"value\":7.0}}")
    }

    @Test("lexical rules of the primitive types")
    func lexicalRules() throws {
        func valid<Kind: FHIRPrimitiveKind>(_ kind: Kind.Type, _ text: String) -> Bool { Kind.isValid(text) }
        #expect(valid(DateTimeKind.self, "2019-10-07T14:30:00+02:00") && valid(DateTimeKind.self, "2019") && valid(DateTimeKind.self, "2019-10"))
        #expect(!valid(DateTimeKind.self, "2019-10-07T14:30") && !valid(DateTimeKind.self, "2019-10-07T14:30:00"))
        #expect(valid(DateKind.self, "2019-10-07") && !valid(DateKind.self, "2019-10-07T14:30:00Z") && !valid(DateKind.self, "2019-00-07"))
        #expect(valid(InstantKind.self, "2019-10-07T14:30:00.123Z") && !valid(InstantKind.self, "2019-10-07"))
        #expect(valid(DecimalKind.self, "-0.50") && valid(DecimalKind.self, "6") && !valid(DecimalKind.self, "6 ") && !valid(DecimalKind.self, "1e3")
            && !valid(DecimalKind.self, "01") && !valid(DecimalKind.self, "٣"))
        #expect(valid(IntegerKind.self, "-12") && !valid(IntegerKind.self, "99999999999") && !valid(PositiveIntKind.self, "0"))
        #expect(valid(CodeKind.self, "a b") && !valid(CodeKind.self, " a") && !valid(CodeKind.self, "a  b"))
        #expect(valid(IDKind.self, "KIMXXX-Zhanganak") && !valid(IDKind.self, "a_b") && !valid(IDKind.self, String(repeating: "a", count: 65)))
        #expect(!valid(StringKind.self, "") && !valid(StringKind.self, "a\u{1}b") && valid(StringKind.self, "a\nb"))
        #expect(NationalDate.fhirRelative("${DATE, T, D, -13}", reference: "2026-11-25") == "2026-11-12")
        #expect(NationalDate.fhirRelative("${DATE, T, D, +2}T08:00:00+02:00", reference: "2026-11-25") == "2026-11-27T08:00:00+02:00")
        #expect(NationalDate.fhirRelative("${DATE, T, D, -99999999}", reference: "2026-11-25") == nil)
    }

    // MARK: - Comparing XML trees

    static func tree(_ data: Data, keepingXHTML: Bool = true) throws -> XMLElementTree {
        guard case .document(let document) = SafeXMLParser().parse(data),
              let tree = document.elementTree(keptWhole: keepingXHTML ? ["http://www.w3.org/1999/xhtml"] : []) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return tree
    }

    /// The tree with relative test dates resolved as the reader resolves them.
    static func resolved(_ tree: XMLElementTree) -> XMLElementTree {
        var tree = tree
        tree.attributes = tree.attributes.map { attribute in
            var attribute = attribute
            if attribute.name == "value", let date = NationalDate.fhirRelative(attribute.value, reference: reference) { attribute.value = date }
            return attribute
        }
        tree.children = tree.children.map(resolved)
        return tree
    }

    /// The tree with each element's children grouped by name (same-named ones keep their order).
    static func sorted(_ tree: XMLElementTree) -> XMLElementTree {
        var tree = tree
        tree.children = tree.children.enumerated().sorted { ($0.element.name, $0.offset) < ($1.element.name, $1.offset) }.map { sorted($0.element) }
        return tree
    }

    /// The first place two trees differ (names, attributes as sets, children in order, XHTML as parsed), or `nil`.
    static func firstDifference(_ a: XMLElementTree, _ b: XMLElementTree, path: String) -> String? {
        if a.name != b.name || a.namespace != b.namespace { return "\(path): \(a.name) vs \(b.name)" }
        if let x = a.outerXML {
            guard let y = b.outerXML else { return "\(path): narrative missing" }
            let tx = try? tree(Data(x.utf8), keepingXHTML: false), ty = try? tree(Data(y.utf8), keepingXHTML: false)
            return tx == nil || ty == nil ? "\(path): narrative unreadable" : firstDifference(tx!, ty!, path: path + "/div")
        }
        let attributes = { (t: XMLElementTree) in Set(t.attributes.map { "\($0.namespace)|\($0.name)=\($0.value)" }) }
        if attributes(a) != attributes(b) { return "\(path): attributes \(attributes(a).symmetricDifference(attributes(b)))" }
        if a.text != b.text { return "\(path): text" }
        if a.children.count != b.children.count {
            return "\(path): \(a.children.map(\.name)) vs \(b.children.map(\.name))"
        }
        for (index, (x, y)) in zip(a.children, b.children).enumerated() {
            if let difference = firstDifference(x, y, path: "\(path)/\(x.name)[\(index)]") { return difference }
        }
        return nil
    }
}

extension FHIRModelTests {
    @Test("hostile nesting: extensions in extensions to the depth limit read without exhausting the stack, deeper is refused")
    func deepExtensions() throws {
        func nested(_ depth: Int) -> String {
            String(repeating: #"{"url":"http://x.test/e","extension":["#, count: depth) + #"{"url":"http://x.test/e","valueString":"x"}"#
                + String(repeating: "]}", count: depth)
        }
        let within = #"{"resourceType":"Observation","status":"final","extension":["# + nested(95) + "]}"
        let (read, issues) = FHIRCodec.read(Data(within.utf8), format: .json)
        #expect(read != nil && issues.isEmpty, "\(issues.prefix(2))")
        let beyond = #"{"resourceType":"Observation","extension":["# + nested(150) + "]}"
        let (none, refused) = FHIRCodec.read(Data(beyond.utf8), format: .json)
        #expect(none == nil && refused.first?.message.contains("nested deeper") == true)
    }
}
