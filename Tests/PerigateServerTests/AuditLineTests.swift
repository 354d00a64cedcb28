import Foundation
import Testing
import PerigateCore
import PerigateSQLite
import PerigateServer

/// Every ★ field of AUDIT.md on real lines written by the real server, and break-the-glass.
@Suite("Audit lines over HTTP")
struct AuditLineTests {
    static let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test("a record read line carries user, organisations, object, checks, protocol, consent, source and trace id")
    func completeLine() async throws {
        let gateway = try await GatewayClientFileTests.loaded()
        var headers = TestGateway.user
        headers["traceparent"] = Self.traceparent
        headers["Perigate-On-Behalf-Of"] = "uzi:900099999"
        #expect(try await GatewayClientFileTests.consent(gateway, as: "midwife", #"{"status": "given", "date": "2026-11-20"}"#).status == 201)
        #expect(try await GatewayClientFileTests.record(gateway, as: "hospital", headers: headers).status == 200)
        let line = try #require(try await gateway.store.auditEntries(after: 0, limit: 500).last)
        #expect(line.event == "record.read" && line.action == "R" && line.outcome == "success" && line.eventType == "normal")
        #expect(line.id.count == 36)
        #expect(line.checks == "TTTF")
        #expect(line.user == AuditUser(id: "uzi:900012345", name: "A. de Vries", role: "verloskundige", responsible: "uzi:900099999",
                                       accessPoint: "127.0.0.1"))
        #expect(line.actor == "ura:27654321/uzi:900012345/for:uzi:900099999")
        #expect(line.organisation == AuditOrganisation(ura: "27654321", name: "hospital"))
        #expect(line.custodians?.compactMap(\.ura) == ["01234567", "27654321", "31112222"])
        #expect(line.objectDetail == AuditObject(idType: BSN.oid, id: "999990044", objectClass: "person", category: "zwangerschapsdossier",
                                                 authorizationProtocol: AccessPolicy.protocolName, consent: "consent:registered"))
        #expect(line.client == "999990044")
        #expect(line.traceId == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(line.source == SQLiteMessageStore.defaultAuditSource)
        // Import lines name the sender as custodian — as registered ("midwife", no AGB in TestGateway),
        // not as the message calls itself (issue 17, item 5) — and the message kind as category.
        let imports = try await gateway.store.auditEntries(after: 0, limit: 500).filter { $0.event == "message.import" }
        #expect(imports.first?.objectDetail?.category == "kraamzorgoverdracht")
        #expect(imports.first?.custodians == [AuditOrganisation(ura: "01234567", agb: nil, name: "midwife")])
        #expect(imports.allSatisfy { $0.checks == "T--F" && $0.traceId != nil })
        try await gateway.stop()
    }

    @Test("refused reads show which check failed", arguments: [
        ("hospital", "TTFF", "access.no-consent"), ("otherHospital", "TF-F", "access.no-care-relationship"),
        ("insurer", "F--F", "access.partner-type"),
    ])
    func refusedChecks(_ partner: String, _ checks: String, _ code: String) async throws {
        let gateway = try await GatewayClientFileTests.loaded()
        #expect(try await GatewayClientFileTests.record(gateway, as: partner).status == 403)
        let line = try #require(try await gateway.store.auditEntries(after: 0, limit: 500).last)
        #expect(line.checks == checks)
        #expect(line.detail == code)
        #expect(line.custodians == nil)
        try await gateway.stop()
    }

    @Test("break-the-glass: with a reason, an unrelated hospital reads; flagged as emergency in the line and the answer")
    func emergency() async throws {
        let gateway = try await GatewayClientFileTests.loaded()
        var headers = TestGateway.user
        headers["Perigate-Emergency-Reason"] = "Bewusteloos%20binnengebracht%2C%20acute%20sectio"
        let read = try await GatewayClientFileTests.record(gateway, as: "otherHospital", headers: headers)
        #expect(read.status == 200)
        #expect(read.headers["perigate-emergency-access"] == "logged")
        let line = try #require(try await gateway.store.auditEntries(after: 0, limit: 500).last)
        #expect(line.eventType == "emergency")
        #expect(line.checks == "TFFT")
        #expect(line.detail == "emergency")
        #expect(line.emergencyReason == "Bewusteloos binnengebracht, acute sectio")
        headers["Perigate-Emergency-Reason"] = "nood"
        let short = try await GatewayClientFileTests.record(gateway, as: "otherHospital", headers: headers)
        #expect(short.status == 400)
        #expect(short.json["code"] as? String == "request.emergency-reason")
        headers["Perigate-Emergency-Reason"] = "Bewusteloos binnengebracht"
        #expect(try await GatewayClientFileTests.record(gateway, as: "insurer", headers: headers).json["code"] as? String == "access.partner-type")
        try await gateway.stop()
    }
}
