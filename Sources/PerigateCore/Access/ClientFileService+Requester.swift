extension ClientFileService.Requester {
    /// Whether she acts herself (client portal).
    public var isClient: Bool {
        if case .client = self { return true }
        return false
    }

    /// Who acts, as audit actors and registrations name them: `ura:…/uzi:…` or `client:{credential id}`.
    public var actor: String {
        switch self {
        case .partner(_, let caller): return caller.auditActor
        case .client(let credential, _, _): return "client:\(credential.id)"
        }
    }

    /// An audit line for something this requester did.
    public func auditLine(time: String, event: String, action: String, object: String, outcome: String, checks: String,
                          detail: String? = nil, objectDetail: AuditObject? = nil) -> AuditEntry {
        switch self {
        case .partner(_, let caller):
            return caller.auditLine(time: time, event: event, action: action, object: object, outcome: outcome, checks: checks, detail: detail,
                                    objectDetail: objectDetail)
        case .client(let credential, let accessPoint, let traceId):
            return AuditEntry(time: time, actor: actor, event: event, action: action, object: object, outcome: outcome, checks: checks,
                              detail: detail, user: AuditUser(id: actor, name: nil, role: "client", responsible: nil, accessPoint: accessPoint),
                              objectDetail: objectDetail, traceId: traceId ?? credential.id)
        }
    }

    /// The audit line of a consent registration about client `bsn` by this requester.
    public func consentAuditLine(bsn: String, event: String, time: String, outcome: String, checks: String, detail: String?) -> AuditEntry {
        auditLine(time: time, event: event, action: "C", object: "bsn:\(bsn)/consent", outcome: outcome, checks: checks, detail: detail,
                  objectDetail: .client(bsn, category: "toestemming", authorizationProtocol: AccessPolicy.protocolName))
    }
}
