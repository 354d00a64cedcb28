import Foundation

/// A date or date-time read from a message: XML Schema (`2026-03-02`, `2026-03-02T10:15:00+01:00`)
/// or HL7v3 TS (`20260302`, `202603021015`, `20260302101500+0100`).
///
/// Values without an offset are read as Dutch local time (Europe/Amsterdam). Relative ADA
/// test dates such as `T-306D` are not dates and parse to `nil`.
struct ClinicalDate: Comparable {
    /// The instant (start of day for date-only values).
    var instant: Date
    /// True when the value had no time of day.
    var dateOnly: Bool

    static let dutchTimeZone = TimeZone(identifier: "Europe/Amsterdam") ?? TimeZone(secondsFromGMT: 3600)!
    /// Built once: creating calendars per value dominated the cost of semantic checks.
    static let dutchCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = dutchTimeZone
        return calendar
    }()
    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        return calendar
    }()

    static func < (lhs: ClinicalDate, rhs: ClinicalDate) -> Bool {
        if lhs.dateOnly || rhs.dateOnly {
            return lhs.day < rhs.day
        }
        return lhs.instant < rhs.instant
    }

    static func == (lhs: ClinicalDate, rhs: ClinicalDate) -> Bool {
        !(lhs < rhs) && !(rhs < lhs)
    }

    /// The calendar day in Dutch local time, as `yyyymmdd`.
    var day: Int {
        let parts = Self.dutchCalendar.dateComponents([.year, .month, .day], from: instant)
        return (parts.year ?? 0) * 10_000 + (parts.month ?? 0) * 100 + (parts.day ?? 0)
    }

    init(instant: Date, dateOnly: Bool) {
        self.instant = instant
        self.dateOnly = dateOnly
    }

    init?(_ text: String) {
        let value = text.trimmingWhitespace
        let bytes = Array(value.utf8)
        let parsed: ClinicalDate?
        if bytes.count >= 5, bytes[4] == UInt8(ascii: "-") {
            parsed = Self.parseXSD(value)
        } else {
            parsed = Self.parseHL7(value)
        }
        guard let parsed else { return nil }
        self = parsed
    }

    private static func parseXSD(_ value: String) -> ClinicalDate? {
        let scalars = Array(value.utf8)
        guard scalars.count >= 10, scalars[4] == UInt8(ascii: "-"), scalars[7] == UInt8(ascii: "-") else { return nil }
        guard let year = Int(value.prefix(4)), let month = number(value, 5, 2), let day = number(value, 8, 2) else { return nil }
        if scalars.count == 10 {
            return make(year, month, day, 0, 0, 0, offset: .some(nil), dateOnly: true)
        }
        guard scalars.count >= 19, scalars[10] == UInt8(ascii: "T"),
              let hour = number(value, 11, 2), let minute = number(value, 14, 2), let second = number(value, 17, 2)
        else { return nil }
        var rest = String(value.dropFirst(19))
        if rest.hasPrefix(".") { rest = String(rest.drop(while: { $0 == "." || $0.isASCIIDigit })) }
        return make(year, month, day, hour, minute, second, offset: offsetSeconds(rest), dateOnly: false)
    }

    private static func parseHL7(_ value: String) -> ClinicalDate? {
        let digits = String(value.prefix(while: \.isASCIIDigit))
        guard digits.count >= 8, let year = Int(digits.prefix(4)),
              let month = number(digits, 4, 2), let day = number(digits, 6, 2) else { return nil }
        let hour = number(digits, 8, 2) ?? 0
        let minute = number(digits, 10, 2) ?? 0
        let second = number(digits, 12, 2) ?? 0
        var rest = String(value.dropFirst(digits.count))
        if rest.hasPrefix(".") { rest = String(rest.drop(while: { $0 == "." || $0.isASCIIDigit })) }
        return make(year, month, day, hour, minute, second, offset: offsetSeconds(rest), dateOnly: digits.count == 8)
    }

    private static func number(_ text: String, _ offset: Int, _ length: Int) -> Int? {
        let scalars = Array(text.utf8)
        guard offset + length <= scalars.count else { return nil }
        var result = 0
        for byte in scalars[offset..<offset + length] {
            guard byte >= 48, byte <= 57 else { return nil }
            result = result * 10 + Int(byte - 48)
        }
        return result
    }

    /// `Z`, `+01:00`, `+0100`; `nil` for no offset.
    private static func offsetSeconds(_ text: String) -> Int?? {
        if text.isEmpty { return .some(nil) }
        if text == "Z" { return .some(0) }
        guard let sign = text.first, sign == "+" || sign == "-" else { return nil }
        let digits = text.dropFirst().filter { $0 != ":" }
        guard digits.count == 4, let hours = Int(digits.prefix(2)), let minutes = Int(digits.suffix(2)) else { return nil }
        return .some((sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60))
    }

    private static func make(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int,
                             offset: Int??, dateOnly: Bool) -> ClinicalDate? {
        guard let offset else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 25, minute < 60, second < 61 else { return nil }
        let calendar = offset == nil ? dutchCalendar : utcCalendar
        let parts = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard parts.isValidDate(in: calendar), let date = calendar.date(from: parts) else { return nil }
        return ClinicalDate(instant: date.addingTimeInterval(-Double(offset ?? 0)), dateOnly: dateOnly)
    }
}
