import Foundation

/// How long audit lines are kept: at least five years (Besluit bewaartermijn logging); a shorter
/// configuration is refused. Lines older than the configured period may be purged.
public enum AuditRetention {
    public static let minimumYears = 5

    /// `nil` when `years` is allowed, else why not.
    public static func problem(years: Int) -> String? {
        years < minimumYears ? "audit retention of \(years) years is below the legal minimum of \(minimumYears) years" : nil
    }

    /// The cutoff for a purge at `now`: lines written before it are older than `years` (UTC ISO 8601).
    public static func cutoff(now: Date, years: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        return (calendar.date(byAdding: .year, value: -years, to: now) ?? now).formatted(.iso8601)
    }
}
