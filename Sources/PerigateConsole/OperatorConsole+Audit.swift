import Foundation
import Hummingbird
import PerigateCore

/// The audit page: the chain's state, "verify now", and (log administrators) one client's
/// access log as a download.
extension OperatorConsole {
    struct ChainStatus {
        var lines: Int
        var checked: Bool
        var intact: Bool
        var checkedAt: String
        var checkedBy: String
        var checkedLines: Int
        var problem: String
    }

    func chainStatus() async throws -> ChainStatus {
        let head = try await store.auditHead()
        guard let last = await lastVerification.last else {
            return ChainStatus(lines: head.sequence, checked: false, intact: false, checkedAt: "", checkedBy: "", checkedLines: 0, problem: "")
        }
        return ChainStatus(lines: head.sequence, checked: true, intact: last.verification.problem == nil, checkedAt: ConsoleFormat.time(last.time),
                           checkedBy: last.by, checkedLines: last.verification.lines,
                           problem: last.verification.problem.map { "regel \($0.sequence): \($0.reason)" } ?? "")
    }

    /// `GET /console/audit`.
    func audit(_ caller: Caller) async throws -> Response {
        let chain = try await chainStatus()
        try await store.appendAudit([caller.line("console.view", "R", "console:/console/audit", eventType: "log-access")])
        return html(render("audit", Shell(caller: caller, title: "Auditlog", section: "audit", page: chain)))
    }

    /// `POST /console/audit/verify`: checks the whole hash chain (and signed checkpoints, when serve has them) now.
    func verify(_ caller: Caller) async throws -> Response {
        let result = try await verifyAudit()
        await lastVerification.set(VerificationBox.Result(time: ConsoleFormat.iso(now()), by: caller.account.name, verification: result))
        try await store.appendAudit([caller.line("audit.verify", "E", "audit-log", outcome: "success",
                                                 detail: result.problem.map { "broken: \($0)" } ?? "intact: \(result.lines) lines",
                                                 eventType: "log-access")])
        if let problem = result.problem {
            return notice(caller, "Auditketen GEBROKEN", "De controle vond een breuk bij regel \(problem.sequence): \(problem.reason) "
                          + "(oorzaak \(problem.cause.rawValue): \(ConsoleCodes.explanation(problem.cause.rawValue) ?? "onbekend")). Bewaar een kopie van de database, het checkpointbestand en de getuigen, "
                          + "en meld dit als beveiligingsincident.", status: .ok)
        }
        let witnessed = result.checkpoint.map { "laatste getuigde checkpoint bij regel \($0) (\(result.witnessedBy.joined(separator: ", ")))" }
            ?? "nog geen checkpoint"
        return notice(caller, "Auditketen in orde", "\(result.lines) regels gecontroleerd; de hash-keten is ongeschonden; \(witnessed); "
                      + "\(result.unprotectedTail) regels nog niet getuigd.")
    }

    struct ExportForm: Decodable, CSRFCarrying {
        var csrf: String?
        var bsn: String?
        var reden: String?
        var formaat: String?
    }

    /// `POST /console/audit/export` (log administrators): her access log as NEN 7513 JSON lines or
    /// a FHIR Bundle, as `perigate audit export --client` writes it; logged under her BSN with the reason.
    func export(_ caller: Caller, _ form: ExportForm) async throws -> Response {
        let reason = form.reden?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let format = form.formaat == "fhir" ? "fhir" : "nen"
        guard let bsn = form.bsn.flatMap(BSN.init)?.value else {
            return notice(caller, "Export", "Dat is geen geldig BSN (9 cijfers, elfproef).", status: .badRequest)
        }
        guard reason.count >= 10 else {
            return notice(caller, "Export", "Geef een reden op (minstens 10 tekens): de export wordt met die reden gelogd.", status: .badRequest)
        }
        let rows = try await store.auditRows(client: bsn, from: nil, to: nil)
        var line = caller.line("audit.export", "R", "bsn:\(bsn)/access-log", detail: "reason: \(reason); \(rows.count) lines, format \(format)",
                               eventType: "log-access")
        line.objectDetail = AuditObject(idType: "urn:perigate:audit-log", id: bsn, objectClass: "system-object", category: "toegangslog",
                                        query: "client=\(Receipt.maskedReference(bsn: bsn))&format=\(format)")
        try await store.appendAudit([line])
        let body = try AuditExport.render(rows, format: format)
        let name = "toegangslog-\(bsn.suffix(3))-\(ConsoleFormat.iso(now()).prefix(10)).\(format == "nen" ? "jsonl" : "json")"
        return Response(status: .ok, headers: [
            .contentType: format == "nen" ? "application/x-ndjson; charset=utf-8" : "application/fhir+json; charset=utf-8",
            .contentDisposition: "attachment; filename=\"\(name)\"", .cacheControl: "no-store",
        ], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
