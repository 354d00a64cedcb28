import Foundation

/// A Dutch citizen service number (burgerservicenummer) that passed the elfproef.
///
/// Normalised to 9 digits: an 8-digit input gets a leading zero. `description` is masked so a
/// BSN never lands in a process log by accident; use ``value`` deliberately.
public struct BSN: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The normalised 9-digit number.
    public let value: String

    /// The OID of the BSN system in HL7v3 messages.
    public static let oid = "2.16.840.1.113883.2.4.6.3"

    /// Up to `count` (at most ~9,000) valid-format fictitious BSNs `9999nnnnc` — a range not
    /// issued to people — for benchmarks and tests.
    public static func fictitiousSeries(count: Int) -> [String] {
        var result: [String] = []
        var n = 0
        while result.count < count, n < 10_000 {
            let stem = "9999" + String(format: "%04d", n)
            n += 1
            let weighted = zip(stem.compactMap(\.wholeNumberValue), [9, 8, 7, 6, 5, 4, 3, 2]).map(*).reduce(0, +)
            guard weighted % 11 < 10, let bsn = BSN(stem + String(weighted % 11)) else { continue }
            result.append(bsn.value)
        }
        return result
    }

    /// Parses and checks a BSN; `nil` when it is not 8 or 9 digits or fails the elfproef.
    public init?(_ text: String) {
        guard let normalised = Self.normalise(text), Self.passesElfproef(normalised) else { return nil }
        value = normalised
    }

    /// Why `text` is not a valid BSN, or `nil` when it is.
    public static func problem(with text: String) -> String? {
        guard let normalised = normalise(text) else { return "does not have 9 digits" }
        return passesElfproef(normalised) ? nil : "fails the elfproef (11-check)"
    }

    /// Weights 9..2 and -1; valid when the sum is divisible by 11 and the number is not all zeros.
    static func passesElfproef(_ digits: String) -> Bool {
        let values = digits.utf8.map { Int($0) - 48 }
        guard values.count == 9, values.allSatisfy({ (0...9).contains($0) }), values.contains(where: { $0 != 0 }) else {
            return false
        }
        var sum = -values[8]
        for index in 0..<8 { sum += values[index] * (9 - index) }
        return sum % 11 == 0
    }

    static func normalise(_ text: String) -> String? {
        let trimmed = text.trimmingWhitespace
        guard trimmed.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        switch trimmed.utf8.count {
        case 9: return trimmed
        case 8: return "0" + trimmed
        default: return nil
        }
    }

    public var description: String { "BSN(***\(value.suffix(2)))" }
}
