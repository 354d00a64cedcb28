import Foundation
import Testing
@testable import PerigateCore

@Suite("Identifiers and dates")
struct IdentifierTests {
    @Test("BSN elfproef", arguments: [
        ("123456782", true), ("123456789", false), ("000000000", false), ("999990007", true),
        ("999990111", true), ("99999011", false), ("12345678", false), ("12345 678", false), ("1234567890", false),
    ])
    func bsn(_ text: String, _ valid: Bool) {
        #expect((BSN(text) != nil) == valid)
    }

    @Test("8-digit BSN gets a leading zero; description is masked")
    func bsnNormalisation() throws {
        // 010000008: 0*9 + 1*8 + 0 + … + 8*(-1) = 0, divisible by 11
        let bsn = try #require(BSN("10000008"))
        #expect(bsn.value == "010000008")
        #expect(!bsn.description.contains("10000008"))
        #expect(BSN.problem(with: "12345678") == "fails the elfproef (11-check)")
    }

    @Test("AGB, URA, UZI formats")
    func providers() {
        #expect(ProviderIdentifier.agb.problem(with: "03051234") == nil)
        #expect(ProviderIdentifier.agb.problem(with: "3051234") != nil)
        #expect(ProviderIdentifier.ura.problem(with: "1234") == nil)
        #expect(ProviderIdentifier.ura.problem(with: "123456789") != nil)
        #expect(ProviderIdentifier.uzi.problem(with: "900012345") == nil)
        #expect(ProviderIdentifier.uzi.problem(with: "90001234a") != nil)
    }

    @Test("dates in XML Schema and HL7 TS forms compare as instants or days")
    func dates() throws {
        let a = try #require(ClinicalDate("2017-04-03T00:00:00"))
        let b = try #require(ClinicalDate("20160704000000"))
        #expect(b < a)
        #expect(try #require(ClinicalDate("2026-11-24")) < #require(ClinicalDate("2026-11-25T00:30:00+01:00")))
        #expect(try #require(ClinicalDate("2026-11-25")) == #require(ClinicalDate("2026-11-25T23:00:00+01:00")))
        #expect(ClinicalDate("T-306D") == nil)
        #expect(ClinicalDate("2026-02-30") == nil)
        #expect(ClinicalDate("20261125") != nil)
        // Without an offset: Dutch local time, summer (UTC+2) and winter (UTC+1).
        #expect(try #require(ClinicalDate("2026-07-01T12:00:00")).instant == Date(timeIntervalSince1970: 1_782_900_000))
        #expect(try #require(ClinicalDate("2026-01-01T12:00:00")).instant == Date(timeIntervalSince1970: 1_767_265_200))
        #expect(try #require(ClinicalDate("2026-01-01T12:00:00.250Z")).instant == Date(timeIntervalSince1970: 1_767_268_800))
        #expect(try #require(ClinicalDate("202601011200+0100")).instant == Date(timeIntervalSince1970: 1_767_265_200))
        #expect(ClinicalDate("2024-02-29") != nil)
        #expect(ClinicalDate("2026-13-01") == nil)
    }
}

@Suite("Hex")
struct HexTests {
    @Test("digests print as lowercase hex, two digits per byte")
    func encode() {
        #expect(Hex.encode([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(Hex.encode([UInt8]()) == "")
        // The SHA-256 of "abc" (FIPS 180-2 test vector).
        #expect(PartnerToken.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

@Suite("Fictitious BSNs")
struct FictitiousBSNTests {
    @Test("the series is distinct, valid and in the 9999 range")
    func series() {
        let series = BSN.fictitiousSeries(count: 2000)
        #expect(series.count == 2000)
        #expect(Set(series).count == 2000)
        #expect(series.allSatisfy { $0.hasPrefix("9999") && BSN($0) != nil })
    }
}
