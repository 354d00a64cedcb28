import Foundation
import HTTPTypes
import Hummingbird
import PerigateCore

/// A request's partner (from its client certificate and/or bearer token) and the end user acting.
struct Authenticated {
    var partner: Partner
    var user: EndUser
    /// The client's IP address.
    var accessPoint: String?
    /// W3C trace id from `traceparent`, else the request id.
    var traceId: String

    var ingestCaller: IngestService.Caller {
        IngestService.Caller(partnerURA: partner.ura, user: user.id, userName: user.name, userRole: user.role, onBehalfOf: user.onBehalfOf,
                             partnerName: partner.name, partnerAGB: partner.agb, partnerType: partner.type,
                             accessPoint: accessPoint, traceId: traceId, partnerId: partner.id)
    }

    /// The trace id of a W3C `traceparent` header (`00-<32 hex>-<16 hex>-<2 hex>`), if well-formed.
    static func traceId(fromTraceparent header: String?) -> String? {
        guard let parts = header?.split(separator: "-"), parts.count == 4, parts[1].count == 32,
              parts[1].allSatisfy(\.isHexDigit), parts[1] != Substring(String(repeating: "0", count: 32)) else { return nil }
        return String(parts[1]).lowercased()
    }
}

/// The end user a partner asserts for each request (headers `Perigate-User`, `Perigate-User-Name`,
/// `Perigate-User-Role`, optional `Perigate-On-Behalf-Of`).
struct EndUser: Hashable {
    /// `uzi:NNNNNNNNN` (9 digits) or `agb:NNNNNNNN` (8 digits).
    var id: String
    var name: String
    /// Lowercase code such as `verloskundige`, `gynaecoloog`, `kraamverzorgende`, `jgz-verpleegkundige`.
    var role: String
    /// The responsible person when the user acts on someone's behalf (same form as `id`).
    var onBehalfOf: String?

    static let idHeader = HTTPField.Name("Perigate-User")!
    static let nameHeader = HTTPField.Name("Perigate-User-Name")!
    static let roleHeader = HTTPField.Name("Perigate-User-Role")!
    static let onBehalfOfHeader = HTTPField.Name("Perigate-On-Behalf-Of")!

    /// The user from the headers, or why not. The name may be percent-encoded UTF-8.
    static func from(_ headers: HTTPFields) -> Result<EndUser, Problem> {
        guard let id = headers[idHeader], isWellFormed(id) else {
            return .failure(Problem(.authUserMissing,
                                    detail: "name the end user in the Perigate-User header (uzi:<9 digits> or agb:<8 digits>)"))
        }
        guard let rawName = headers[nameHeader], let name = rawName.removingPercentEncoding?.trimmingCharacters(in: .whitespaces),
              !name.isEmpty, name.count <= 200 else {
            return .failure(Problem(.authUserNameMissing,
                                    detail: "send the end user's name in Perigate-User-Name (percent-encoded UTF-8)"))
        }
        guard let role = headers[roleHeader], role.count <= 64, !role.isEmpty,
              role.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
            return .failure(Problem(.authUserRoleMissing,
                                    detail: "send the end user's role in Perigate-User-Role (lowercase code, e.g. verloskundige)"))
        }
        let onBehalfOf = headers[onBehalfOfHeader]
        if let onBehalfOf, !isWellFormed(onBehalfOf) {
            return .failure(Problem(.authOnBehalfOfInvalid,
                                    detail: "Perigate-On-Behalf-Of must be uzi:<9 digits> or agb:<8 digits>"))
        }
        return .success(EndUser(id: id, name: name, role: role, onBehalfOf: onBehalfOf))
    }

    static func isWellFormed(_ value: String) -> Bool {
        let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return false }
        switch parts[0] {
        case "uzi": return ProviderIdentifier.uzi.problem(with: parts[1]) == nil
        case "agb": return ProviderIdentifier.agb.problem(with: parts[1]) == nil
        default: return false
        }
    }
}

extension GatewayServer {
    static let traceparentHeader = HTTPField.Name("traceparent")!

    /// The partner: from the client certificate under mutual TLS, from the bearer token otherwise.
    /// When both are sent they must name the same partner — a token can never act for another
    /// organisation than the certificate's. A well-formed end user is required.
    func authenticate(_ request: Request, _ context: GatewayContext) async throws -> Result<Authenticated, Problem> {
        var certificatePartner: Partner?
        if tls?.requiresClientCertificate == true {
            guard let fingerprint = await context.clientCertificateFingerprint(),
                  let partner = try await partnerCache.partner("cert:" + fingerprint, load: {
                      try await partners.partner(certificateFingerprint: fingerprint)
                  }) else {
                return .failure(Problem(.authCertificateUnknown,
                                        detail: "the client certificate is not bound to an active partner"))
            }
            certificatePartner = partner
        }
        var tokenPartner: Partner?
        if let header = request.headers[.authorization], header.hasPrefix("Bearer " + ClientCredential.tokenPrefix) {
            return .failure(Problem(.authClientCredential,
                                    detail: "a client-portal token may only read that client's access log"))
        }
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer ") else {
                return .failure(Problem(.authTokenMissing, detail: "send Authorization: Bearer <partner token>"))
            }
            let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
            let hash = PartnerToken.hash(token)
            guard let partner = try await partnerCache.partner("token:" + hash, load: { try await partners.partner(tokenHash: hash) }) else {
                return .failure(Problem(.authTokenInvalid, detail: "unknown or revoked partner token"))
            }
            tokenPartner = partner
        }
        if let certificatePartner, let tokenPartner, certificatePartner.id != tokenPartner.id {
            return .failure(Problem(.authPartnerMismatch,
                                    detail: "the token belongs to another partner than the client certificate"))
        }
        guard let partner = certificatePartner ?? tokenPartner else {
            return .failure(Problem(.authTokenMissing, detail: "send Authorization: Bearer <partner token>"))
        }
        let traceId = Authenticated.traceId(fromTraceparent: request.headers[Self.traceparentHeader]) ?? context.id
        return EndUser.from(request.headers).flatMap { user in
            // The asserted role must be one of the partner type's roles (UserRoles): a kraamzorg
            // system cannot make its user a gynaecologist.
            if let refusal = UserRoles.refusal(role: user.role, partnerType: partner.type) {
                return .failure(Problem(.authRoleNotAllowed, detail: refusal))
            }
            return .success(Authenticated(partner: partner, user: user, accessPoint: context.clientAddress, traceId: traceId))
        }
    }

    /// Runs `body` for an authenticated request, or answers with the authentication problem.
    func authenticated(_ request: Request, _ context: GatewayContext, _ body: (Authenticated) async throws -> Response) async throws -> Response {
        switch try await authenticate(request, context) {
        case .success(let caller): return try await body(caller)
        case .failure(let problem): return try await refused(problem, request, context)
        }
    }

    /// The answer to a refused authentication, audited (aggregated per source, code and presented
    /// credential and minute: ``RefusalAggregator``) — never with the secret.
    func refused(_ problem: Problem, _ request: Request, _ context: GatewayContext) async throws -> Response {
        let refusal = RefusalAggregator.Refusal(source: context.source, code: problem.code,
                                                credential: Self.credential(request.headers[.authorization]))
        let lines = await refusals.record(refusal, at: now())
        if !lines.isEmpty { try await ingest.store.appendAudit(lines) }
        return problem.response
    }

    /// Writes the counts of refusal minutes that have ended (all with `force`, at shutdown).
    public func flushRefusals(force: Bool = false) async throws {
        let lines = await refusals.flush(now: now(), force: force)
        if !lines.isEmpty { try await ingest.store.appendAudit(lines) }
    }

    /// How a presented credential is named in the audit log: its kind and the first 8 hex digits
    /// of its SHA-256 — never the secret.
    static func credential(_ authorization: String?) -> String {
        guard let authorization, !authorization.isEmpty else { return "none" }
        guard authorization.hasPrefix("Bearer ") else { return "other scheme" }
        let token = String(authorization.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        let kind = [PartnerToken.prefix, ClientCredential.tokenPrefix, Operator.tokenPrefix].first { token.hasPrefix($0) } ?? "unknown kind"
        return "bearer \(kind) sha256:\(PartnerToken.hash(token).prefix(8))"
    }
}
