import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport
import PerigateXML

/// One canonical form per value, whatever the format a mapper reads it from.
@Suite("Canonical values of the national standards")
struct CanonicalValueTests {
    @Test("date-times always carry seconds, keep the zone when the message has one, drop fractions",
          arguments: [
              ("201312092300", "2013-12-09T23:00:00"), ("2013120923", "2013-12-09T23:00:00"), ("20140301000000", "2014-03-01T00:00:00"),
              ("20191007143000+0100", "2019-10-07T14:30:00+01:00"), ("20191007143000.123-0200", "2019-10-07T14:30:00-02:00"),
              ("2019-10-07T14:30", "2019-10-07T14:30:00"), ("2019-10-07T14:30:00", "2019-10-07T14:30:00"),
              ("2020-01-27T09:56:24.992+01:00", "2020-01-27T09:56:24+01:00"), ("2020-01-27T09:56:24Z", "2020-01-27T09:56:24Z"),
              ("2020-01-27T09:56+0100", "2020-01-27T09:56:00+01:00"), ("2019-10-07T14", "2019-10-07T14:00:00"),
              ("19810101", "1981-01-01"), ("1981-01-01", "1981-01-01"), ("198101", "1981-01"), ("1981-01", "1981-01"), ("1981", "1981"),
              ("2019-10-07Z", "2019-10-07Z"), ("2019-10-07+0100", "2019-10-07+01:00"), ("2019-10-07-05:00", "2019-10-07-05:00"),
              ("T-86D{14:30}", "2019-10-07T14:30:00"), ("T-86D{14:30:00}", "2019-10-07T14:30:00"), ("T-306D", "2019-03-01"),
          ])
    func dateTimes(_ raw: String, _ canonical: String) throws {
        #expect(try NationalDate.iso(raw, reference: "2020-01-01") == canonical)
    }

    @Test("the same instant from ADA and from HL7v3 is the same string")
    func sameInstant() throws {
        #expect(try NationalDate.iso("T-86D{14:30}", reference: "2020-01-01") == NationalDate.iso("201910071430", reference: nil))
        #expect(try NationalDate.iso("2019-10-07T14:30", reference: nil) == NationalDate.iso("20191007143000", reference: nil))
    }

    @Test("what is not a date is refused, not passed on", arguments: ["2019-10-07T1430", "2019-1-07", "2019-10-07T14:30+01", "20191", "T-5X", "2019-10-07T25:00:00x",
                     // The sender controls these: no trap, no far-off year, no other digits.
                     "T--9223372036854775808D", "T-9223372036854775807D", "T-999999D", "T-201Y", "T+2401M", "T-1e3D",
                     "٢٠١٩-١٠-٠٧", "2019-10-07T14:30:00.x", "2019-10Z"])
    func notDates(_ raw: String) {
        #expect(throws: MappingError.self) { try NationalDate.iso(raw, reference: "2020-01-01") }
    }

    @Test("decimal quantities: one form for one number", arguments: [("24.0", "24"), ("24,50", "24.5"), ("34.2", "34.2"), ("+3", "3"), ("0.50", "0.5")])
    func decimals(_ raw: String, _ canonical: String) {
        #expect(NationalReader.canonicalDecimal(raw) == canonical)
    }

    @Test("what is not a number is no quantity", arguments: ["", "6 kg", "1e3", "abc", "24.5.7", "1,234,5", "٢٤", "½", "--3"])
    func notDecimals(_ raw: String) {
        #expect(NationalReader.canonicalDecimal(raw) == nil)
    }

    @Test("Perigate's own kinds give date-times in the same form: a fraction of a second is dropped")
    func ownKinds() throws {
        let url = TestSupport.samples.appendingPathComponent("valid/terugverwijzing-1-na-bevalling.xml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let original = try #require(text.firstMatch(of: /<geboorteDatumTijd>([^<]+)<\/geboorteDatumTijd>/).map { String($0.1) })
        #expect(original.hasSuffix(":00+01:00"))
        let fractional = text.replacingOccurrences(of: "<geboorteDatumTijd>\(original)", with: "<geboorteDatumTijd>\(original.dropLast(6)).250+01:00")
        let validator = TestSupport.validator()
        guard case .mapped(let facts) = try CanonicalMapper(registry: TestSupport.ownRegistry).read(Data(fractional.utf8), validator: validator) else {
            Issue.record("not mapped")
            return
        }
        #expect(facts.children.first?.birthDateTime == original)
    }

    @Test("ingest.acceptWithoutSchema: a kind covers its versions without a public XSD; an XSD the pack names but lacks needs its version listed")
    func waiver() {
        func report(_ kind: String, _ version: String, _ code: String) -> ValidationReport {
            ValidationReport(outcome: .schemaRequired, kind: kind, version: version, issues: [ValidationIssue(code: code, message: "m")])
        }
        let noPublic = report("kernset-hl7v3", "2.3", "schema.required")
        let notInstalled = report("jgz-dossieroverdracht-hl7v3", "8.0", "schema.not-installed")
        #expect(SchemaWaiver.listed(["kernset-hl7v3"]).allows(noPublic))
        #expect(!SchemaWaiver.listed(["jgz-dossieroverdracht-hl7v3"]).allows(notInstalled))
        #expect(SchemaWaiver.listed(["jgz-dossieroverdracht-hl7v3 8.0"]).allows(notInstalled))
        #expect(!SchemaWaiver.listed(["jgz-dossieroverdracht-hl7v3 7.0"]).allows(notInstalled))
        #expect(!SchemaWaiver.none.allows(noPublic) && SchemaWaiver.all.allows(notInstalled))
        #expect(!SchemaWaiver.all.allows(ValidationReport(outcome: .invalid, kind: "kernset-hl7v3", version: "2.3")))
    }
}
