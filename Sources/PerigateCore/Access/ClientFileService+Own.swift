import Foundation

extension ClientFileService {
    /// Her own file, read by herself through her client portal (`pgc_…`): her electronic access
    /// under the Wabvpz (art. 15d). Her whole record, no partner view; superseded values with `history`. The read is
    /// an audit line in her log like every record read (event `record.read`, her credential as the
    /// actor, `query` as asked); a credential of another client is refused and logged.
    public func readOwn(bsn: BSN, credential: ClientCredential, accessPoint: String?, traceId: String?, query: String?,
                        history: Bool = false) async throws -> ReadOutcome {
        let allowed = credential.bsn == bsn.value
        let refusal = allowed ? nil : AccessPolicy.Refusal(code: .otherClient, reason: "this credential belongs to another client")
        let actor = "client:\(credential.id)"
        let line = AuditEntry(
            time: now().formatted(.iso8601), actor: actor, event: "record.read", action: "R", object: "bsn:\(bsn.value)/record",
            outcome: allowed ? "success" : "refused", checks: allowed ? AuditChecks.authorized : AuditChecks.unauthorized,
            detail: refusal?.code.rawValue ?? Self.ownAccessBasis,
            user: AuditUser(id: actor, name: nil, role: "client", responsible: nil, accessPoint: accessPoint),
            objectDetail: .client(bsn.value, category: "zwangerschapsdossier", authorizationProtocol: AccessPolicy.protocolName,
                                  query: query?.isEmpty == false ? query : nil),
            traceId: traceId ?? credential.id)
        try await store.appendAudit([line])
        if let refusal { return .refused(refusal) }
        let (_, version) = try await records.load(bsn.value)
        var stored: RecordDocument?
        if let version {
            stored = try await records.record(bsn.value, version: version, view: "client|history:\(history)") { record, _ in
                history ? record : record.withoutHistory()
            }
        }
        return .record(stored ?? RecordDocument(ClientRecord.empty(bsn: bsn.value)), basis: Self.ownAccessBasis)
    }

    /// The basis of her own reads in the audit log.
    public static let ownAccessBasis = "client-portal:wabvpz-15d"
}
