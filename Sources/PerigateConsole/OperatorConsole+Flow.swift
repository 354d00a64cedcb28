import Foundation
import Hummingbird
import PerigateCore

/// The flow page: per kind, accepted and rejected messages per hour over the last 24 hours and
/// per day over the last 7 days (Dutch local time), counted by the store per bucket.
extension OperatorConsole {
    struct FlowPage {
        var day: [FlowChart]
        var week: [FlowChart]
        var empty: Bool
    }

    /// `GET /console/flow`.
    func flow(_ caller: Caller) async throws -> Response {
        let now = now()
        let hours = FlowBucket.hours(endingAt: now)
        let days = FlowBucket.days(endingAt: now)
        let since = min(hours[0].start, days[0].start)
        let counts = try await store.messageFlow(since: ConsoleFormat.iso(since))
        let kinds = Set(counts.map(\.kind)).sorted()
        let page = FlowPage(
            day: kinds.map { FlowChart(kind: $0, caption: "per uur, laatste 24 uur", buckets: hours, counts: counts) },
            week: kinds.map { FlowChart(kind: $0, caption: "per dag, laatste 7 dagen", buckets: days, counts: counts) },
            empty: kinds.isEmpty)
        try await store.appendAudit([caller.line("console.view", "R", "console:/console/flow")])
        return html(render("flow", Shell(caller: caller, title: "Berichtenstroom", section: "flow", page: page)))
    }
}
