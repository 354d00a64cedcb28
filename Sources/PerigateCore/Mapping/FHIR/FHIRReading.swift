import Foundation
import PerigateFHIR

extension NationalDate {
    /// A Nictiz FHIR test date, `${DATE, T, D, -13}` optionally followed by a time
    /// (`T08:00:00+02:00`), as a date counted from `reference` (`yyyy-mm-dd`); `nil` when it is not
    /// one. The same rule as the ADA form `T-13D` (``relative(_:reference:)``), bounds included.
    public static func fhirRelative(_ text: String, reference: String) -> String? {
        guard text.hasPrefix("${DATE,"), let close = text.firstIndex(of: "}") else { return nil }
        let parts = text[text.index(text.startIndex, offsetBy: 7)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 3, parts[0] == "T", ["D", "M", "Y"].contains(parts[1]) else { return nil }
        var amount = parts[2]
        if !amount.hasPrefix("-") && !amount.hasPrefix("+") { amount = "+" + amount }
        guard let date = try? relative("T" + amount + parts[1], reference: reference) else { return nil }
        return date + text[text.index(after: close)...]
    }
}

extension FHIRDecodingOptions {
    /// Options for reading FHIR messages with `reference` as the day relative test dates count
    /// from (`mapping.referenceDate`; `nil`: such dates are issues).
    public init(reference: String?) {
        guard let reference else {
            self.init()
            return
        }
        self.init(resolveRelativeDate: { NationalDate.fhirRelative($0, reference: reference) })
    }
}

/// Code systems as FHIR names them. The national messages (HL7v3, ADA) give a code system as
/// its OID; FHIR wants a URI: the well-known ones by their FHIR URI, any other as `urn:oid:`.
enum FHIRCodeSystems {
    static let byOID: [String: String] = [
        "2.16.840.1.113883.6.96": "http://snomed.info/sct", "2.16.840.1.113883.6.1": "http://loinc.org",
        "2.16.840.1.113883.6.8": "http://unitsofmeasure.org", "2.16.840.1.113883.5.111": "http://hl7.org/fhir/v3/RoleCode",
        "2.16.840.1.113883.5.4": "http://hl7.org/fhir/v3/ActCode", "2.16.840.1.113883.5.1008": "http://hl7.org/fhir/v3/NullFlavor",
    ]

    /// A child's sex: FHIR's administrative gender and the record's (`man`, `vrouw`, `onbepaald`, as the national messages).
    static let sexByGender = ["male": "man", "female": "vrouw", "other": "onbepaald"]
    static let genderBySex = Dictionary(uniqueKeysWithValues: sexByGender.map { ($0.value, $0.key) })

    /// A code system as a FHIR URI: a bare OID becomes its URI; a URI stays as given.
    static func uri(_ system: String?) -> String? {
        guard let system, let first = system.first, first.isNumber else { return system }
        return byOID[system] ?? "urn:oid:" + system
    }

    /// One name for one code system, whichever way a message wrote it (OID, `urn:oid:`, FHIR URI):
    /// for comparing codes across formats.
    static func normalised(_ system: String?) -> String? {
        guard let system else { return nil }
        return uri(system.hasPrefix("urn:oid:") ? String(system.dropFirst("urn:oid:".count)) : system)
    }
}
