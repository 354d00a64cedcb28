import Foundation
import Hummingbird
import NIOCore
import PerigateCore

extension GatewayServer {
    func postMessage(_ request: Request, _ caller: Authenticated) async throws -> Response {
        let contentType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard let declared = contentType.flatMap({ Self.messageMediaTypes[$0] }) else {
            return Problem(.requestContentType,
                           detail: "send messages as application/xml, or FHIR as application/fhir+json or application/fhir+xml (got \(contentType ?? "none"))").response
        }
        let limit = limits.maximumBodyBytes
        var body: Data
        do {
            body = Data(buffer: try await request.body.collect(upTo: limit))
        } catch is NIOTooManyBytesError {
            return Problem(.messageTooLarge, detail: "the body exceeds \(limit) bytes").response
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // The HTTP layer could not read the body (a malformed chunk, a connection cut off).
            return Problem(.requestMalformedHTTP, detail: "the request body could not be read as HTTP (chunked encoding)").response
        }
        switch request.headers[.contentEncoding]?.lowercased() {
        case nil, "identity":
            break
        case "gzip":
            do {
                body = try Compression.inflateGzip(body, limit: limit)
            } catch Compression.InflateFailure.tooLarge {
                return Problem(.messageTooLarge,
                               detail: "the decompressed body exceeds \(limit) bytes").response
            } catch {
                return Problem(.requestBadGzip, detail: "the body is not valid gzip data").response
            }
        case let other?:
            return Problem(.requestContentEncoding,
                           detail: "unsupported Content-Encoding \(other); use gzip or none").response
        }
        // The declared syntax must be the body's: JSON is FHIR JSON, XML any XML kind (FHIR XML included).
        if FHIRMessage.isJSON(body) != (declared == .json) {
            return Problem(.requestContentType,
                           detail: "the body is \(declared == .json ? "not JSON" : "JSON"), but Content-Type says \(contentType ?? "")").response
        }
        let start = ContinuousClock.now
        let outcome: IngestOutcome
        do {
            outcome = try await ingest.ingest(body, from: caller.ingestCaller)
        } catch {
            // Ingest throws only when the store fails (disk full, database gone): nothing was
            // stored or acknowledged; the sender may re-send the same message later.
            logger.error("ingest failed: store", metadata: ["error": .string(String(describing: type(of: error)))])
            var response = Problem(.storeUnavailable,
                                   detail: "the message could not be stored; nothing was kept; re-send it later (idempotent)").response
            response.headers[.retryAfter] = "5"
            return response
        }
        metrics.ingest(kind: outcome.kind ?? "unknown", version: outcome.version ?? "unknown", outcome: outcome.label,
                       duration: ContinuousClock.now - start)
        return IngestStatus.response(for: outcome)
    }

    func getMessage(_ context: GatewayContext, raw: Bool, _ caller: Authenticated) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        // Its own message only: under the id scoped to this partner, else under the id itself.
        let own = try await ingest.store.message(id: MessageKey.scoped(id, partnerId: caller.partner.id))
        let message = own == nil ? try await ingest.store.message(id: id) : own
        let visible = message.map { MessageKey.isOwn($0, by: caller.partner) } ?? false
        let objectDetail = message?.bsn.map { AuditObject.client($0, category: message?.report.kind ?? "bericht",
                                                                   authorizationProtocol: SenderPolicy.protocolName) }
            ?? AuditObject(idType: "urn:perigate:message", id: id, objectClass: "system-object", authorizationProtocol: SenderPolicy.protocolName)
        let audit = caller.ingestCaller.auditLine(
            time: timestamp(), event: raw ? "message.read-raw" : "message.read", action: "R",
            object: message?.bsn.map { "bsn:\($0)/message:\(id)" } ?? "message:\(id)", outcome: visible ? "success" : "refused",
            checks: visible ? AuditChecks.authorized : AuditChecks.unauthorized, detail: visible ? nil : "access.not-sender", objectDetail: objectDetail,
            custodians: visible ? [AuditOrganisation(ura: caller.partner.ura, agb: caller.partner.agb, name: caller.partner.name)] : nil)
        try await ingest.store.appendAudit([audit])
        guard let message, visible else {
            return Problem(.messageNotFound, detail: "no message \(id) sent by this partner").response
        }
        if raw {
            return Response(status: .ok, headers: [.contentType: message.mediaType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: message.raw)))
        }
        return JSONResponse.make(MessageStatus(
            id: MessageKey.messageId(of: message.id), status: message.isAccepted ? "accepted" : "rejected", receivedAt: message.receivedAt,
            kind: message.report.kind, version: message.report.version, report: message.report), status: .ok)
    }

    /// The media types `POST /v1/messages` takes, and the syntax each declares.
    static let messageMediaTypes: [String: MessageSyntax] = [
        "application/xml": .xml, "text/xml": .xml, "application/fhir+xml": .xml, "application/xml+fhir": .xml,
        "application/fhir+json": .json, "application/json+fhir": .json, "application/json": .json,
    ]

    enum MessageSyntax { case xml, json }

    /// `GET /v1/messages/{id}`.
    struct MessageStatus: Encodable {
        var id: String
        var status: String
        var receivedAt: String
        var kind: String?
        var version: String?
        var report: ValidationReport
    }
}
