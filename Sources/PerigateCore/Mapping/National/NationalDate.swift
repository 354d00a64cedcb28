import Foundation

/// Dates of the national perinatal standards in the canonical form, one per value whatever the
/// format: a date `yyyy-mm-dd` (or `yyyy`, `yyyy-mm` as sent); a date-time always with seconds,
/// `yyyy-mm-ddThh:mm:ss`, fractions dropped, and the zone `±hh:mm` (or `Z`) when the message has
/// one. HL7v3 TS (`20191007143000+0100`), ADA ISO values (`2019-10-07T14:30`) and the relative
/// dates of ADA test files (`T-306D`, `T-86D{14:30}`, which need a reference day) all come out so:
/// the same instant from ADA and from HL7v3 is the same string.
public enum NationalDate {
    /// `19810101` → `1981-01-01`; `201312092300` → `2013-12-09T23:00:00`; `2019-10-07T14:30` →
    /// `2019-10-07T14:30:00`; `2020-01-27T09:56:24.992+01:00` → `2020-01-27T09:56:24+01:00`; a
    /// relative ADA value is resolved against `reference` (`yyyy-mm-dd`). Throws for a relative
    /// value without a reference, and for anything that is not a date.
    public static func iso(_ raw: String, reference: String?) throws -> String {
        let value = raw.trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("T") { return try relative(value, reference: reference) }
        if value.count >= 7, value.dropFirst(4).first == "-" { return try isoCanonical(value) }
        return try hl7(value)
    }

    /// An ISO 8601 value (ADA, Perigate) in the canonical form: seconds added, fractions dropped,
    /// the zone written `±hh:mm` or `Z`.
    static func isoCanonical(_ value: String) throws -> String {
        guard let t = value.firstIndex(of: "T") else {
            // A date (or a year-month) stays as it is, once it is one; an xs:date may carry a
            // zone (`2019-10-07Z`, `2019-10-07+01:00`), written as for date-times.
            var date = Substring(value)
            var zone = ""
            if date.hasSuffix("Z") {
                zone = "Z"
                date = date.dropLast()
            } else if date.count > 10, let sign = date.dropFirst(10).firstIndex(where: { $0 == "+" || $0 == "-" }) {
                zone = try Self.zone(date[sign...], of: value)
                date = date[..<sign]
            }
            let parts = date.split(separator: "-", omittingEmptySubsequences: false)
            guard (2...3).contains(parts.count), parts[0].count == 4,
                  parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(isASCIIDigit) }), parts.dropFirst().allSatisfy({ $0.count == 2 }),
                  zone.isEmpty || parts.count == 3 else {
                throw invalid(value)
            }
            return String(date) + zone
        }
        let date = value[..<t]
        var time = value[value.index(after: t)...]
        var zone = ""
        if time.hasSuffix("Z") {
            zone = "Z"
            time = time.dropLast()
        } else if let sign = time.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            zone = try Self.zone(time[sign...], of: value)
            time = time[..<sign]
        }
        if let dot = time.firstIndex(of: ".") {
            guard time[time.index(after: dot)...].allSatisfy(isASCIIDigit) else { throw invalid(value) }
            time = time[..<dot]
        }
        var fields = time.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(fields.count), fields.allSatisfy({ $0.count == 2 && $0.allSatisfy(isASCIIDigit) }) else {
            throw invalid(value)
        }
        while fields.count < 3 { fields.append("00") }
        return try isoCanonical(String(date)) + "T" + fields.joined(separator: ":") + zone
    }

    /// `+0100`, `+01:00` → `+01:00`.
    static func zone(_ text: Substring, of value: String) throws -> String {
        let offset = text.dropFirst().filter { $0 != ":" }
        guard offset.count == 4, offset.allSatisfy(isASCIIDigit), let sign = text.first else { throw invalid(value) }
        return String(sign) + offset.prefix(2) + ":" + offset.suffix(2)
    }

    static func hl7(_ value: String) throws -> String {
        let digits = value.prefix(while: isASCIIDigit)
        var rest = value.dropFirst(digits.count)
        // Fractions of a second are dropped; the offset is kept.
        if rest.first == "." { rest = rest.drop { $0 == "." || isASCIIDigit($0) } }
        guard [4, 6, 8, 10, 12, 14].contains(digits.count) else { throw invalid(value) }
        let d = Array(digits)
        func part(_ from: Int, _ length: Int) -> String { String(d[from..<(from + length)]) }
        var result = part(0, 4)
        if d.count >= 6 { result += "-" + part(4, 2) }
        if d.count >= 8 { result += "-" + part(6, 2) }
        if d.count >= 10 {
            result += "T" + part(8, 2) + ":" + (d.count >= 12 ? part(10, 2) : "00") + ":" + (d.count >= 14 ? part(12, 2) : "00")
        }
        if !rest.isEmpty {
            let offset = Array(rest)
            guard d.count >= 10, offset.count == 5, offset[0] == "+" || offset[0] == "-", offset.dropFirst().allSatisfy(isASCIIDigit) else {
                throw invalid(value)
            }
            result += String(offset[0]) + String(offset[1...2]) + ":" + String(offset[3...4])
        }
        return result
    }

    /// `T`, `T-306D`, `T+2M`, `T-39Y`, optionally with a time of day `{14:30:00}`.
    static func relative(_ value: String, reference: String?) throws -> String {
        guard let reference else {
            throw MappingError(code: .relativeDate,
                               message: "'\(value)' is a relative test date; map with a reference date (--reference-date, mapping.referenceDate)")
        }
        let parts = reference.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { throw MappingError(code: .referenceDate, message: "reference date '\(reference)' is not yyyy-mm-dd") }
        var body = value.dropFirst()
        var time: String?
        if let open = body.firstIndex(of: "{"), body.last == "}" {
            time = String(body[body.index(after: open)..<body.index(before: body.endIndex)])
            body = body[..<open]
        }
        var components = DateComponents()
        if !body.isEmpty {
            // Digits only, and a bounded amount (at most 200 years): the sender controls the text.
            let digits = body.dropFirst().dropLast()
            guard let sign = body.first, sign == "+" || sign == "-", let unit = body.last,
                  (1...6).contains(digits.count), digits.allSatisfy(Self.isASCIIDigit), let amount = Int(digits) else {
                throw invalid(value)
            }
            let signed = sign == "-" ? -amount : amount
            switch unit {
            case "D" where amount <= 73_050: components.day = signed
            case "M" where amount <= 2_400: components.month = signed
            case "Y" where amount <= 200: components.year = signed
            default: throw invalid(value)
            }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        guard let start = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
              let day = calendar.date(byAdding: components, to: start) else { throw invalid(value) }
        let ymd = calendar.dateComponents([.year, .month, .day], from: day)
        let date = String(format: "%04d-%02d-%02d", ymd.year ?? 0, ymd.month ?? 0, ymd.day ?? 0)
        guard let time else { return date }
        return try isoCanonical(date + "T" + time)
    }

    /// `0`…`9` only: `Character.isNumber` also takes Arabic-Indic digits, `½` and `Ⅻ`.
    static func isASCIIDigit(_ character: Character) -> Bool {
        ("0"..."9").contains(character)
    }

    static func invalid(_ value: String) -> MappingError {
        MappingError(code: .invalidDate, message: "'\(value)' is not a date")
    }

    /// Whether `day` can be a reference day: a real calendar date written `yyyy-mm-dd`
    /// (`2020-02-30` and `2020-1-1` are not).
    public static func isReferenceDay(_ day: String) -> Bool {
        (try? relative("T", reference: day)) == day
    }

    /// A duration in days as the record's `weeks+days` (`59` → `8+3`).
    public static func weeksAndDays(_ days: Int) -> String {
        "\(days / 7)+\(days % 7)"
    }
}
