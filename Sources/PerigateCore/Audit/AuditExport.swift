import Foundation

/// Audit lines for auditors: NEN 7513 JSON lines (each line exactly as hashed, with its hashes,
/// so the chain can be recomputed from the export alone) and a FHIR R4 `Bundle` of `AuditEvent`
/// resources in the style of IHE Basic Audit Log Patterns.
public enum AuditExport {
    /// One export line: `{"entry": <the stored line>, "hash": …, "previousHash": …}`.
    public static func nenLine(_ row: AuditChain.Row) -> String {
        "{\"entry\":\(row.line),\"hash\":\"\(row.hash)\",\"previousHash\":\"\(row.previousHash)\"}"
    }

    /// The export file: `nen` — one ``nenLine(_:)`` per row; `fhir` — one ``fhirBundle(_:)`` of
    /// the rows' lines. Ends with a newline.
    public static func render(_ rows: [AuditChain.Row], format: String) throws -> String {
        if format == "fhir" {
            // A foreign line (audit.foreign-line: no audit entry) is no AuditEvent; the NEN export keeps it.
            let entries = rows.compactMap { try? JSONDecoder().decode(AuditEntry.self, from: Data($0.line.utf8)) }
            return try CanonicalJSON.string(fhirBundle(entries)) + "\n"
        }
        return rows.map { nenLine($0) + "\n" }.joined()
    }

    /// Identifier systems (OIDs) used in the FHIR export.
    static let uziSystem = "urn:oid:2.16.528.1.1007.3.1"
    static let agbSystem = "urn:oid:2.16.840.1.113883.2.4.6.1"
    static let uraSystem = "urn:oid:2.16.528.1.1007.3.3"
    static let bsnSystem = "http://fhir.nl/fhir/NamingSystem/bsn"

    /// A FHIR R4 `Bundle` (type `collection`) with one `AuditEvent` per line.
    public static func fhirBundle(_ entries: [AuditEntry]) -> JSONValue {
        .object([
            "resourceType": .string("Bundle"),
            "type": .string("collection"),
            "entry": .array(entries.map { entry in
                .object(["fullUrl": .string("urn:uuid:\(entry.id)"), "resource": auditEvent(entry)])
            }),
        ])
    }

    static func coding(_ system: String, _ code: String, _ display: String? = nil) -> JSONValue {
        var fields: [String: JSONValue] = ["system": .string(system), "code": .string(code)]
        if let display { fields["display"] = .string(display) }
        return .object(fields)
    }

    static func identifier(_ system: String, _ value: String) -> JSONValue {
        .object(["system": .string(system), "value": .string(value)])
    }

    /// A person identifier (`uzi:…`/`agb:…`) as a FHIR identifier.
    static func person(_ id: String) -> JSONValue {
        let parts = id.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return identifier("urn:perigate:actor", id) }
        switch parts[0] {
        case "uzi": return identifier(uziSystem, parts[1])
        case "agb": return identifier(agbSystem, parts[1])
        default: return identifier("urn:perigate:\(parts[0])", parts[1])
        }
    }

    static func auditEvent(_ entry: AuditEntry) -> JSONValue {
        var event: [String: JSONValue] = [
            "resourceType": .string("AuditEvent"),
            "id": .string(entry.id),
            "type": coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"),
            "subtype": .array([coding("urn:perigate:audit-event", entry.event)]),
            "action": .string(entry.action),
            "recorded": .string(entry.time),
            "outcome": .string(entry.outcome == "success" ? "0" : entry.outcome == "refused" ? "4" : "8"),
            "purposeOfEvent": .array([.object(["coding": .array([
                coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", entry.eventType == "emergency" ? "ETREAT" : "TREAT"),
            ])])]),
            "source": .object([
                "site": .string(entry.source?.site ?? "perigate"),
                "observer": .object(["display": .string(entry.source?.instance ?? "perigate")]),
                "type": .array([coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")]),
            ]),
        ]
        var description = "checks \(entry.checks)"
        if let detail = entry.detail { description += "; \(detail)" }
        if let reason = entry.emergencyReason { description += "; emergency: \(reason)" }
        event["outcomeDesc"] = .string(description)
        var agents: [JSONValue] = []
        if let user = entry.user {
            var agent: [String: JSONValue] = ["who": .object(["identifier": person(user.id), "display": .string(user.name ?? user.id)]),
                                              "requestor": .bool(user.initiator)]
            if let role = user.role { agent["role"] = .array([.object(["text": .string(role)])]) }
            if let address = user.accessPoint { agent["network"] = .object(["address": .string(address), "type": .string("2")]) }
            agents.append(.object(agent))
            if let responsible = user.responsible {
                agents.append(.object(["who": .object(["identifier": person(responsible)]), "requestor": .bool(false),
                                       "role": .array([.object(["text": .string("responsible")])])]))
            }
        } else {
            agents.append(.object(["who": .object(["display": .string(entry.actor)]), "requestor": .bool(true)]))
        }
        if let organisation = entry.organisation, let ura = organisation.ura {
            agents.append(.object(["who": .object(["identifier": identifier(uraSystem, ura), "display": .string(organisation.name ?? ura)]),
                                   "requestor": .bool(false), "role": .array([.object(["text": .string("acting organisation")])])]))
        }
        for custodian in entry.custodians ?? [] {
            guard let ura = custodian.ura else { continue }
            agents.append(.object(["who": .object(["identifier": identifier(uraSystem, ura), "display": .string(custodian.name ?? ura)]),
                                   "requestor": .bool(false), "role": .array([.object(["text": .string("custodian")])])]))
        }
        event["agent"] = .array(agents)
        var entities: [JSONValue] = []
        if let client = entry.client {
            entities.append(.object(["what": .object(["identifier": identifier(bsnSystem, client)]),
                                     "type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"),
                                     "role": coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient")]))
        }
        var object: [String: JSONValue] = [
            "what": .object(["display": .string(entry.object)]),
            "type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
        ]
        if let detail = entry.objectDetail {
            if let category = detail.category { object["description"] = .string(category) }
            if let query = detail.query { object["query"] = .string(Data(query.utf8).base64EncodedString()) }
            if let policy = detail.authorizationProtocol {
                object["securityLabel"] = .array([coding("urn:perigate:authorization-protocol", policy)])
            }
        }
        entities.append(.object(object))
        event["entity"] = .array(entities)
        return .object(event)
    }
}
