import Foundation
import Testing
import PerigateCore
import PerigateTestSupport
import PerigateSQLite
import PerigateServer

/// Issue 17 (items 5, 8, 10): the registry is the truth about senders and roles, operators see no
/// BSN, the sender is told when an addressed recipient will not get its message — over real HTTP.
@Suite("Access model: senders, roles, operator masking, not-forwarded warnings")
struct AccessModelTests {
    static let referral = TestSupport.samples.appendingPathComponent("valid/verwijzing-1-hypertensie-regulier.xml")

    /// The referral sample (client 999990007, sender 01234567, addressed to 27654321) with its
    /// message id, its sender URA and its recipient URA replaced.
    static func referral(id: Int, sender: String = "01234567", recipient: String = "27654321") throws -> Data {
        var text = try String(contentsOf: referral, encoding: .utf8)
        text = text.replacingOccurrences(of: "4f6c2a1e-8b3d-4c1a-9e2f-1a2b3c4d5e01", with: "4f6c2a1e-8b3d-4c1a-9e2f-\(String(format: "%012d", id))")
            .replacingOccurrences(of: "<ura>27654321</ura>", with: "<ura>\(recipient)</ura>")
            .replacingOccurrences(of: "<ura>01234567</ura>", with: "<ura>\(sender)</ura>")
        return Data(text.utf8)
    }

    static func post(_ gateway: TestGateway, _ body: Data, as name: String) async throws -> TestGateway.Reply {
        try await gateway.send("POST", "v1/messages", token: gateway.tokens[name], body: body)
    }

    static func warnings(_ reply: TestGateway.Reply, code: String) -> [String] {
        ((reply.json["warnings"] as? [[String: Any]]) ?? []).filter { $0["code"] as? String == code }.compactMap { $0["message"] as? String }
    }

    @Test("a sender whose message names another name, AGB and type than its registration: 202 with warnings; her record shows the registry")
    func senderRegistryMismatch() async throws {
        // "fakeHospital" is a hospital; its message calls it "Verloskundigenpraktijk De Linde" (AGB 03051234).
        let gateway = try await TestGateway.start(extraOrganisations: [("fakeHospital", "ziekenhuis", "77776666")])
        let reply = try await Self.post(gateway, try Self.referral(id: 1, sender: "77776666"), as: "fakeHospital")
        #expect(reply.status == 202, "\(reply.text)")
        let mismatches = Self.warnings(reply, code: SenderPolicy.registryMismatchCode)
        #expect(mismatches.count == 3)
        for field in ["naam", "agb", "type"] { #expect(mismatches.contains { $0.contains("'s \(field) ") }, "\(field)") }
        #expect(!reply.text.contains("999990007") && !reply.text.contains("El Amrani"))
        // The import line's custodian is the registered partner, not the name in the message.
        let imported = try #require(try await gateway.store.auditEntries(after: 0, limit: 100).last { $0.event == "message.import" })
        #expect(imported.custodians == [AuditOrganisation(ura: "77776666", agb: nil, name: "fakeHospital")])

        #expect(try await GatewayClientFileTests.consent(gateway, as: "fakeHospital", #"{"status": "given", "date": "2026-11-20"}"#,
                                                         bsn: "999990007").status == 201)
        let record = try await gateway.send("GET", "v1/clients/999990007/record", token: gateway.tokens["fakeHospital"], contentType: nil)
        #expect(record.status == 200, "\(record.text)")
        let sources = try #require(record.json["sources"] as? [[String: Any]])
        let sender = try #require(sources.first?["sender"] as? [String: Any])
        #expect(sender["name"] as? String == "fakeHospital" && sender["type"] as? String == "ziekenhuis" && sender["agb"] == nil)
        #expect(!record.text.contains("De Linde") && !record.text.contains("03051234"))
        try await gateway.stop()
    }

    @Test("a role outside the partner type's list is 403 auth.role-not-allowed, before anything is stored or read")
    func roleNotAllowed() async throws {
        let gateway = try await GatewayClientFileTests.loaded()
        var gynaecologist = TestGateway.user
        gynaecologist["Perigate-User-Role"] = "gynaecoloog"
        let before = try await gateway.store.auditEntries(after: 0, limit: 10_000).count
        let post = try await gateway.send("POST", "v1/messages", token: gateway.tokens["kraamzorg"], headers: gynaecologist,
                                          body: try Data(contentsOf: Self.referral))
        #expect(post.status == 403 && post.json["code"] as? String == "auth.role-not-allowed")
        let read = try await GatewayClientFileTests.record(gateway, as: "kraamzorg", headers: gynaecologist)
        #expect(read.status == 403 && read.json["code"] as? String == "auth.role-not-allowed")
        #expect(!read.text.contains("999990044"))
        // Nothing about her was stored or read: the only new line is the (aggregated) authentication
        // refusal — one for both requests from this source within the minute (issue 18).
        let written = try await gateway.store.auditEntries(after: 0, limit: 10_000).dropFirst(before)
        #expect(written.map(\.event) == ["auth.refused"])
        #expect(written.first?.detail?.hasPrefix("auth.role-not-allowed; credential bearer pgt_ sha256:") == true)
        #expect(written.first?.client == nil)
        // The same role at the hospital, and the kraamzorg's own role, pass.
        #expect(try await GatewayClientFileTests.record(gateway, as: "hospital", headers: gynaecologist).json["code"] as? String
            != "auth.role-not-allowed")
        var kraamverzorgende = TestGateway.user
        kraamverzorgende["Perigate-User-Role"] = "kraamverzorgende"
        #expect(try await GatewayClientFileTests.record(gateway, as: "kraamzorg", headers: kraamverzorgende).json["code"] as? String
            != "auth.role-not-allowed")
        try await gateway.stop()
    }

    @Test("an addressed recipient that is revoked, unknown or excluded, or a client who withdrew: the receipt says delivery.not-forwarded")
    func notForwarded() async throws {
        let gateway = try await TestGateway.start(extraOrganisations: [("revokedHospital", "ziekenhuis", "66665555"),
                                                                       ("companyDoctor", "bedrijfsarts", "44443333")])
        _ = try await gateway.store.revokePartner(id: gateway.partners["revokedHospital"]!.id, audit: AuditEntry(
            time: "2026-11-25T10:00:00Z", actor: "test", event: "partner.revoke", action: "U", object: "partner:x", outcome: "success"))
        let cases = [("66665555", "revokedHospital", "recipient-revoked"), ("12121212", nil, "recipient-unknown"),
                     ("44443333", "companyDoctor", "recipient-excluded")]
        for (number, (ura, name, reason)) in cases.enumerated() {
            let reply = try await Self.post(gateway, try Self.referral(id: 100 + number, recipient: ura), as: "midwife")
            #expect(reply.status == 202)
            #expect(reply.json["deliveriesPlanned"] as? [String] == [])
            let warning = try #require(Self.warnings(reply, code: NotForwarded.code).first, "\(reason)")
            #expect(warning.contains("URA \(ura)") && warning.contains(reason))
            if let name { #expect(warning.contains("(\(name))")) }
            #expect(!warning.contains("999990007"))
            // A re-send shows the same warning.
            let again = try await Self.post(gateway, try Self.referral(id: 100 + number, recipient: ura), as: "midwife")
            #expect(Self.warnings(again, code: NotForwarded.code) == [warning])
        }
        // Delivered normally: no warning.
        let first = try await Self.post(gateway, try Self.referral(id: 200), as: "midwife")
        #expect(first.json["deliveriesPlanned"] as? [String] == ["inbox:ura:27654321"])
        #expect(Self.warnings(first, code: NotForwarded.code).isEmpty)
        // She withdraws: the addressed hospital will not get the next one.
        #expect(try await GatewayClientFileTests.consent(gateway, as: "midwife", #"{"status": "withdrawn", "date": "2026-11-24"}"#,
                                                         bsn: "999990007").status == 201)
        let after = try await Self.post(gateway, try Self.referral(id: 201), as: "midwife")
        #expect(after.status == 202 && after.json["deliveriesPlanned"] as? [String] == [])
        let withdrawn = try #require(Self.warnings(after, code: NotForwarded.code).first)
        #expect(withdrawn.contains("URA 27654321 (hospital)") && withdrawn.contains("consent-withdrawn"))
        try await gateway.stop()
    }

    @Test("the operator deliveries API shows the client only masked")
    func operatorDeliveriesMasked() async throws {
        let gateway = try await TestGateway.start()
        let posted = try await gateway.post(TestSupport.samples.appendingPathComponent("sequence/1-kraamzorgoverdracht-prenataal.xml"), as: "midwife")
        #expect(posted.json["deliveriesPlanned"] as? [String] == ["inbox:ura:31112222"])
        let token = Operator.tokenPrefix + "test-\(UUID().uuidString)"
        try await gateway.store.addOperator(Operator(id: "op-1", name: "Beheer VSV", createdAt: "2026-11-25T10:00:00Z"),
                                            tokenHash: PartnerToken.hash(token),
                                            audit: AuditEntry(time: "2026-11-25T10:00:00Z", actor: "test", event: "operator.add", action: "C",
                                                              object: "operator:op-1", outcome: "success"))
        let user = ["Perigate-User": "uzi:900077777", "Perigate-User-Name": "J. Beheer", "Perigate-User-Role": "beheerder"]
        let reply = try await gateway.send("GET", "v1/operator/deliveries", token: token, headers: user, contentType: nil)
        #expect(reply.status == 200)
        let delivery = try #require((reply.json["deliveries"] as? [[String: Any]])?.first?["delivery"] as? [String: Any])
        #expect(delivery["bsn"] as? String == "bsn:******044")
        #expect(!reply.text.contains("999990044"))
        try await gateway.stop()
    }
}
