import Foundation
import PerigateCore

/// One period of a flow chart in Dutch local time: its start and end, the axis label and the
/// words in each bar's `<title>`.
struct FlowBucket {
    var start: Date
    var end: Date
    var label: String
    var title: String

    /// The last 24 hours by the hour, the current hour last (a Dutch hour is a UTC hour).
    static func hours(endingAt now: Date) -> [FlowBucket] {
        let current = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
        return (0..<24).reversed().map { back in
            let start = current.addingTimeInterval(-3600 * Double(back))
            let end = start.addingTimeInterval(3600)
            return FlowBucket(start: start, end: end, label: DutchTime.format(start, "HH"),
                              title: DutchTime.format(start, "dd-MM-yyyy HH:mm") + "–" + DutchTime.format(end, "HH:mm")
                                + (DutchTime.zone.isDaylightSavingTime(for: start) ? " CEST" : " CET"))
        }
    }

    /// The last 7 Dutch calendar days, today last (a day is 23 or 25 hours when the clocks change).
    static func days(endingAt now: Date) -> [FlowBucket] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = DutchTime.zone
        let today = calendar.startOfDay(for: now)
        return (0..<7).reversed().compactMap { back in
            guard let start = calendar.date(byAdding: .day, value: -back, to: today),
                  let end = calendar.date(byAdding: .day, value: 1, to: start) else { return nil }
            return FlowBucket(start: start, end: end, label: DutchTime.format(start, "EEE dd-MM"), title: DutchTime.format(start, "EEEE dd-MM-yyyy"))
        }
    }
}

/// Accepted and rejected messages of one kind per period, as an inline SVG bar chart (the
/// `flowchart` template): a solid bar for accepted, a hatched one for rejected, each with its
/// number above it and in its `<title>`, so it reads without colour.
struct FlowChart {
    struct Bar {
        var x: Int
        var y: Int
        var width: Int
        var height: Int
        var rejected: Bool
        var count: Int
        /// Whether the number is written above the bar (not for 0).
        var labelled: Bool
        var title: String
    }

    struct Tick {
        var x: Int
        var label: String
    }

    var kind: String
    var caption: String
    var accepted: Int
    var rejected: Int
    var maximum: Int
    var bars: [Bar]
    var ticks: [Tick]
    var width: Int

    static let left = 40, top = 16, plot = 120, plotWidth = 672

    /// The chart of `kind` over `buckets` from the store's hourly counts.
    init(kind: String, caption: String, buckets: [FlowBucket], counts: [FlowCount]) {
        let name = kind == "-" ? "onbekend berichttype" : kind
        self.kind = name
        self.caption = caption
        var totals = Array(repeating: (accepted: 0, rejected: 0), count: buckets.count)
        for count in counts where count.kind == kind {
            guard let hour = try? Date(count.hour + ":00:00Z", strategy: .iso8601),
                  let index = buckets.firstIndex(where: { $0.start <= hour && hour < $0.end }) else { continue }
            if count.accepted { totals[index].accepted += count.count } else { totals[index].rejected += count.count }
        }
        accepted = totals.map(\.accepted).reduce(0, +)
        rejected = totals.map(\.rejected).reduce(0, +)
        maximum = max(1, totals.map { max($0.accepted, $0.rejected) }.max() ?? 0)
        let slot = Self.plotWidth / max(1, buckets.count)
        width = Self.left + slot * buckets.count
        var bars: [Bar] = []
        for (index, bucket) in buckets.enumerated() {
            for (offset, count, rejected) in [(0, totals[index].accepted, false), (1, totals[index].rejected, true)] {
                let height = count * Self.plot / maximum
                bars.append(Bar(x: Self.left + index * slot + slot / 10 + offset * slot * 2 / 5, y: Self.top + Self.plot - height,
                                width: slot * 2 / 5, height: height, rejected: rejected, count: count, labelled: count > 0,
                                title: "\(name), \(bucket.title): \(count) \(rejected ? "geweigerd" : "geaccepteerd")"))
            }
        }
        self.bars = bars
        ticks = buckets.enumerated().map { Tick(x: Self.left + $0.offset * slot + slot / 2, label: $0.element.label) }
    }
}
