import Foundation

/// A date or date-time read from a message: XML Schema (`2026-03-02`, `2026-03-02T10:15:00+01:00`)
/// or HL7v3 TS (`20260302`, `202603021015`, `20260302101500+0100`).
///
/// Values without an offset are read as Dutch local time (Europe/Amsterdam). Relative ADA
/// test dates such as `T-306D` are not dates and parse to `nil`. Parsing is plain arithmetic
/// (no Calendar objects): it runs for every date a semantic check reads.
struct ClinicalDate: Comparable {
    /// The instant (start of day for date-only values).
    var instant: Date
    /// True when the value had no time of day.
    var dateOnly: Bool
    /// The calendar day as written, `yyyymmdd`; date-only comparisons use it.
    var day: Int

    static let dutchTimeZone = TimeZone(identifier: "Europe/Amsterdam") ?? TimeZone(secondsFromGMT: 3600)!
    static let dutchCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = dutchTimeZone
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

    /// The Dutch calendar day of an instant (e.g. "today"), as a date-only value.
    init(dayOf instant: Date) {
        let parts = Self.dutchCalendar.dateComponents([.year, .month, .day], from: instant)
        self.instant = instant
        dateOnly = true
        day = (parts.year ?? 0) * 10_000 + (parts.month ?? 0) * 100 + (parts.day ?? 0)
    }

    init?(_ text: String) {
        var bytes = Array(text.utf8)
        while let last = bytes.last, last == 32 || last == 10 || last == 13 || last == 9 { bytes.removeLast() }
        while let first = bytes.first, first == 32 || first == 10 || first == 13 || first == 9 { bytes.removeFirst() }
        let parsed = bytes.count >= 5 && bytes[4] == UInt8(ascii: "-") ? Self.parseXSD(bytes) : Self.parseHL7(bytes)
        guard let parsed else { return nil }
        self = parsed
    }

    private static func parseXSD(_ b: [UInt8]) -> ClinicalDate? {
        guard b.count >= 10, b[7] == UInt8(ascii: "-"), let year = number(b, 0, 4), let month = number(b, 5, 2),
              let day = number(b, 8, 2) else { return nil }
        if b.count == 10 { return make(year, month, day, 0, 0, 0, offset: .some(nil), dateOnly: true) }
        guard b.count >= 19, b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let hour = number(b, 11, 2), let minute = number(b, 14, 2), let second = number(b, 17, 2)
        else { return nil }
        return make(year, month, day, hour, minute, second, offset: offsetSeconds(b, from: 19), dateOnly: false)
    }

    private static func parseHL7(_ b: [UInt8]) -> ClinicalDate? {
        let digits = b.prefix { $0 >= 48 && $0 <= 57 }.count
        guard digits >= 8, digits % 2 == 0, digits <= 14,
              let year = number(b, 0, 4), let month = number(b, 4, 2), let day = number(b, 6, 2) else { return nil }
        let hour = digits >= 10 ? number(b, 8, 2) ?? 0 : 0
        let minute = digits >= 12 ? number(b, 10, 2) ?? 0 : 0
        let second = digits >= 14 ? number(b, 12, 2) ?? 0 : 0
        return make(year, month, day, hour, minute, second, offset: offsetSeconds(b, from: digits), dateOnly: digits == 8)
    }

    private static func number(_ b: [UInt8], _ offset: Int, _ length: Int) -> Int? {
        guard offset + length <= b.count else { return nil }
        var result = 0
        for byte in b[offset..<offset + length] {
            guard byte >= 48, byte <= 57 else { return nil }
            result = result * 10 + Int(byte - 48)
        }
        return result
    }

    /// Skips fractional seconds, then reads `Z`, `+01:00` or `+0100`. `.some(nil)`: no offset;
    /// `nil`: not a valid suffix.
    private static func offsetSeconds(_ b: [UInt8], from start: Int) -> Int?? {
        var index = start
        if index < b.count, b[index] == UInt8(ascii: ".") {
            index += 1
            while index < b.count, b[index] >= 48, b[index] <= 57 { index += 1 }
        }
        let rest = Array(b[index...])
        if rest.isEmpty { return .some(nil) }
        if rest == [UInt8(ascii: "Z")] { return .some(0) }
        guard let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        let digits = rest.dropFirst().filter { $0 != UInt8(ascii: ":") }
        guard digits.count == 4, let hours = number(Array(digits), 0, 2), let minutes = number(Array(digits), 2, 2) else { return nil }
        return .some((sign == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60))
    }

    private static func make(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int,
                             offset: Int??, dateOnly: Bool) -> ClinicalDate? {
        guard let offset, (1...12).contains(month), day >= 1, day <= daysIn(month, year),
              hour < 24, minute < 60, second < 61 else { return nil }
        let local = Double(daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
        let instant: Date
        if let offset {
            instant = Date(timeIntervalSince1970: local - Double(offset))
        } else {
            let guess = Date(timeIntervalSince1970: local - 3600)
            instant = Date(timeIntervalSince1970: local - Double(dutchTimeZone.secondsFromGMT(for: guess)))
        }
        return ClinicalDate(instant: instant, dateOnly: dateOnly, day: year * 10_000 + month * 100 + day)
    }

    private init(instant: Date, dateOnly: Bool, day: Int) {
        self.instant = instant
        self.dateOnly = dateOnly
        self.day = day
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
