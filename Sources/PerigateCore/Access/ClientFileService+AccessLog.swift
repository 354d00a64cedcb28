import Foundation

extension ClientFileService {
    /// Who asks for a client's access log: a partner acting for her (care team), or the client
    /// herself through a client-portal credential.
    public enum Requester: Sendable {
        case partner(Partner, IngestService.Caller)
        case client(ClientCredential, accessPoint: String?, traceId: String?)
    }

    /// The Wabvpz 15e copy: who made her data available through the gateway and when, and who
    /// viewed, requested or received it and when.
    public struct AccessLogCopy: Sendable, Codable, Hashable {
        /// Her masked reference (`bsn:******007`), as in her access log.
        public var client: String
        public var madeAvailable: [AccessLogEntry]
        /// Every disclosure: record reads (allowed and refused) and every message handed out —
        /// webhook deliveries and inbox hand-outs — naming the receiving organisation.
        public var viewedOrRequested: [AccessLogEntry]

        /// The copy's selection rule, in one place: *made available* = every accepted message
        /// about her (`message.import`, success); *viewed or requested* = every read of her data
        /// that is not an access to the log itself (`record.read`, `message.read…`, allowed or
        /// refused) and every disclosure of a message to another organisation (`message.export`,
        /// success: a webhook delivered, an inbox item handed out).
        public static func select(_ lines: [AuditEntry]) -> (madeAvailable: [AuditEntry], viewedOrRequested: [AuditEntry]) {
            let available = lines.filter { $0.event == "message.import" && $0.outcome == "success" }
            let disclosed = lines.filter {
                ($0.action == "R" && $0.eventType != "log-access") || ($0.event == "message.export" && $0.outcome == "success")
            }
            return (available, disclosed)
        }
    }

    public enum LogOutcome: Sendable, Hashable {
        case log([AccessLogEntry])
        case copy(AccessLogCopy)
        case refused(AccessPolicy.Refusal)
        case invalid(String)
    }

    /// Her own access log between two local dates (`YYYY-MM-DD`, inclusive; `nil`: unbounded),
    /// in plain Dutch. The request itself is logged (event type `log-access`) before anything
    /// is returned.
    public func accessLog(bsn: BSN, from: String?, to: String?, requester: Requester) async throws -> LogOutcome {
        guard let bounds = Self.bounds(from: from, to: to) else {
            return .invalid("from and to must be calendar dates (YYYY-MM-DD), from not after to")
        }
        let query = [from.map { "from=\($0)" }, to.map { "to=\($0)" }].compactMap { $0 }.joined(separator: "&")
        if let refusal = try await logAccess(bsn: bsn, event: "access-log.read", query: query, requester: requester) {
            return .refused(refusal)
        }
        return .log(AccessLogPresenter.entries(try await store.auditEntries(client: bsn.value, from: bounds.from, to: bounds.to)))
    }

    /// The 15e copy of everything kept about her access.
    public func accessLogCopy(bsn: BSN, requester: Requester) async throws -> LogOutcome {
        if let refusal = try await logAccess(bsn: bsn, event: "access-log.copy", query: nil, requester: requester) {
            return .refused(refusal)
        }
        let lines = try await store.auditEntries(client: bsn.value, from: nil, to: nil)
        let (available, viewed) = AccessLogCopy.select(lines)
        return .copy(AccessLogCopy(client: Receipt.maskedReference(bsn: bsn.value), madeAvailable: AccessLogPresenter.entries(available),
                                   viewedOrRequested: AccessLogPresenter.entries(viewed)))
    }

    /// Authorizes and logs one access to her log; the refusal, or `nil` when allowed.
    private func logAccess(bsn: BSN, event: String, query: String?, requester: Requester) async throws -> AccessPolicy.Refusal? {
        let time = now().formatted(.iso8601)
        let object = "bsn:\(bsn.value)/access-log"
        let detail = AuditObject.client(bsn.value, category: "toegangslog", authorizationProtocol: AccessPolicy.protocolName,
                                        query: query?.isEmpty == false ? query : nil)
        switch requester {
        case .client(let credential, let accessPoint, let traceId):
            let allowed = credential.bsn == bsn.value
            let refusal = allowed ? nil : AccessPolicy.Refusal(code: .otherClient, reason: "this credential belongs to another client")
            try await store.appendAudit([AuditEntry(
                time: time, actor: "client:\(credential.id)", event: event, action: "R", eventType: "log-access", object: object,
                outcome: allowed ? "success" : "refused", checks: allowed ? AuditChecks.authorized : AuditChecks.unauthorized, detail: refusal?.code.rawValue,
                user: AuditUser(id: "client:\(credential.id)", name: nil, role: "client", responsible: nil, accessPoint: accessPoint),
                objectDetail: detail, traceId: traceId)])
            return refusal
        case .partner(let partner, let caller):
            let verdict = AccessPolicy.decide(.actForClient, by: partner, for: try await client(bsn), views: views)
            let refusal = verdict.refusal
            var line = caller.auditLine(time: time, event: event, action: "R", object: object, outcome: refusal == nil ? "success" : "refused",
                                        checks: verdict.checks, detail: refusal?.code.rawValue, objectDetail: detail)
            line.eventType = "log-access"
            try await store.appendAudit([line])
            return refusal
        }
    }

    /// UTC bounds of local Dutch dates; `nil` when malformed or reversed.
    static func bounds(from: String?, to: String?) -> (from: String?, to: String?)? {
        func instant(_ day: String?, endOfDay: Bool) -> String?? {
            guard let day else { return .some(nil) }
            guard day.count == 10, let date = ClinicalDate(day), date.dateOnly else { return nil }
            let start = date.instant
            return .some((endOfDay ? start.addingTimeInterval(86_399) : start).formatted(.iso8601))
        }
        guard let lower = instant(from, endOfDay: false), let upper = instant(to, endOfDay: true) else { return nil }
        if let lower, let upper, lower > upper { return nil }
        return (lower, upper)
    }
}
