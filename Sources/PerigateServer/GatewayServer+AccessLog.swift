import Foundation
import Hummingbird
import PerigateCore

extension GatewayServer {
    /// `GET /v1/clients/{bsn}/access-log[?from=YYYY-MM-DD&to=YYYY-MM-DD]` and `…/access-log/copy`:
    /// JSON, or a printable HTML page with `Accept: text/html`.
    func getAccessLog(_ request: Request, _ context: GatewayContext, copy: Bool) async throws -> Response {
        try await asRequester(request, context) { requester in try await getAccessLog(request, context, copy: copy, requester) }
    }

    private func getAccessLog(_ request: Request, _ context: GatewayContext, copy: Bool,
                              _ requester: ClientFileService.Requester) async throws -> Response {
        guard let bsn = context.parameters.get("bsn").flatMap(BSN.init) else { return Self.badBSN }
        let html = request.headers[.accept]?.contains("text/html") == true
        let period = copy ? (nil, nil) : try await strictQuery(request, requester, event: "access-log.read", object: "bsn:\(bsn.value)/access-log") {
            (query: StrictQuery) throws(Problem) in (try query.string("from"), try query.string("to"))
        }
        let outcome = copy ? try await clientFile.accessLogCopy(bsn: bsn, requester: requester)
            : try await clientFile.accessLog(bsn: bsn, from: period.0, to: period.1, requester: requester)
        switch outcome {
        case .refused(let refusal):
            return Problem(refusal: refusal).response
        case .invalid(let reason):
            return Problem(.requestInvalidPeriod, detail: reason).response
        case .log(let entries):
            guard html else { return JSONResponse.make(AccessLogReply(client: Receipt.maskedReference(bsn: bsn.value), entries: entries), status: .ok) }
            return Self.htmlResponse(AccessLogHTML.page(
                title: "Wie heeft uw gegevens ingezien?",
                intro: "Overzicht van elke toegang tot uw gegevens via Perigate (\(Receipt.maskedReference(bsn: bsn.value))), oudste eerst. Tijden in Nederlandse tijd.",
                sections: [("", entries)]))
        case .copy(let copy):
            guard html else { return JSONResponse.make(copy, status: .ok) }
            return Self.htmlResponse(AccessLogHTML.page(
                title: "Afschrift: wie heeft uw gegevens beschikbaar gesteld en wie heeft ze ingezien of ontvangen",
                intro: "Elektronisch afschrift volgens artikel 15e Wabvpz voor \(copy.client), kosteloos. Tijden in Nederlandse tijd.",
                sections: [("Beschikbaar gesteld", copy.madeAvailable), ("Ingezien of opgevraagd", copy.viewedOrRequested)]))
        }
    }

    struct AccessLogReply: Encodable {
        var client: String
        var entries: [AccessLogEntry]
    }

    static func htmlResponse(_ page: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "private, no-store"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
    }

    /// A client-portal token (`pgc_…`, no user headers needed) or an authenticated partner.
    func authenticateForAccessLog(_ request: Request, _ context: GatewayContext) async throws -> Result<ClientFileService.Requester, Problem> {
        if let header = request.headers[.authorization], header.hasPrefix("Bearer " + ClientCredential.tokenPrefix) {
            let hash = PartnerToken.hash(String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces))
            guard let credential = try await clientCredentials?.clientCredential(tokenHash: hash) else {
                return .failure(Problem(.authTokenInvalid, detail: "unknown or revoked client token"))
            }
            return .success(.client(credential, accessPoint: context.clientAddress,
                                    traceId: Authenticated.traceId(fromTraceparent: request.headers[Self.traceparentHeader]) ?? context.id))
        }
        return try await authenticate(request, context).map { .partner($0.partner, $0.ingestCaller) }
    }

    /// `GET /v1/audit-log[?from=…&to=…&limit=…]`: the lines in which the calling partner acted or
    /// was a custodian — never other partners' lines. Logged as log access.
    func getPartnerAuditLog(_ request: Request, _ caller: Authenticated) async throws -> Response {
        let query = StrictQuery(request)
        let from = try query.string("from"), to = try query.string("to")
        let limit = try query.integer("limit", default: 1000, clampedTo: 1...10_000)
        let lines = try await ingest.store.auditEntries(organisation: caller.partner.ura, from: from, to: to.map { $0.count == 10 ? $0 + "T23:59:59Z" : $0 },
                                                        limit: limit)
        var line = caller.ingestCaller.auditLine(
            time: timestamp(), event: "audit.read", action: "R", object: "audit-log:ura:\(caller.partner.ura)",
            outcome: "success", checks: AuditChecks.authorized, detail: "\(lines.count) lines",
            objectDetail: AuditObject(idType: "urn:perigate:audit-log", id: "ura:\(caller.partner.ura)", objectClass: "system-object",
                                      category: "toegangslog",
                                      query: [from.map { "from=\($0)" }, to.map { "to=\($0)" }].compactMap { $0 }.joined(separator: "&")))
        line.eventType = "log-access"
        try await ingest.store.appendAudit([line])
        return JSONResponse.make(["lines": lines], status: .ok)
    }
}
