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
