import HTTPTypes
import Hummingbird
import PerigateCore

/// A request's partner (from its bearer token) and the end user acting (from `Perigate-User`).
struct Authenticated {
    var partner: Partner
    /// e.g. `uzi:900012345` or `agb:03012345`.
    var user: String

    var ingestCaller: IngestService.Caller { IngestService.Caller(partnerURA: partner.ura, user: user) }
}

extension GatewayServer {
    /// The header naming the end user: `uzi:NNNNNNNNN` (9 digits) or `agb:NNNNNNNN` (8 digits).
    static let userHeader = HTTPField.Name("Perigate-User")!

    /// Bearer token → partner (not revoked); a well-formed end user is required.
    func authenticate(_ request: Request) async throws -> Result<Authenticated, Problem> {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            return .failure(Problem(status: .unauthorized, code: "auth.token-missing", detail: "send Authorization: Bearer <partner token>"))
        }
        let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let partner = try await partners.partner(tokenHash: PartnerToken.hash(token)) else {
            return .failure(Problem(status: .unauthorized, code: "auth.token-invalid", detail: "unknown or revoked partner token"))
        }
        guard let user = request.headers[Self.userHeader], Self.isWellFormedUser(user) else {
            return .failure(Problem(status: .unauthorized, code: "auth.user-missing",
                                    detail: "name the end user in the Perigate-User header (uzi:<9 digits> or agb:<8 digits>)"))
        }
        return .success(Authenticated(partner: partner, user: user))
    }

    /// Runs `body` for an authenticated request, or answers with the authentication problem.
    func authenticated(_ request: Request, _ body: (Authenticated) async throws -> Response) async throws -> Response {
        switch try await authenticate(request) {
        case .success(let caller): return try await body(caller)
        case .failure(let problem): return problem.response
        }
    }

    static func isWellFormedUser(_ value: String) -> Bool {
        let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return false }
        switch parts[0] {
        case "uzi": return ProviderIdentifier.uzi.problem(with: parts[1]) == nil
        case "agb": return ProviderIdentifier.agb.problem(with: parts[1]) == nil
        default: return false
        }
    }
}
