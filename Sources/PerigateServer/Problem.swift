import Foundation
import Hummingbird
import PerigateCore

/// An RFC 9457 problem details body with a stable `code` (and validation issues where relevant).
struct Problem: Encodable, Error {
    var type: String
    var title: String
    var status: Int
    var code: String
    var detail: String
    var issues: [ValidationIssue]?
    var rejectionId: String?

    init(status: HTTPResponse.Status, code: String, detail: String, issues: [ValidationIssue]? = nil, rejectionId: String? = nil) {
        self.type = "urn:perigate:problem:\(code)"
        self.title = status.reasonPhrase
        self.status = status.code
        self.code = code
        self.detail = detail
        self.issues = issues
        self.rejectionId = rejectionId
    }

    var response: Response {
        JSONResponse.make(self, status: HTTPResponse.Status(code: status), contentType: "application/problem+json")
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
        case .conflict(let messageId):
            return Problem(status: .conflict, code: "message.conflict",
                           detail: "message \(messageId) was accepted before with different content").response
        case .rejected(let reason, let report, let rejectionId):
            let status: HTTPResponse.Status
            switch reason {
            case .tooLarge: status = .contentTooLarge
            case .malformed: status = .badRequest
            case .senderMismatch, .consentRefused: status = .forbidden
            case .unsupported, .invalid, .schemaRequired, .noMapper: status = .unprocessableContent
            }
            return Problem(status: status, code: "message.\(reason.rawValue)",
                           detail: report.errors.first?.message ?? reason.rawValue,
                           issues: report.issues, rejectionId: rejectionId).response
        }
    }
}
