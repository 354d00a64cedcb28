import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import PerigateCore
import PerigateFHIR

extension GatewayServer {
    /// `GET /v1/clients/{bsn}/record[?history=true]`: the record through the caller's view, with
    /// an `ETag`; `If-None-Match` with the current tag answers 304 (still audited as a read).
    func getRecord(_ request: Request, _ context: GatewayContext, _ caller: Authenticated) async throws -> Response {
        guard let bsn = try await clientBSN(context, caller, event: "record.read") else { return Self.badBSN }
        let history = try await strictQuery(request, .partner(caller.partner, caller.ingestCaller), event: "record.read",
                                            object: "bsn:\(bsn.value)/record") { (query: StrictQuery) throws(Problem) in try query.flag("history") }
        // Break-the-glass: a reason (percent-encoded UTF-8, 10 to 500 printable characters) is required.
        let header = request.headers[Self.emergencyHeader]
        let emergency = header.flatMap(EmergencyReason.validated)
        if header != nil, emergency == nil {
            return Problem(.requestEmergencyReason,
                           detail: "emergency access needs a reason of 10 to 500 printable characters in Perigate-Emergency-Reason").response
        }
        switch try await clientFile.read(bsn: bsn, partner: caller.partner, caller: caller.ingestCaller, history: history,
                                         emergencyReason: emergency) {
        case .refused(let refusal):
            return Problem(refusal: refusal).response
        case .record(let document, _):
            if let format = FHIRResponse.format(accept: request.headers[.accept]) {
                let resources = FHIRRecordWriter(includeBSN: true).resources(document.record)
                return try FHIRResponse.response(FHIRResponse.bundle(resources, type: "collection", base: FHIRResponse.base(request, tls: tls != nil),
                                                                     now: clientFile.now()), format: format)
            }
            let (body, tag) = try document.body()
            var headers: HTTPFields = [.eTag: tag, .cacheControl: "private, no-cache"]
            if emergency != nil { headers[Self.emergencyAccessHeader] = "logged" }
            if Self.matches(request.headers[.ifNoneMatch], tag) {
                return Response(status: .notModified, headers: headers)
            }
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
    }

    /// `GET /v1/clients/{bsn}/record` with her own client-portal token: her whole file, as
    /// canonical JSON or, with a FHIR `Accept`, a `collection` Bundle without her BSN (MedMij).
    func getOwnRecord(_ request: Request, _ context: GatewayContext) async throws -> Response {
        try await asRequester(request, context, event: "record.read") { bsn, requester in
            guard case .client(let credential, let accessPoint, let traceId) = requester else {
                return Problem(.authClientCredential, detail: "this route takes the client's own token here").response
            }
            let history = try await strictQuery(request, requester, event: "record.read", object: "bsn:\(bsn.value)/record") {
                (query: StrictQuery) throws(Problem) in try query.flag("history")
            }
            let format = FHIRResponse.format(accept: request.headers[.accept])
            let asked = [format.map { "format=\($0.rawValue)" }, history ? "history=true" : nil].compactMap { $0 }.joined(separator: "&")
            switch try await clientFile.readOwn(bsn: bsn, credential: credential, accessPoint: accessPoint, traceId: traceId,
                                                query: asked, history: history) {
            case .refused(let refusal):
                return Problem(refusal: refusal).response
            case .record(let document, _):
                if let format {
                    let resources = FHIRRecordWriter(includeBSN: false).resources(document.record)
                    return try FHIRResponse.response(FHIRResponse.bundle(resources, type: "collection", base: FHIRResponse.base(request, tls: tls != nil),
                                                                         now: clientFile.now()), format: format)
                }
                let (body, tag) = try document.body()
                return Response(status: .ok, headers: [.eTag: tag, .cacheControl: "private, no-store", .contentType: "application/json"],
                                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
            }
        }
    }

    /// `POST /v1/clients/{bsn}/consents` with `{"status": "given"|"withdrawn", "date": "YYYY-MM-DD"}`:
    /// by a professional of her established care team, or by herself with her client-portal token.
    func postConsent(_ request: Request, _ context: GatewayContext) async throws -> Response {
        try await asRequester(request, context, event: "consent.register") { bsn, requester in
            try await postConsent(request, bsn, requester)
        }
    }

    private func postConsent(_ request: Request, _ bsn: BSN, _ requester: ClientFileService.Requester) async throws -> Response {
        struct Body: Decodable {
            var status: ExchangeConsent.Status
            var date: String
        }
        let body: Body
        do {
            let bytes = try await request.body.collect(upTo: 16 * 1024)
            body = try JSONDecoder().decode(Body.self, from: Data(buffer: bytes))
        } catch {
            try await ingest.store.appendAudit([requester.consentAuditLine(
                bsn: bsn.value, event: "consent.register", time: timestamp(), outcome: "refused", checks: AuditChecks.notChecked,
                detail: "request.invalid-json")])
            return Problem(.requestInvalidJson,
                           detail: "send {\"status\": \"given\" or \"withdrawn\", \"date\": \"YYYY-MM-DD\"}").response
        }
        return consentResponse(try await clientFile.registerConsent(bsn: bsn, status: body.status, date: body.date, requester: requester))
    }

    /// `DELETE /v1/clients/{bsn}/consents`: she withdraws her consent, today (her care team or herself).
    func deleteConsent(_ request: Request, _ context: GatewayContext) async throws -> Response {
        try await asRequester(request, context, event: "consent.withdrawn") { bsn, requester in
            // Today in the Netherlands, by the service's clock.
            let today = clientFile.now().formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "Europe/Amsterdam") ?? .gmt).year().month().day())
            return try await consentResponse(clientFile.registerConsent(bsn: bsn, status: .withdrawn, date: today, requester: requester))
        }
    }

    func consentResponse(_ outcome: ClientFileService.ConsentOutcome) -> Response {
        switch outcome {
        case .registered(let consent):
            return JSONResponse.make(ConsentReply(status: consent.status.rawValue, date: consent.date, recordedAt: consent.recordedAt,
                                                  clientReference: Receipt.maskedReference(bsn: consent.bsn)), status: .created)
        case .refused(let refusal):
            return Problem(refusal: refusal).response
        case .invalid(let reason):
            return Problem(.consentInvalid, detail: reason).response
        }
    }

    struct ConsentReply: Encodable {
        var status: String
        var date: String
        var recordedAt: String
        var clientReference: String
    }

    /// The path's BSN, or `nil` (after an audit line for the refused request) when it is not a valid BSN.
    private func clientBSN(_ context: GatewayContext, _ caller: Authenticated, event: String) async throws -> BSN? {
        try await clientBSN(context, .partner(caller.partner, caller.ingestCaller), event: event)
    }

    func clientBSN(_ context: GatewayContext, _ requester: ClientFileService.Requester, event: String) async throws -> BSN? {
        if let bsn = context.parameters.get("bsn").flatMap(BSN.init) { return bsn }
        try await ingest.store.appendAudit([requester.auditLine(time: timestamp(), event: event, action: "R", object: "client:invalid-bsn",
                                                                outcome: "refused", checks: AuditChecks.notChecked, detail: "request.bsn-invalid")])
        return nil
    }

    /// Her request's query parameters, read by ``StrictQuery``: a malformed one is refused (400
    /// `request.invalid-query`) and audited under `event`, as every refused access to her data is.
    func strictQuery<Value>(_ request: Request, _ requester: ClientFileService.Requester, event: String, object: String,
                            _ read: (StrictQuery) throws(Problem) -> Value) async throws -> Value {
        do {
            return try read(StrictQuery(request))
        } catch {
            try await ingest.store.appendAudit([requester.auditLine(time: timestamp(), event: event, action: "R", object: object,
                                                                    outcome: "refused", checks: AuditChecks.notChecked, detail: error.code)])
            throw error
        }
    }

    static let emergencyHeader = HTTPField.Name("Perigate-Emergency-Reason")!
    static let emergencyAccessHeader = HTTPField.Name("Perigate-Emergency-Access")!

    static var badBSN: Response {
        Problem(.requestBsnInvalid, detail: "the path does not hold a valid BSN (9 digits, elfproef)").response
    }

    /// RFC 9110 `If-None-Match`: `*` or a list of (weak or strong) tags.
    static func matches(_ header: String?, _ tag: String) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { item in
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            return trimmed == "*" || trimmed == tag || trimmed == "W/" + tag
        }
    }
}

extension GatewayServer {
    /// `GET /v1/clients/{bsn}/care-team`: her care team (established and claimed relationships),
    /// for herself with her client-portal token.
    func getCareTeam(_ request: Request, _ context: GatewayContext) async throws -> Response {
        try await asRequester(request, context, event: "care-team") { bsn, requester in
            careTeamResponse(try await clientFile.careTeam(bsn: bsn, requester: requester))
        }
    }

    /// `POST /v1/clients/{bsn}/care-team` with `{"ura": "27654321"}`: she confirms that this
    /// organisation is in her care team (client-portal token only).
    func postCareTeam(_ request: Request, _ context: GatewayContext) async throws -> Response {
        try await asRequester(request, context, event: "care-team") { bsn, requester in
            struct Body: Decodable { var ura: String }
            guard let body = try? JSONDecoder().decode(Body.self, from: Data(buffer: try await request.body.collect(upTo: 4096))) else {
                return Problem(.requestInvalidJson, detail: "send {\"ura\": \"<the organisation's URA>\"}").response
            }
            return careTeamResponse(try await clientFile.confirmCare(bsn: bsn, ura: body.ura, requester: requester))
        }
    }

    /// Authenticates her (or a partner) for the routes of her own file, then runs `body`; a
    /// refusal is answered and audited (``refused(_:_:_:)``).
    func asRequester(_ request: Request, _ context: GatewayContext,
                     _ body: (ClientFileService.Requester) async throws -> Response) async throws -> Response {
        switch try await authenticateForAccessLog(request, context) {
        case .success(let requester): return try await body(requester)
        case .failure(let problem): return try await refused(problem, request, context)
        }
    }

    /// The same, and reads the path's BSN (an invalid one audited under `event`), then runs `body`.
    private func asRequester(_ request: Request, _ context: GatewayContext, event: String,
                             _ body: (BSN, ClientFileService.Requester) async throws -> Response) async throws -> Response {
        try await asRequester(request, context) { requester in
            guard let bsn = try await clientBSN(context, requester, event: event) else { return Self.badBSN }
            return try await body(bsn, requester)
        }
    }

    private func careTeamResponse(_ outcome: ClientFileService.CareTeamOutcome) -> Response {
        switch outcome {
        case .team(let team): return JSONResponse.make(team, status: .ok)
        case .confirmed(let confirmation):
            return JSONResponse.make(["ura": confirmation.ura, "confirmedAt": confirmation.confirmedAt, "status": "established"], status: .created)
        case .refused(let refusal): return Problem(refusal: refusal).response
        case .invalid(let reason): return Problem(.requestInvalidJson, detail: reason).response
        }
    }
}
