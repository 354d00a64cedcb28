import Foundation
import PerigateXML

/// The shared client file use case (gezamenlijk cliëntendossier), shared by the HTTP server and
/// the CLI: read a client's record through the caller's view, register her consent for exchange.
///
/// Every call writes its audit line — allowed or refused — before anything is returned; when the
/// line cannot be written the call throws and no client data leaves (fail closed).
public struct ClientFileService: Sendable {
    public let store: any MessageStore
    public let views: ViewPolicy
    /// Current time, injected for tests.
    public var now: @Sendable () -> Date
    /// Where emergency reads are told to her care team (events in their inboxes, written with
    /// the read's audit line); `nil`: the read is only audited.
    public var careTeamInbox: (any ForwardingStore & PartnerRegistry)?
    /// Her stored index and record (with the partner registry a rebuild names senders by).
    public var records: ClientRecords

    public init(store: any MessageStore, views: ViewPolicy, validator: MessageValidator, partners: (any PartnerRegistry)? = nil,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.records = ClientRecords(store: store, validator: validator, partners: partners)
        self.views = views
        self.now = now
    }

    /// The outcome of a record read.
    public enum ReadOutcome: Sendable, Hashable {
        /// The record through the caller's view; `basis` names the consent that allowed it.
        case record(RecordDocument, basis: String)
        case refused(AccessPolicy.Refusal)
    }

    /// Reads the record of `bsn` for `partner` (acting through `caller`), with superseded values
    /// when `history` is set. An `emergencyReason` (break-the-glass) skips the care-relationship
    /// and consent-registration checks for acute-care partner types — never a withdrawal — flags
    /// the line as an emergency and tells her care team (an event in their inboxes). A BSN the
    /// gateway does not know reads as a client with nothing to show. `query`: what a FHIR search
    /// asked, in the audit line's object.
    public func read(bsn: BSN, partner: Partner, caller: IngestService.Caller, history: Bool,
                     emergencyReason: String? = nil, query: String? = nil) async throws -> ReadOutcome {
        let (client, version) = try await records.load(bsn.value)
        let emergency = emergencyReason != nil
        let verdict = AccessPolicy.decide(.read(emergency: emergency), by: partner, for: client, views: views)
        let custodians = client.index.custodians.map(AuditOrganisation.init)
        let time = now().formatted(.iso8601)
        let line = { (outcome: String, detail: String) in
            caller.auditLine(time: time, event: "record.read", action: "R", object: "bsn:\(bsn.value)/record",
                             outcome: outcome, checks: verdict.checks, detail: detail,
                             objectDetail: .client(bsn.value, category: "zwangerschapsdossier", authorizationProtocol: AccessPolicy.protocolName,
                                                   consent: outcome == "success" ? detail : nil, query: query),
                             custodians: outcome == "success" ? custodians : nil,
                             eventType: emergency ? "emergency" : "normal", emergencyReason: emergencyReason)
        }
        switch verdict.decision {
        case .refused(let refusal):
            try await store.appendAudit([line("refused", refusal.code.rawValue)])
            return .refused(refusal)
        case .allowed(let basis):
            let viewed = { (record: ClientRecord, present: Set<String>?) in
                let view = try views.view(record, for: partner.type, sectionsPresent: present)
                return history ? view : view.withoutHistory()
            }
            var stored: RecordDocument?
            if let version { stored = try await records.record(bsn.value, version: version, view: "\(partner.type)|history:\(history)", viewed) }
            let record = try stored ?? RecordDocument(viewed(.empty(bsn: bsn.value), nil))
            if emergency, let careTeamInbox {
                let events = CareTeamNotice.events(CareTeamNotice.emergency, bsn: bsn.value, messageId: "", actor: partner, team: client.team,
                                                   partners: try await careTeamInbox.partners(), time: time)
                try await careTeamInbox.notify(events, audit: [line("success", basis)])
            } else {
                try await store.appendAudit([line("success", basis)])
            }
            return .record(record, basis: basis)
        }
    }

    /// What the gateway knows of her for an access decision: her stored index, her consent
    /// registrations and her own care confirmations.
    func client(_ bsn: BSN) async throws -> AccessPolicy.Client {
        try await records.client(bsn.value)
    }

    /// The outcome of a consent registration.
    public enum ConsentOutcome: Sendable, Hashable {
        case registered(ExchangeConsent)
        case refused(AccessPolicy.Refusal)
        /// The request itself is wrong (e.g. the date); nothing was registered.
        case invalid(String)
    }

    /// Registers that the client gave or withdrew her consent for exchange on `date`: stated by a
    /// professional of her established care team, or by herself through her client portal. The
    /// registration names who registered it.
    public func registerConsent(bsn: BSN, status: ExchangeConsent.Status, date: String, requester: Requester) async throws -> ConsentOutcome {
        let time = now().formatted(.iso8601)
        let line = { (outcome: String, checks: String, detail: String?) in
            requester.consentAuditLine(bsn: bsn.value, event: status.auditEvent, time: time, outcome: outcome, checks: checks, detail: detail)
        }
        let problem: String? = if date.count != 10 || ClinicalDate(date)?.dateOnly != true {
            "date must be a calendar date (YYYY-MM-DD)"
        } else if let day = ClinicalDate(date), ClinicalDate(dayOf: now()) < day {
            "date \(date) lies in the future"
        } else { nil }
        if let problem {
            try await store.appendAudit([line("refused", AuditChecks.notChecked, "consent.invalid")])
            return .invalid(problem)
        }
        switch requester {
        case .client(let credential, _, _) where credential.bsn != bsn.value:
            let refusal = AccessPolicy.Refusal(code: .otherClient, reason: "this credential belongs to another client")
            try await store.appendAudit([line("refused", AuditChecks.unauthorized, refusal.code.rawValue)])
            return .refused(refusal)
        case .client:
            break
        case .partner(let partner, _):
            let verdict = AccessPolicy.decide(.actForClient, by: partner, for: try await client(bsn), views: views)
            if let refusal = verdict.refusal {
                try await store.appendAudit([line("refused", verdict.checks, refusal.code.rawValue)])
                return .refused(refusal)
            }
        }
        let consent = ExchangeConsent(bsn: bsn.value, status: status, date: date, recordedAt: time, recordedBy: requester.actor)
        try await store.registerConsent(consent, audit: [line("success", requester.isClient ? AuditChecks.authorized : AuditChecks.careTeam, nil)])
        return .registered(consent)
    }
}
