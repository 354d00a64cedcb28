/// Where a fact came from: every fact in the canonical record carries one.
public struct Provenance: Sendable, Codable, Hashable {
    /// The source message's `berichtId`.
    public var messageId: String
    /// Kind and version of the source message, e.g. `verwijzing` / `1.0`.
    public var kind: String
    public var version: String
    /// The sending organisation.
    public var sender: OrganisationRef
    /// When the sender created the message (ISO 8601 with offset, as sent).
    public var time: String
    /// `false` for a message taken without schema validation (a recognised national kind with no
    /// installed XSD, accepted by the operator's `ingest.acceptWithoutSchema`, or read by
    /// `perigate map|record`); absent (`nil`) for a validated one.
    public var schemaValidated: Bool?

    public init(messageId: String, kind: String, version: String, sender: OrganisationRef, time: String) {
        self.messageId = messageId
        self.kind = kind
        self.version = version
        self.sender = sender
        self.time = time
    }
}

/// An organisation as identified in messages: URA and/or AGB, name and type.
public struct OrganisationRef: Sendable, Codable, Hashable {
    public var ura: String?
    public var agb: String?
    public var name: String?
    /// `verloskundigenpraktijk`, `ziekenhuis`, `kraamzorg`, `jgz`, `huisarts`, `echocentrum`.
    public var type: String?
    /// The organisation's id in the national perinatal registry (Perined LVR).
    public var lvrId: String?

    public init(ura: String? = nil, agb: String? = nil, name: String? = nil, type: String? = nil, lvrId: String? = nil) {
        self.ura = ura
        self.agb = agb
        self.name = name
        self.type = type
        self.lvrId = lvrId
    }
}

/// A care professional: UZI/AGB/BIG, name and role.
public struct PersonRef: Sendable, Codable, Hashable {
    public var uzi: String?
    public var agb: String?
    public var big: String?
    public var name: String?
    public var role: String?
    /// The organisation the person acted for, when known.
    public var organisation: OrganisationRef?
    /// Where the professional can be reached (e.g. `tel:+31…`).
    public var phone: String?

    public init(uzi: String? = nil, agb: String? = nil, big: String? = nil, name: String? = nil,
                role: String? = nil, organisation: OrganisationRef? = nil, phone: String? = nil) {
        self.phone = phone
        self.uzi = uzi
        self.agb = agb
        self.big = big
        self.name = name
        self.role = role
        self.organisation = organisation
    }
}

/// A coded value: code, code system and display text.
public struct CodedValue: Sendable, Codable, Hashable {
    public var code: String
    public var system: String?
    public var display: String?

    public init(code: String, system: String? = nil, display: String? = nil) {
        self.code = code
        self.system = system
        self.display = display
    }
}
