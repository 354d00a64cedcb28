import Foundation
import Hummingbird
import PerigateCore

/// Dashboard and message search: metadata only, never content or a BSN.
extension OperatorConsole {
    struct DashboardPage {
        var counts: [CountRow]
        var reasons: [ReasonRow]
        var queues: [QueueRow]
        var deadLetters: Int
        var chain: ChainStatus
    }

    struct CountRow {
        var kind: String
        var version: String
        var status: String
        var hour: Int
        var day: Int
    }

    struct ReasonRow {
        var code: CodeText
        var count: Int
    }

    struct QueueRow {
        var subscription: PartyText
        var partner: PartyText
        var pending: Int
        var oldest: String
        var failingSince: String?
    }

    /// `GET /console`.
    func dashboard(_ caller: Caller) async throws -> Response {
        let now = now()
        let hour = try await store.messageCounts(since: ConsoleFormat.iso(now.addingTimeInterval(-3600)))
        let day = try await store.messageCounts(since: ConsoleFormat.iso(now.addingTimeInterval(-86400)))
        let hourly = Dictionary(hour.map { ("\($0.kind)|\($0.version)|\($0.outcome)", $0.count) }, uniquingKeysWith: +)
        let counts = day.map { CountRow(kind: $0.kind, version: $0.version, status: ConsoleFormat.status($0.outcome, kind: $0.kind, version: $0.version),
                                        hour: hourly["\($0.kind)|\($0.version)|\($0.outcome)"] ?? 0, day: $0.count) }
        let reasons = try await store.rejectionReports(since: ConsoleFormat.iso(now.addingTimeInterval(-86400)), limit: 1000)
            .rejectionReasons().map { ReasonRow(code: CodeText($0.code), count: $0.count) }
        let directory = try await directory()
        let page = DashboardPage(counts: counts, reasons: reasons, queues: try await queues(now: now, directory: directory),
                                 deadLetters: try await store.deliveries(status: "dead").count, chain: try await chainStatus())
        try await store.appendAudit([caller.line("console.view", "R", "console:/console")])
        return html(render("dashboard", Shell(caller: caller, title: "Overzicht", section: "dashboard", page: page)))
    }

    func queues(now: Date, directory: ConsoleDirectory) async throws -> [QueueRow] {
        OutboxDepth.compute(pending: try await store.deliveries(status: "pending"), subscriptions: Array(directory.subscriptions.values), now: now)
            .map { depth in
                let subscription = directory.subscriptions[depth.subscription]
                // `inbox` is the pull inbox's queue (``OutboxDepth``).
                return QueueRow(subscription: directory.target(subscriptionId: subscription?.id),
                                partner: subscription.map { directory.party(id: $0.partnerId) } ?? PartyText(name: "(pull-inbox)", identifier: ""),
                                pending: depth.pending, oldest: depth.pending == 0 ? "–" : ConsoleFormat.age(depth.oldestAge),
                                failingSince: subscription?.failingSince.map(ConsoleFormat.time))
            }
    }

    struct MessagesPage {
        var query: SearchFields
        var results: [SummaryRow]
        var limitReached: Bool
        var links: PageLinks?
        var clientSearch: Bool
        var statuses: [Option]
        var kinds: [Option]
    }

    struct SearchFields {
        var id = ""
        var kind = ""
        var sender = ""
        var status = ""
        var from = ""
        var to = ""
    }

    struct Option {
        var value: String
        var label: String
        var selected: Bool
    }

    struct SummaryRow {
        var id: String
        var receivedAt: String
        var kind: String
        var status: String
        var accepted: Bool
        var sender: PartyText
        var size: String
    }

    static let searchLimit = 100

    /// `GET /console/messages?id=&soort=&afzender=&status=&van=&tot=&pagina=`: `id` is a prefix
    /// (taken literally), `soort` one of the known kinds; 100 per page, newest first.
    func messages(_ request: Request, _ caller: Caller) async throws -> Response {
        let parameters = request.uri.queryParameters
        func field(_ name: String) -> String { parameters.get(name).map { String($0) }?.trimmingCharacters(in: .whitespaces) ?? "" }
        let fields = SearchFields(id: field("id"), kind: field("soort"), sender: field("afzender"), status: field("status"),
                                  from: field("van"), to: field("tot"))
        let paging = Paging(request, size: Self.searchLimit)
        // One more than a page: whether there is a next one.
        let query = MessageQuery(idPrefix: fields.id.nilIfEmpty, kind: fields.kind.nilIfEmpty, senderURA: fields.sender.nilIfEmpty,
                                 outcome: fields.status.nilIfEmpty, from: ConsoleFormat.bound(fields.from, upper: false),
                                 to: ConsoleFormat.bound(fields.to, upper: true), limit: Self.searchLimit + 1, offset: paging.offset)
        let found = try await store.messageSummaries(matching: query)
        let summaries = Array(found.prefix(Self.searchLimit))
        let filters = ["id", "soort", "afzender", "status", "van", "tot"].filter { !field($0).isEmpty }
            .map { "\($0)=\(field($0))" }.joined(separator: "&")
        try await store.appendAudit([caller.line("console.view", "R", "console:/console/messages",
                                                 detail: "\(filters.isEmpty ? "newest" : filters): \(summaries.count) results"
                                                    + (paging.number > 1 ? ", page \(paging.number)" : ""))])
        return try await messagesPage(caller, fields: fields, summaries: summaries,
                                      links: paging.links(hasNext: found.count > Self.searchLimit), clientSearch: false)
    }

    func messagesPage(_ caller: Caller, fields: SearchFields, summaries: [MessageSummary], links: PageLinks?,
                      clientSearch: Bool) async throws -> Response {
        let statuses = ConsoleFormat.statuses.map {
            Option(value: $0, label: $0.isEmpty ? "alle" : ConsoleFormat.status($0), selected: $0 == fields.status)
        }
        let kinds = ([""] + self.kinds).map { Option(value: $0, label: $0.isEmpty ? "alle" : $0, selected: $0 == fields.kind) }
        let directory = try await directory()
        let rows = summaries.map {
            SummaryRow(id: $0.id, receivedAt: ConsoleFormat.time($0.receivedAt),
                       kind: [$0.kind, $0.version].compactMap { $0 }.joined(separator: " "),
                       status: ConsoleFormat.status($0.outcome, kind: $0.kind, version: $0.version),
                       accepted: $0.outcome == "accepted", sender: directory.party(ura: $0.senderURA), size: ConsoleFormat.bytes($0.size))
        }
        let page = MessagesPage(query: fields, results: rows, limitReached: links == nil && rows.count == Self.searchLimit, links: links,
                                clientSearch: clientSearch, statuses: statuses, kinds: kinds)
        return html(render("messages", Shell(caller: caller, title: clientSearch ? "Berichten van één cliënt" : "Berichten",
                                             section: "messages", page: page)))
    }

    struct ClientSearchForm: Decodable, CSRFCarrying {
        var csrf: String?
        var bsn: String?
        var reden: String?
    }

    /// `POST /console/messages/client` (log administrators): her messages, with a stated reason.
    /// The BSN travels in the form body, never in a URL; the audit line names her, so the search
    /// shows in her own access log.
    func clientMessages(_ caller: Caller, _ form: ClientSearchForm) async throws -> Response {
        let reason = form.reden?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard let bsn = form.bsn.flatMap(BSN.init)?.value else {
            return notice(caller, "Zoeken op BSN", "Dat is geen geldig BSN (9 cijfers, elfproef).", status: .badRequest)
        }
        guard reason.count >= 10 else {
            return notice(caller, "Zoeken op BSN", "Geef een reden op (minstens 10 tekens): zoeken op BSN wordt met die reden gelogd.",
                          status: .badRequest)
        }
        let summaries = try await store.messageSummaries(matching: MessageQuery(bsn: bsn, limit: Self.searchLimit))
        var line = caller.line("console.messages.client-search", "R", "bsn:\(bsn)/messages", detail: "reason: \(reason); \(summaries.count) results",
                               eventType: "log-access")
        line.objectDetail = AuditObject.client(bsn, category: "berichten", authorizationProtocol: "console:log-administrator")
        try await store.appendAudit([line])
        // A BSN never goes into a URL, so this list has no page links: the newest 100.
        return try await messagesPage(caller, fields: SearchFields(), summaries: summaries, links: nil, clientSearch: true)
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
