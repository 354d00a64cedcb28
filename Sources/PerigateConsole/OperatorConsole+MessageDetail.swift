import Foundation
import Hummingbird
import PerigateCore

/// One message or rejection: metadata, the validation report with explained codes, the receipt
/// as the sender got it, the deliveries and their attempts — never content or a BSN.
extension OperatorConsole {
    struct DetailPage {
        var id: String
        var receivedAt: String
        var kind: String
        var schema: String
        var status: String
        var accepted: Bool
        var sender: PartyText
        var size: String
        var issues: [IssueRow]
        var receipt: ReceiptView?
        var deliveries: [DeliveryRow]
    }

    struct IssueRow {
        var severity: String
        var isError: Bool
        var code: CodeText
        var message: String
        var location: String
    }

    struct ReceiptView {
        var clientReference: String
        var warnings: Int
        var json: String
    }

    struct DeliveryRow {
        var id: String
        var target: PartyText
        var partner: PartyText
        var messageId: String
        var status: String
        var attemptCount: Int
        var lastError: CodeText?
        var attempts: [AttemptRow]
    }

    struct AttemptRow {
        var number: Int
        var time: String
        var status: String
        var error: CodeText?
        var milliseconds: Int
    }

    /// `GET /console/messages/{id}`: the validation report, the receipt, the deliveries and their attempts.
    func messageDetail(_ id: String, _ caller: Caller) async throws -> Response {
        try await store.appendAudit([caller.line("console.view", "R", "message:\(id)", detail: "console message detail")])
        guard let message = try await store.message(id: id) else {
            return notice(caller, "Bericht niet gevonden", "Er is geen bericht of weigering met id \(id).", status: .notFound)
        }
        let report = message.report
        let planned = try await store.deliveries(messageId: id)
        // The receipt as the sender got it, planned deliveries included.
        let receipt = try message.bsn.map { _ -> ReceiptView in
            let receipt = IngestService.receipt(for: message, planned: planned)
            return ReceiptView(clientReference: receipt.clientReference, warnings: receipt.warnings.count,
                               json: try CanonicalJSON.string(receipt))
        }
        var deliveries: [DeliveryRow] = []
        let directory = try await directory()
        for delivery in planned {
            deliveries.append(try await deliveryRow(delivery, directory: directory))
        }
        let page = DetailPage(
            id: message.id, receivedAt: ConsoleFormat.time(message.receivedAt),
            kind: [report.kind, report.version].compactMap { $0 }.joined(separator: " "),
            schema: report.schema ?? (message.isAccepted && report.outcome == .schemaRequired
                ? "niet tegen een schema gevalideerd (ingest.acceptWithoutSchema)" : "–"),
            status: ConsoleFormat.status(message.status, kind: report.kind, version: report.version),
            accepted: message.isAccepted, sender: directory.party(ura: message.senderURA), size: ConsoleFormat.bytes(message.raw.count),
            issues: report.issues.map { issue in
                IssueRow(severity: ConsoleFormat.status(issue.severity.rawValue), isError: issue.severity == .error, code: CodeText(issue.code),
                         message: issue.message, location: [issue.line.map { "regel \($0)" }, issue.column.map { "kolom \($0)" }, issue.path]
                            .compactMap { $0 }.joined(separator: ", "))
            },
            receipt: receipt, deliveries: deliveries)
        return html(render("message", Shell(caller: caller, title: "Bericht \(id)", section: "messages", page: page)))
    }

    func deliveryRow(_ delivery: Delivery, directory: ConsoleDirectory) async throws -> DeliveryRow {
        DeliveryRow(
            id: delivery.id, target: directory.target(subscriptionId: delivery.subscriptionId), partner: directory.party(id: delivery.partnerId),
            messageId: delivery.messageId, status: ConsoleFormat.status(delivery.status), attemptCount: delivery.attempts,
            lastError: delivery.lastError.map(CodeText.init),
            attempts: try await store.attempts(deliveryId: delivery.id).map {
                AttemptRow(number: $0.number, time: ConsoleFormat.time($0.time), status: $0.status.map(String.init) ?? "–",
                           error: $0.error.map(CodeText.init), milliseconds: $0.milliseconds)
            })
    }
}
