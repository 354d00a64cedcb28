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
    /// Re-derives the facts of stored messages.
    public let mapper: CanonicalMapper
    public let parser: SafeXMLParser
    /// Current time, injected for tests.
    public var now: @Sendable () -> Date
    /// The partner registry: her file shows each sender with its registered name, AGB and type
    /// (``SenderPolicy/withRegisteredSenders(_:partners:)``); `nil`: as the messages say.
    public var partners: (any PartnerRegistry)?

    public init(store: any MessageStore, views: ViewPolicy, validator: MessageValidator, partners: (any PartnerRegistry)? = nil,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.partners = partners
        self.views = views
        self.mapper = CanonicalMapper(validator: validator)
        self.parser = validator.parser
        self.now = now
    }

    /// The outcome of a record read.
    public enum ReadOutcome: Sendable, Hashable {
        /// The record through the caller's view; `basis` names the consent that allowed it.
        case record(ClientRecord, basis: String)
        case refused(AccessPolicy.Refusal)
    }

    /// Reads the record of `bsn` for `partner` (acting through `caller`), with superseded values
    /// when `history` is set. An `emergencyReason` (break-the-glass) skips the care-relationship
    /// and consent checks and flags the line as an emergency.
    public func read(bsn: BSN, partner: Partner, caller: IngestService.Caller, history: Bool,
                     emergencyReason: String? = nil) async throws -> ReadOutcome {
        let facts = try await facts(bsn: bsn)
        let consents = try await store.consents(bsn: bsn.value)
        let emergency = emergencyReason != nil
        let decision = AccessPolicy.recordRead(by: partner, facts: facts, consents: consents, views: views, emergency: emergency)
        let checks = AccessPolicy.readChecks(by: partner, facts: facts, consents: consents, views: views, emergency: emergency)
        let custodians = Self.custodians(facts)
        let line = { (outcome: String, detail: String) in
            caller.auditLine(time: self.now().formatted(.iso8601), event: "record.read", action: "R", object: "bsn:\(bsn.value)/record",
                             outcome: outcome, checks: checks, detail: detail,
                             objectDetail: .client(bsn.value, category: "zwangerschapsdossier", authorizationProtocol: AccessPolicy.protocolName,
                                                   consent: outcome == "success" ? detail : nil),
                             custodians: outcome == "success" ? custodians : nil,
                             eventType: emergency ? "emergency" : "normal", emergencyReason: emergencyReason)
        }
        switch decision {
        case .refused(let refusal):
            try await store.appendAudit([line("refused", refusal.code.rawValue)])
            return .refused(refusal)
        case .allowed(let basis):
            let record = try views.view(try ClientRecord.build(from: facts), for: partner.type)
            try await store.appendAudit([line("success", basis)])
            return .record(history ? record : record.withoutHistory(), basis: basis)
        }
    }

    /// The organisations that made her data available: the senders of her messages, once each.
    static func custodians(_ facts: [MessageFacts]) -> [AuditOrganisation] {
        var seen = Set<String>()
        return facts.map(\.provenance.sender).filter { seen.insert($0.ura ?? $0.name ?? "").inserted }.map(AuditOrganisation.init)
    }

    /// The facts of every accepted message about her, each sender as registered.
    func facts(bsn: BSN) async throws -> [MessageFacts] {
        let facts = try await mapper.facts(bsn: bsn.value, in: store, parser: parser)
        guard let partners, !facts.isEmpty else { return facts }
        return SenderPolicy.withRegisteredSenders(facts, partners: try await partners.partners())
    }

    /// The outcome of a consent registration.
    public enum ConsentOutcome: Sendable, Hashable {
        case registered(ExchangeConsent)
        case refused(AccessPolicy.Refusal)
        /// The request itself is wrong (e.g. the date); nothing was registered.
        case invalid(String)
    }

    /// Registers that the client gave or withdrew her consent for exchange on `date`, as stated
    /// by the professional acting (who needs a care relationship with her).
    public func registerConsent(bsn: BSN, status: ExchangeConsent.Status, date: String, partner: Partner,
                                caller: IngestService.Caller) async throws -> ConsentOutcome {
        let time = now().formatted(.iso8601)
        let line = { (outcome: String, checks: String, detail: String?) in
            caller.consentAuditLine(bsn: bsn.value, event: status.auditEvent, time: time, outcome: outcome, checks: checks, detail: detail)
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
        let facts = try await facts(bsn: bsn)
        if let refusal = AccessPolicy.careTeamRefusal(by: partner, facts: facts, views: views) {
            try await store.appendAudit([line("refused", refusal.code == .partnerType ? AuditChecks.unauthorized : AuditChecks.noCareRelationship, refusal.code.rawValue)])
            return .refused(refusal)
        }
        let consent = ExchangeConsent(bsn: bsn.value, status: status, date: date, recordedAt: time, recordedBy: caller.auditActor)
        try await store.registerConsent(consent, audit: [line("success", AuditChecks.careTeam, nil)])
        return .registered(consent)
    }
}
