import Foundation

/// One access fact for the audit log (AUDIT.md, every ★ field). Stored as one line of a hash
/// chain (``AuditChain``): its canonical JSON, the previous line's hash and its own.
public struct AuditEntry: Sendable, Codable, Hashable {
    /// Sequence number, given by the store (0 before it is written).
    public var sequence: Int
    /// Unique id of the event (UUID).
    public var id: String
    /// UTC, ISO 8601.
    public var time: String
    /// Who acted, in short: `ura:27654321/uzi:900067890[/for:uzi:…]`, `operator:cli`, `system:perigate`.
    public var actor: String
    /// Coded event, e.g. `message.import`, `record.read`, `partner.add` (docs/audit.md lists them).
    public var event: String
    /// C, R, U, D or E (execute).
    public var action: String
    /// `normal`, `emergency` (break-the-glass) or `log-access` (access to the log itself).
    public var eventType: String
    /// What was touched, in short: `bsn:999990007/record`, `message:<id>`, `partner:<id>`.
    public var object: String
    /// `success`, `refused` or `error`.
    public var outcome: String
    /// The checks, one position each — authorization, care relationship, consent, emergency
    /// procedure: `T` passed (or, last position, used), `F` failed (or not used), `-` not applicable.
    public var checks: String
    /// Why (a refusal code such as `access.no-consent`) or on what basis (`consent:registered`).
    public var detail: String?
    /// The client concerned (normalised BSN), when the object is client data: taken from an
    /// `object` that starts with `bsn:`. Her own access log is selected by it.
    public var client: String?
    /// The end user (for partner requests).
    public var user: AuditUser?
    /// The acting organisation.
    public var organisation: AuditOrganisation?
    /// Who made the data available (the senders of the messages concerned).
    public var custodians: [AuditOrganisation]?
    /// The object in detail: identifier system and data category.
    public var objectDetail: AuditObject?
    /// Correlates the lines of one exchange (W3C trace id from `traceparent`, else the request id).
    public var traceId: String?
    /// The reason given for emergency access.
    public var emergencyReason: String?
    /// Which gateway wrote it: instance id and site (stamped by the store).
    public var source: AuditSource?

    /// The same line with outcome `refused`.
    public var refused: AuditEntry {
        var copy = self
        copy.outcome = "refused"
        return copy
    }

    public init(sequence: Int = 0, id: String = UUID().uuidString.lowercased(), time: String, actor: String, event: String,
                action: String, eventType: String = "normal", object: String, outcome: String, checks: String = AuditChecks.notChecked,
                detail: String? = nil, user: AuditUser? = nil, organisation: AuditOrganisation? = nil,
                custodians: [AuditOrganisation]? = nil, objectDetail: AuditObject? = nil, traceId: String? = nil,
                emergencyReason: String? = nil, source: AuditSource? = nil) {
        self.sequence = sequence
        self.id = id
        self.time = time
        self.actor = actor
        self.event = event
        self.action = action
        self.eventType = eventType
        self.object = object
        self.outcome = outcome
        self.checks = checks
        self.detail = detail
        client = object.hasPrefix("bsn:") ? String(object.dropFirst(4).prefix { $0.isNumber }) : nil
        self.user = user
        self.organisation = organisation
        self.custodians = custodians
        self.objectDetail = objectDetail
        self.traceId = traceId
        self.emergencyReason = emergencyReason
        self.source = source
    }
}

/// The end user of an audited request.
public struct AuditUser: Sendable, Codable, Hashable {
    /// `uzi:…` or `agb:…`.
    public var id: String
    public var name: String?
    /// Coded role, e.g. `verloskundige`.
    public var role: String?
    /// True for the user who started the request (always, for now: one user per request).
    public var initiator: Bool
    /// The responsible person when the user acted on someone's behalf.
    public var responsible: String?
    /// Where the request came from (IP address).
    public var accessPoint: String?

    public init(id: String, name: String?, role: String?, initiator: Bool = true, responsible: String?, accessPoint: String?) {
        self.id = id
        self.name = name
        self.role = role
        self.initiator = initiator
        self.responsible = responsible
        self.accessPoint = accessPoint
    }
}

/// An organisation in an audit line (URA, AGB, name).
public struct AuditOrganisation: Sendable, Codable, Hashable {
    public var ura: String?
    public var agb: String?
    public var name: String?

    public init(ura: String?, agb: String? = nil, name: String? = nil) {
        self.ura = ura
        self.agb = agb
        self.name = name
    }

    public init(_ reference: OrganisationRef) {
        self.init(ura: reference.ura, agb: reference.agb, name: reference.name)
    }
}

/// The object of an audit line in detail.
public struct AuditObject: Sendable, Codable, Hashable {
    /// Identifier system: the BSN OID, `urn:perigate:message`, `urn:perigate:partner`, …
    public var idType: String
    public var id: String
    /// `person` or `system-object`.
    public var objectClass: String
    /// Data category, e.g. `zwangerschapsdossier`, `verwijzing`, `toestemming`, `toegangslog`.
    public var category: String?
    /// The authorization protocol applied, with its version, e.g. `perigate-access-policy/1`.
    public var authorizationProtocol: String?
    /// The consent the access relied on (e.g. `consent:registered`), for client objects.
    public var consent: String?
    /// The query, for searches (e.g. `from=2026-01-01&to=2026-12-31`).
    public var query: String?

    public init(idType: String, id: String, objectClass: String, category: String? = nil, authorizationProtocol: String? = nil,
                consent: String? = nil, query: String? = nil) {
        self.idType = idType
        self.id = id
        self.objectClass = objectClass
        self.category = category
        self.authorizationProtocol = authorizationProtocol
        self.consent = consent
        self.query = query
    }

    /// A client (her BSN) as the object.
    public static func client(_ bsn: String, category: String, authorizationProtocol: String?, consent: String? = nil, query: String? = nil) -> AuditObject {
        AuditObject(idType: BSN.oid, id: bsn, objectClass: "person", category: category, authorizationProtocol: authorizationProtocol, consent: consent, query: query)
    }
}

/// The gateway that wrote a line.
public struct AuditSource: Sendable, Codable, Hashable {
    public var instance: String
    public var site: String

    public init(instance: String, site: String) {
        self.instance = instance
        self.site = site
    }
}
