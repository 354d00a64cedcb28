import Foundation
import Hummingbird
import PerigateCore

/// A problem code with the one HTTP status it answers with: every problem the gateway sends is
/// listed here, so a code's status is decided in exactly one place.
public struct ProblemCode: Hashable, Sendable {
    /// The stable code in problem bodies (`code`, and `type` as `urn:perigate:problem:{code}`).
    public let rawValue: String
    /// The HTTP status of every response with this code.
    public let status: HTTPResponse.Status

    init(_ rawValue: String, _ status: HTTPResponse.Status) {
        self.rawValue = rawValue
        self.status = status
    }

    static let authCertificateUnknown = ProblemCode("auth.certificate-unknown", .unauthorized)
    static let authClientCredential = ProblemCode("auth.client-credential", .forbidden)
    static let authOnBehalfOfInvalid = ProblemCode("auth.on-behalf-of-invalid", .unauthorized)
    static let authOperatorOnly = ProblemCode("auth.operator-only", .forbidden)
    static let authPartnerMismatch = ProblemCode("auth.partner-mismatch", .forbidden)
    static let authRoleNotAllowed = ProblemCode("auth.role-not-allowed", .forbidden)
    static let authTokenInvalid = ProblemCode("auth.token-invalid", .unauthorized)
    static let authTokenMissing = ProblemCode("auth.token-missing", .unauthorized)
    static let authUserMissing = ProblemCode("auth.user-missing", .unauthorized)
    static let authUserNameMissing = ProblemCode("auth.user-name-missing", .unauthorized)
    static let authUserRoleMissing = ProblemCode("auth.user-role-missing", .unauthorized)
    static let consentInvalid = ProblemCode("consent.invalid", .badRequest)
    static let deliveryNotFound = ProblemCode("delivery.not-found", .notFound)
    static let messageConflict = ProblemCode("message.conflict", .conflict)
    static let messageConsentRefused = ProblemCode("message.consent-refused", .forbidden)
    static let messageInvalid = ProblemCode("message.invalid", .unprocessableContent)
    static let messageMalformed = ProblemCode("message.malformed", .badRequest)
    static let messageNoMapper = ProblemCode("message.no-mapper", .unprocessableContent)
    static let messagePartnerType = ProblemCode("message.partner-type", .forbidden)
    static let messageNotFound = ProblemCode("message.not-found", .notFound)
    static let messageSchemaRequired = ProblemCode("message.schema-required", .unprocessableContent)
    static let messageSenderMismatch = ProblemCode("message.sender-mismatch", .forbidden)
    static let messageTooLarge = ProblemCode("message.too-large", .contentTooLarge)
    static let messageTooComplex = ProblemCode("message.too-complex", .contentTooLarge)
    static let messageUnsupported = ProblemCode("message.unsupported", .unprocessableContent)
    static let requestBadGzip = ProblemCode("request.bad-gzip", .badRequest)
    static let requestBsnInvalid = ProblemCode("request.bsn-invalid", .badRequest)
    static let requestContentEncoding = ProblemCode("request.content-encoding", .unsupportedMediaType)
    static let requestContentType = ProblemCode("request.content-type", .unsupportedMediaType)
    static let requestEmergencyReason = ProblemCode("request.emergency-reason", .badRequest)
    static let requestError = ProblemCode("request.error", .badRequest)
    static let requestInvalidJson = ProblemCode("request.invalid-json", .badRequest)
    static let requestInvalidPeriod = ProblemCode("request.invalid-period", .badRequest)
    static let requestMalformedHTTP = ProblemCode("request.malformed-http", .badRequest)
    static let requestTimeout = ProblemCode("request.timeout", .serviceUnavailable)
    static let routeNotFound = ProblemCode("route.not-found", .notFound)
    static let serverBusy = ProblemCode("server.busy", .serviceUnavailable)
    static let serverError = ProblemCode("server.error", .internalServerError)
    static let storeUnavailable = ProblemCode("store.unavailable", .serviceUnavailable)
    static let subscriptionInvalid = ProblemCode("subscription.invalid", .badRequest)
    static let subscriptionNotFound = ProblemCode("subscription.not-found", .notFound)
    static let subscriptionURLNotAllowed = ProblemCode("subscription.url-not-allowed", .unprocessableContent)
    static let witnessBadSignature = ProblemCode("witness.bad-signature", .unprocessableContent)
    static let witnessConflict = ProblemCode("witness.conflict", .conflict)
    static let witnessInvalid = ProblemCode("witness.invalid", .badRequest)
    static let witnessOtherKey = ProblemCode("witness.other-key", .forbidden)
    static let workerUnhealthy = ProblemCode("worker.unhealthy", .serviceUnavailable)

    /// A refused ingest: `message.{reason}` with the reason's status.
    static func rejection(_ reason: IngestOutcome.RejectionReason) -> ProblemCode {
        switch reason {
        case .tooLarge: return messageTooLarge
        case .tooComplex: return messageTooComplex
        case .malformed: return messageMalformed
        case .unsupported: return messageUnsupported
        case .invalid: return messageInvalid
        case .schemaRequired: return messageSchemaRequired
        case .senderMismatch: return messageSenderMismatch
        case .noMapper: return messageNoMapper
        case .consentRefused: return messageConsentRefused
        case .partnerType: return messagePartnerType
        }
    }
}

/// An RFC 9457 problem details body with a stable `code` (and validation issues where relevant).
/// It is also an error that renders itself (Hummingbird's `HTTPResponseError`).
struct Problem: Encodable, Error, HTTPResponseError {
    var type: String
    var title: String
    var status: HTTPResponse.Status
    var code: String
    var detail: String
    var issues: [ValidationIssue]?
    var rejectionId: String?

    init(_ code: ProblemCode, detail: String, issues: [ValidationIssue]? = nil, rejectionId: String? = nil) {
        self.init(status: code.status, code: code.rawValue, detail: detail, issues: issues, rejectionId: rejectionId)
    }

    /// A refusal by the access policy: always 403, with the policy's own code.
    init(refusal: AccessPolicy.Refusal) {
        self.init(status: .forbidden, code: refusal.code.rawValue, detail: refusal.reason)
    }

    /// An error of the HTTP layer itself (no route, a bad request line): its own status.
    init(routerError error: HTTPError) {
        let code: ProblemCode = error.status == .notFound ? .routeNotFound : .requestError
        self.init(status: error.status, code: code.rawValue, detail: error.body ?? error.status.reasonPhrase)
    }

    private init(status: HTTPResponse.Status, code: String, detail: String, issues: [ValidationIssue]? = nil, rejectionId: String? = nil) {
        self.type = "urn:perigate:problem:\(code)"
        self.title = status.reasonPhrase
        self.status = status
        self.code = code
        self.detail = detail
        self.issues = issues
        self.rejectionId = rejectionId
    }

    enum CodingKeys: String, CodingKey { case type, title, status, code, detail, issues, rejectionId }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(title, forKey: .title)
        try container.encode(status.code, forKey: .status)
        try container.encode(code, forKey: .code)
        try container.encode(detail, forKey: .detail)
        try container.encodeIfPresent(issues, forKey: .issues)
        try container.encodeIfPresent(rejectionId, forKey: .rejectionId)
    }

    /// The problem+json response.
    var response: Response {
        JSONResponse.make(self, status: status, contentType: "application/problem+json")
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response
    }
}

/// JSON responses in the canonical form (sorted keys).
enum JSONResponse {
    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status, contentType: String = "application/json") -> Response {
        let data = (try? CanonicalJSON.data(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The one place where ingest outcomes become HTTP status codes.
enum IngestStatus {
    static func response(for outcome: IngestOutcome) -> Response {
        switch outcome {
        case .accepted(let receipt), .duplicate(let receipt):
            return JSONResponse.make(receipt, status: .accepted)
        case .conflict(let messageId, _, _):
            return Problem(.messageConflict,
                           detail: "message \(messageId) was accepted before with different content").response
        case .rejected(let reason, let report, let rejectionId):
            return Problem(.rejection(reason),
                           detail: report.errors.first?.message ?? reason.rawValue,
                           issues: report.issues, rejectionId: rejectionId).response
        }
    }
}
