import Foundation
import PerigateXML

/// The ingest use case, shared by the HTTP server and the CLI: validate → map → authorize the
/// sender → store durably with its audit lines → receipt.
///
/// Nothing is acknowledged before the store's transaction has committed. Rejections are stored
/// as rejection receipts (with their report) and audited, never forwarded.
public struct IngestService: Sendable {
    /// Parses and validates every offered message.
    public let validator: MessageValidator
    /// Maps valid messages (made from ``validator``).
    public let mapper: CanonicalMapper
    /// Where messages, rejection receipts and audit lines are stored durably.
    public let store: any MessageStore
    /// Current time, injected for tests.
    public var now: @Sendable () -> Date
    /// Plans the outbox rows of accepted messages; `nil`: nothing is forwarded.
    public var planner: DeliveryPlanner?
    /// Told the validation time of every message (metrics).
    public var observer: (any IngestObserver)?
    /// The view policy the access rules read (which partner types take part); the planner's
    /// when not given.
    public var views: ViewPolicy?
    /// Her stored index (care team, consents) the access rules and routing read.
    public var records: ClientRecords
    /// Recognised national messages taken without an XSD to check them (`ingest.acceptWithoutSchema`:
    /// `kind` or `kind version`; default none): flagged "not schema-validated" in the receipt, the
    /// provenance and the console (``SchemaWaiver``).
    public var acceptWithoutSchema: Set<String> = []

    /// The use case over `validator` (its mapper is made from it) and `store`; `planner` plans deliveries.
    public init(validator: MessageValidator, store: any MessageStore, planner: DeliveryPlanner? = nil,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.validator = validator
        self.mapper = CanonicalMapper(validator: validator)
        self.store = store
        self.planner = planner
        self.now = now
        records = ClientRecords(store: store, validator: validator)
    }

    /// Who acts: the authenticated partner and the end user (asserted per request by the partner).
    public struct Caller: Sendable, Hashable {
        public var partnerURA: String
        /// e.g. `uzi:900012345` or `agb:01234567`.
        public var user: String
        /// The user's name, as asserted.
        public var userName: String?
        /// The user's role, e.g. `verloskundige`, `gynaecoloog`, `jgz-verpleegkundige`.
        public var userRole: String?
        /// The responsible person when the user acts on someone's behalf (`uzi:…`/`agb:…`).
        public var onBehalfOf: String?
        /// The partner's name, AGB code and type (e.g. `ziekenhuis`), as registered.
        public var partnerName: String?
        public var partnerAGB: String?
        public var partnerType: String?
        /// Where the request came from (IP address).
        public var accessPoint: String?
        /// Correlates the audit lines of one exchange.
        public var traceId: String?
        /// The registered partner's id.
        public var partnerId: String?

        public init(partnerURA: String, user: String, userName: String? = nil, userRole: String? = nil, onBehalfOf: String? = nil,
                    partnerName: String? = nil, partnerAGB: String? = nil, partnerType: String? = nil, accessPoint: String? = nil,
                    traceId: String? = nil, partnerId: String? = nil) {
            self.partnerId = partnerId
            self.partnerURA = partnerURA
            self.user = user
            self.userName = userName
            self.userRole = userRole
            self.onBehalfOf = onBehalfOf
            self.partnerName = partnerName
            self.partnerAGB = partnerAGB
            self.partnerType = partnerType
            self.accessPoint = accessPoint
            self.traceId = traceId
        }

        /// An audit line for something this caller did, with every user and organisation field filled.
        public func auditLine(time: String, event: String, action: String, object: String, outcome: String, checks: String,
                              detail: String? = nil, objectDetail: AuditObject? = nil, custodians: [AuditOrganisation]? = nil,
                              eventType: String = "normal", emergencyReason: String? = nil) -> AuditEntry {
            AuditEntry(time: time, actor: auditActor, event: event, action: action, eventType: eventType, object: object, outcome: outcome,
                       checks: checks, detail: detail,
                       user: AuditUser(id: user, name: userName, role: userRole, responsible: onBehalfOf, accessPoint: accessPoint),
                       organisation: AuditOrganisation(ura: partnerURA, agb: partnerAGB, name: partnerName), custodians: custodians,
                       objectDetail: objectDetail, traceId: traceId, emergencyReason: emergencyReason)
        }

        /// The audit line of a consent registration about client `bsn` (event `consent.given`,
        /// `consent.withdrawn`, or `consent.register` when the request was unreadable).
        public func consentAuditLine(bsn: String, event: String, time: String, outcome: String, checks: String, detail: String?) -> AuditEntry {
            auditLine(time: time, event: event, action: "C", object: "bsn:\(bsn)/consent", outcome: outcome, checks: checks, detail: detail,
                      objectDetail: .client(bsn, category: "toestemming", authorizationProtocol: AccessPolicy.protocolName))
        }

        /// The registered partner as far as the caller carries it (type, URA, name, AGB) — what
        /// the access policy decides on.
        public var partner: Partner {
            Partner(id: partnerId ?? "", name: partnerName ?? "", type: partnerType ?? "", ura: partnerURA, agb: partnerAGB, createdAt: "")
        }

        /// How the caller appears in audit lines: `ura:01234567/uzi:900012345`, with
        /// `/for:uzi:…` when acting on someone's behalf.
        public var auditActor: String {
            "ura:\(partnerURA)/\(user)" + (onBehalfOf.map { "/for:\($0)" } ?? "")
        }
    }

    /// Offers one message. Throws only for infrastructure failures (the store); every problem
    /// with the message itself is an ``IngestOutcome``.
    public func ingest(_ bytes: Data, from caller: Caller) async throws -> IngestOutcome {
        let receivedAt = now().formatted(.iso8601)
        let reading = mapper.read(bytes, validator: validator, waiver: .listed(acceptWithoutSchema)) { report, duration in
            observer?.validated(kind: report.kind, outcome: report.outcome.rawValue, duration: duration)
        }
        switch reading {
        case .unparsed(let issues):
            let reason: IngestOutcome.RejectionReason = switch issues.first?.code {
            case .tooLarge?: .tooLarge
            case .tooComplex?: .tooComplex
            default: .malformed
            }
            return try await reject(reason, ValidationReport(unparsed: issues), bytes, caller, receivedAt)
        case .refused(let report):
            return try await reject(Self.reason(for: report.outcome), report, bytes, caller, receivedAt)
        case .unmapped(let report, let error as MappingError) where error.code != .noMapper:
            // Valid against its schema, but not usable (e.g. no BSN for the mother, a relative test date).
            var refused = report
            refused.issues.append(ValidationIssue(code: error.code.rawValue, message: error.message, path: nil))
            return try await reject(.invalid, refused, bytes, caller, receivedAt)
        case .unmapped(let report, _):
            return try await reject(.noMapper, report, bytes, caller, receivedAt)
        case .mapped(let mapped, let report, let type):
            // A national message that names no URA (ADA) is the authenticated partner's; one that
            // names a URA must name the caller's, as Perigate's own kinds always must.
            let facts = mapper.attributed(mapped, toSender: caller.partnerURA, requiresURA: type.requiresSenderURA)
            return try await accept(facts, type: type, report: SchemaWaiver.waived(report), bytes: bytes, caller: caller, receivedAt: receivedAt)
        }
    }

    /// Authorizes a mapped message (sender, consent registration) and stores it, or refuses it.
    private func accept(_ facts: MessageFacts, type: MessageType, report: ValidationReport, bytes: Data, caller: Caller,
                        receivedAt: String) async throws -> IngestOutcome {
        if let problem = MessageKey.problem(facts.provenance.messageId) {
            var refused = report
            refused.issues.append(ValidationIssue(code: "message.id-invalid", message: problem, path: nil))
            return try await reject(.invalid, refused, bytes, caller, receivedAt)
        }
        // Defence in depth: a partner of a type that may not take part (insurer, company doctor)
        // sends nothing, even when the database holds one.
        if let type = caller.partnerType, !AccessPolicy.takesPart(type) {
            var refused = report
            refused.issues.append(ValidationIssue(code: AccessPolicy.Refusal.Code.partnerType.rawValue,
                                                  message: "partner type '\(type)' may not take part in the exchange", path: nil))
            return try await reject(.partnerType, refused, bytes, caller, receivedAt)
        }
        if let refusal = SenderPolicy.refusal(authenticatedURA: caller.partnerURA, claimed: facts.provenance.sender) {
            var refused = report
            // The path is one in this message (parsed again: refusals are rare).
            let document: XMLDocument? = if case .document(let parsed) = validator.parser.parse(bytes) { parsed } else { nil }
            refused.issues.append(ValidationIssue(code: "auth.sender-mismatch", message: refusal,
                                                  path: document.flatMap { type.senderPath(in: $0, claimedURA: facts.provenance.sender.ura) }))
            return try await reject(.senderMismatch, refused, bytes, caller, receivedAt)
        }
        // Organisations a kernset names only by LVR id become the partners holding those ids.
        let partners = try await planner?.registeredPartners() ?? []
        let (facts, senderWarnings) = registered(SenderPolicy.resolvingLVR(facts, partners: partners), caller: caller)
        let client = try await records.client(facts.client.bsn)
        if let refusal = consentRefusal(facts, caller: caller, client: client) {
            var refused = report
            // A path only where the message itself carries consent (Perigate's toestemming); a
            // national message refused for her recorded consent has no such element.
            refused.issues.append(ValidationIssue(code: refusal.code.rawValue, message: refusal.reason,
                                                  path: type.isPerigateKind ? "/toestemming/uitwisseling" : nil))
            return try await reject(.consentRefused, refused, bytes, caller, receivedAt)
        }
        var report = report
        report.issues += senderWarnings + (try await planner?.notForwarded(for: facts, senderURA: caller.partnerURA,
                                                                                  consents: client.consents) ?? [])
        return try await store(facts, report: report, bytes: bytes, caller: caller, client: client, receivedAt: receivedAt)
    }

    /// The facts with the caller's registered name, AGB and type for its own organisation, and the
    /// receipt warnings where the message says otherwise (``SenderPolicy/registered(_:as:)``).
    /// Unchanged when the caller's registration is not known (e.g. a benchmark caller).
    private func registered(_ facts: MessageFacts, caller: Caller) -> (MessageFacts, [ValidationIssue]) {
        guard let name = caller.partnerName else { return (facts, []) }
        return SenderPolicy.registered(facts, as: OrganisationRef(ura: caller.partnerURA, agb: caller.partnerAGB, name: name,
                                                                  type: caller.partnerType))
    }

    /// A consent registration by message (`toestemming`) follows the rule of the consent API
    /// (``AccessPolicy/Purpose/actForClient``): only a member of her established care team may
    /// register it. `nil` for other kinds and when allowed.
    private func consentRefusal(_ facts: MessageFacts, caller: Caller, client: AccessPolicy.Client) -> AccessPolicy.Refusal? {
        guard facts.exchangeConsentChange != nil else { return nil }
        guard let views = views ?? planner?.views else {
            return AccessPolicy.Refusal(code: .partnerType, reason: "no view policy is configured: nobody may register consent")
        }
        return AccessPolicy.decide(.actForClient, by: caller.partner, for: client, views: views).refusal
    }

    private func store(_ facts: MessageFacts, report: ValidationReport, bytes: Data, caller: Caller, client: AccessPolicy.Client,
                       receivedAt: String) async throws -> IngestOutcome {
        var message = StoredMessage(id: try await storageKey(facts.provenance.messageId, caller: caller), receivedAt: receivedAt,
                                    report: report, senderURA: caller.partnerURA, bsn: facts.client.bsn, raw: bytes, facts: facts,
                                    senderPartnerId: caller.partnerId)
        var lines: [AuditEntry] = []
        if let change = facts.exchangeConsentChange {
            message.exchangeConsent = ExchangeConsent(bsn: facts.client.bsn, status: change.status, date: change.date, recordedAt: receivedAt,
                                                      recordedBy: caller.auditActor, messageId: message.id)
            lines.append(caller.consentAuditLine(bsn: facts.client.bsn, event: change.status.auditEvent, time: receivedAt, outcome: "success",
                                                 checks: AuditChecks.careTeam, detail: "message:\(message.id)"))
        }
        let audit = caller.auditLine(
            time: receivedAt, event: "message.import", action: "C", object: "bsn:\(facts.client.bsn)/message:\(message.id)",
            outcome: "success", checks: AuditChecks.authorized,
            objectDetail: .client(facts.client.bsn, category: facts.provenance.kind, authorizationProtocol: SenderPolicy.protocolName),
            custodians: [AuditOrganisation(facts.provenance.sender)])
        // A sender outside her established care team claims a relationship: her care team is told
        // (inbox events, planned below) and her log shows it.
        let claim = client.team.isNewClaim(facts)
        if claim {
            lines.append(caller.auditLine(time: receivedAt, event: "care.claim", action: "C", object: "bsn:\(facts.client.bsn)/care-team",
                                          outcome: "success", checks: AuditChecks.authorized, detail: "message:\(message.id)",
                                          objectDetail: .client(facts.client.bsn, category: "zorgrelatie",
                                                                authorizationProtocol: AccessPolicy.protocolName)))
        }
        let deliveries = try await planner?.deliveries(for: facts, sender: caller.partner, client: client, claim: claim, now: now()) ?? []
        var outcome = try await store.accept(message, audit: [audit] + lines, deliveries: deliveries)
        // Another partner took the same id between the look-up and the commit: this sender's
        // message is its own, under its scoped key (``MessageKey``).
        if case .duplicate(let original) = outcome, !MessageKey.isOwn(original, by: caller.partner) { outcome = .conflict(original) }
        if case .conflict(let original) = outcome, let partnerId = caller.partnerId, !MessageKey.isOwn(original, by: caller.partner) {
            message.id = MessageKey.scoped(facts.provenance.messageId, partnerId: partnerId)
            outcome = try await store.accept(message, audit: [audit] + lines, deliveries: deliveries)
        }
        switch outcome {
        case .stored:
            return .accepted(Self.receipt(for: message, planned: deliveries))
        case .duplicate(let original):
            return .duplicate(Self.receipt(for: original, planned: try await planner?.planned(messageId: original.id) ?? []))
        case .conflict:
            return try await conflict(facts.provenance.messageId, report: report, caller: caller, receivedAt: receivedAt)
        }
    }

    /// A re-send with an accepted message's id and other content: kept as a rejection row
    /// (``StoredMessage/conflictPrefix``), metadata only — no bytes, no BSN — so the console shows
    /// and counts it. The store wrote the attempt's audit lines already (as refused); the original stays.
    private func conflict(_ messageId: String, report: ValidationReport, caller: Caller, receivedAt: String) async throws -> IngestOutcome {
        var refused = report
        refused.issues.append(ValidationIssue(code: "message.conflict", message: "message \(messageId) was accepted before with different content",
                                              path: nil))
        let row = StoredMessage(id: StoredMessage.conflictPrefix + UUID().uuidString.lowercased(), receivedAt: receivedAt, report: refused,
                                senderURA: caller.partnerURA, raw: Data(), senderPartnerId: caller.partnerId)
        _ = try await store.accept(row, audit: [])
        return .conflict(messageId: messageId, kind: report.kind, version: report.version)
    }

    /// Where a message from this caller is stored (``MessageKey``): under its own id, unless
    /// another partner already holds that id — then under the id scoped to this sender.
    private func storageKey(_ id: String, caller: Caller) async throws -> String {
        guard let partnerId = caller.partnerId else { return id }
        let scoped = MessageKey.scoped(id, partnerId: partnerId)
        let stored = try await store.messages(ids: [scoped, id])
        if stored[scoped] != nil { return scoped }
        guard let existing = stored[id] else { return id }
        return MessageKey.isOwn(existing, by: caller.partner) ? id : scoped
    }

    private func reject(_ reason: IngestOutcome.RejectionReason, _ report: ValidationReport, _ bytes: Data,
                        _ caller: Caller, _ receivedAt: String) async throws -> IngestOutcome {
        let rejectionId = "rejected-" + UUID().uuidString.lowercased()
        // A refused message is kept (capped) as evidence, without facts; it is never forwarded.
        let kept = bytes.prefix(validator.parser.maximumBytes)
        let message = StoredMessage(id: rejectionId, receivedAt: receivedAt, report: report,
                                    senderURA: caller.partnerURA, raw: Data(kept), senderPartnerId: caller.partnerId)
        let audit = caller.auditLine(
            time: receivedAt, event: "message.import", action: "C", object: "message:\(rejectionId)", outcome: "refused",
            checks: [.senderMismatch, .partnerType].contains(reason) ? AuditChecks.unauthorized
                : reason == .consentRefused ? AuditChecks.noCareRelationship : AuditChecks.authorized,
            detail: "message.\(reason.rawValue)",
            objectDetail: AuditObject(idType: "urn:perigate:message", id: rejectionId, objectClass: "system-object",
                                      category: report.kind, authorizationProtocol: SenderPolicy.protocolName))
        _ = try await store.accept(message, audit: [audit])
        return .rejected(reason: reason, report: report, rejectionId: rejectionId)
    }

    static func reason(for outcome: ValidationReport.Outcome) -> IngestOutcome.RejectionReason {
        switch outcome {
        case .malformed: return .malformed
        case .unsupported: return .unsupported
        case .schemaRequired: return .schemaRequired
        case .invalid, .valid: return .invalid
        }
    }

    /// The receipt the sender got for an accepted message (without its planned deliveries).
    /// The receipt of a stored message with its planned deliveries: what the sender got, and what
    /// a re-send and the console show.
    public static func receipt(for message: StoredMessage, planned: [Delivery]) -> Receipt {
        var receipt = receipt(for: message)
        receipt.deliveriesPlanned = DeliveryPlanner.receiptNames(planned)
        return receipt
    }

    public static func receipt(for message: StoredMessage) -> Receipt {
        Receipt(messageId: MessageKey.messageId(of: message.id), kind: message.report.kind ?? "", version: message.report.version ?? "",
                clientReference: message.bsn.map { Receipt.maskedReference(bsn: $0) } ?? "",
                receivedAt: message.receivedAt, warnings: message.report.warnings, deliveriesPlanned: [])
    }
}
