import Foundation
import Hummingbird
import PerigateCore

/// A problem code with the one HTTP status it answers with: every problem the gateway sends is
/// listed here, so a code's status is decided in exactly one place (and the OpenAPI document,
/// `Schemas/openapi.json`, is checked against this list by the test suite).
public enum ProblemCode: String, CaseIterable, Sendable {
    case authCertificateUnknown = "auth.certificate-unknown"
    case authClientCredential = "auth.client-credential"
    case authOnBehalfOfInvalid = "auth.on-behalf-of-invalid"
    case authOperatorOnly = "auth.operator-only"
    case authPartnerMismatch = "auth.partner-mismatch"
    case authRoleNotAllowed = "auth.role-not-allowed"
    case authTokenInvalid = "auth.token-invalid"
    case authTokenMissing = "auth.token-missing"
    case authUserMissing = "auth.user-missing"
    case authUserNameMissing = "auth.user-name-missing"
    case authUserRoleMissing = "auth.user-role-missing"
    case consentInvalid = "consent.invalid"
    case deliveryNotFound = "delivery.not-found"
    case messageConflict = "message.conflict"
    case messageConsentRefused = "message.consent-refused"
    case messageInvalid = "message.invalid"
    case messageMalformed = "message.malformed"
    case messageNoMapper = "message.no-mapper"
    case messagePartnerType = "message.partner-type"
    case messageNotFound = "message.not-found"
    case messageSchemaRequired = "message.schema-required"
    case messageSenderMismatch = "message.sender-mismatch"
    case messageTooLarge = "message.too-large"
    case messageTooComplex = "message.too-complex"
    case messageUnsupported = "message.unsupported"
    case requestBadGzip = "request.bad-gzip"
    case requestBsnInvalid = "request.bsn-invalid"
    case requestContentEncoding = "request.content-encoding"
    case requestContentType = "request.content-type"
    case requestEmergencyReason = "request.emergency-reason"
    case requestError = "request.error"
    case requestInvalidJson = "request.invalid-json"
    case requestInvalidPeriod = "request.invalid-period"
    case requestInvalidQuery = "request.invalid-query"
    case requestMalformedHTTP = "request.malformed-http"
    case requestTimeout = "request.timeout"
    case routeNotFound = "route.not-found"
    case serverBusy = "server.busy"
    case serverError = "server.error"
    case storeUnavailable = "store.unavailable"
    case subscriptionInvalid = "subscription.invalid"
    case subscriptionNotFound = "subscription.not-found"
    case subscriptionURLNotAllowed = "subscription.url-not-allowed"
    case witnessBadSignature = "witness.bad-signature"
    case witnessConflict = "witness.conflict"
    case witnessInvalid = "witness.invalid"
    case witnessOtherKey = "witness.other-key"
    case workerUnhealthy = "worker.unhealthy"

    /// The HTTP status of every response with this code.
    public var status: HTTPResponse.Status {
        switch self {
        case .consentInvalid, .messageMalformed, .requestBadGzip, .requestBsnInvalid, .requestEmergencyReason, .requestError,
             .requestInvalidJson, .requestInvalidPeriod, .requestInvalidQuery, .requestMalformedHTTP, .subscriptionInvalid,
             .witnessInvalid:
            return .badRequest
        case .authCertificateUnknown, .authOnBehalfOfInvalid, .authTokenInvalid, .authTokenMissing, .authUserMissing,
             .authUserNameMissing, .authUserRoleMissing:
            return .unauthorized
        case .authClientCredential, .authOperatorOnly, .authPartnerMismatch, .authRoleNotAllowed, .messageConsentRefused,
             .messagePartnerType, .messageSenderMismatch, .witnessOtherKey:
            return .forbidden
        case .deliveryNotFound, .messageNotFound, .routeNotFound, .subscriptionNotFound:
            return .notFound
        case .messageConflict, .witnessConflict:
            return .conflict
        case .messageTooLarge, .messageTooComplex:
            return .contentTooLarge
        case .requestContentEncoding, .requestContentType:
            return .unsupportedMediaType
        case .messageInvalid, .messageNoMapper, .messageSchemaRequired, .messageUnsupported, .subscriptionURLNotAllowed,
             .witnessBadSignature:
            return .unprocessableContent
        case .serverError:
            return .internalServerError
        case .requestTimeout, .serverBusy, .storeUnavailable, .workerUnhealthy:
            return .serviceUnavailable
        }
    }

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
