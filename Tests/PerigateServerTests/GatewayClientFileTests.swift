import Foundation
import Testing
import PerigateCore
import PerigateTestSupport
import PerigateSQLite
import PerigateServer

/// `GET /v1/clients/{bsn}/record` and `POST /v1/clients/{bsn}/consents` over real HTTP: every
/// partner type allowed and refused, views, ETag, history, and an audit line for every attempt.
@Suite("Gateway over HTTP: the shared client file")
struct GatewayClientFileTests {
    static let bsn = "999990044"
    static let senders = [("1-kraamzorgoverdracht-prenataal", "midwife"), ("2-phbaanmelding", "midwife"),
                          ("3-verwijzing-consultatie", "midwife"), ("4-terugverwijzing-na-consultatie", "hospital"),
                          ("5-terugverwijzing-na-bevalling", "hospital"), ("6-kraamzorgoverdracht-na-geboorte", "midwife"),
                          ("7-jgzoverdracht", "kraamzorg")]

    /// A gateway holding the whole sequence (and a back-referral that also names the huisarts).
    static func loaded() async throws -> TestGateway {
        let gateway = try await TestGateway.start()
        for (name, sender) in senders {
            let reply = try await gateway.post(TestSupport.samples.appendingPathComponent("sequence/\(name).xml"), as: sender)
            #expect(reply.status == 202, "\(name): \(reply.text)")
        }
        return gateway
    }

    static func record(_ gateway: TestGateway, as name: String, query: String = "", headers: [String: String] = TestGateway.user)
        async throws -> TestGateway.Reply {
        try await gateway.send("GET", "v1/clients/\(bsn)/record\(query)", token: gateway.tokens[name], headers: headers, contentType: nil)
    }

    static func consent(_ gateway: TestGateway, as name: String, _ json: String, bsn: String = bsn) async throws -> TestGateway.Reply {
        try await gateway.send("POST", "v1/clients/\(bsn)/consents", token: gateway.tokens[name], contentType: "application/json",
                               body: Data(json.utf8))
    }

    @Test("no registered consent: only JGZ reads (PHB consent), through its view; others get 403 with the reason")
    func beforeConsent() async throws {
        let gateway = try await Self.loaded()
        let jgz = try await Self.record(gateway, as: "jgz")
        #expect(jgz.status == 200)
        let pregnancy = try #require((jgz.json["pregnancies"] as? [[String: Any]])?.first)
        let timeline = (pregnancy["timeline"] as? [[String: Any]] ?? []).compactMap { ($0["item"] as? [String: Any])?["type"] as? String }
        #expect(timeline == ["phb-referral", "jgz-handover"])
        // Her PHB consent covers contactgegevens, zwangerschap and kwetsbaarheid — not medisch.
        #expect(((pregnancy["findings"] as? [String: Any])?["bloodPressure"] as? [Any])?.isEmpty == true)
        #expect(((jgz.json["signals"] as? [Any])?.count ?? 0) > 0)
        #expect((jgz.json["obstetricHistory"] as? [Any])?.isEmpty ?? true)
        for (name, code) in [("midwife", "access.no-consent"), ("hospital", "access.no-consent"), ("kraamzorg", "access.no-consent"),
                             ("huisarts", "access.no-care-relationship"), ("otherHospital", "access.no-care-relationship"),
                             ("insurer", "access.partner-type")] {
            let reply = try await Self.record(gateway, as: name)
            #expect(reply.status == 403, "\(name)")
            #expect(reply.json["code"] as? String == code, "\(name)")
            #expect(!reply.text.contains("Jansen"), "\(name): no client data in a refusal")
        }
        let reads = try await gateway.store.auditEntries(after: 0, limit: 500).filter { $0.event == "record.read" }
        #expect(reads.map(\.outcome) == ["success"] + Array(repeating: "refused", count: 6))
        #expect(reads.map { $0.detail ?? "" } == ["consent:phb-referral", "access.no-consent", "access.no-consent", "access.no-consent",
                                                 "access.no-care-relationship", "access.no-care-relationship", "access.partner-type"])
        #expect(reads.allSatisfy { $0.object == "bsn:\(Self.bsn)/record" })
        try await gateway.stop()
    }

    @Test("a registered consent opens the file to every related care partner; ETag, If-None-Match and history; withdrawal closes it")
    func consentLifecycle() async throws {
        let gateway = try await Self.loaded()
        #expect(try await Self.consent(gateway, as: "huisarts", #"{"status": "given", "date": "2026-11-20"}"#).json["code"] as? String
                == "access.no-care-relationship")
        #expect(try await Self.consent(gateway, as: "midwife", #"{"status": "maybe"}"#).status == 400)
        #expect(try await Self.consent(gateway, as: "midwife", #"{"status": "given", "date": "2027-01-01"}"#).json["code"] as? String
                == "consent.invalid")
        #expect(try await Self.consent(gateway, as: "midwife", #"{"status": "given", "date": "2026-11-20"}"#, bsn: "123456789").status == 400)
        let given = try await Self.consent(gateway, as: "midwife", #"{"status": "given", "date": "2026-11-20"}"#)
        #expect(given.status == 201)
        #expect(given.json["clientReference"] as? String == "bsn:******044")

        for name in ["midwife", "hospital", "kraamzorg", "jgz"] {
            #expect(try await Self.record(gateway, as: name).status == 200, "\(name)")
        }
        // The huisarts gets a care relationship once a back-referral is addressed to it as well.
        #expect(try await Self.record(gateway, as: "huisarts").status == 403)
        let original = try String(contentsOf: TestSupport.samples.appendingPathComponent("sequence/5-terugverwijzing-na-bevalling.xml"), encoding: .utf8)
        let toHuisarts = original.replacingOccurrences(of: "0a1b2c3d-0005-4000-8000-000000000005", with: "0a1b2c3d-0005-4000-8000-0000000000a5")
            .replacingOccurrences(of: "<ura>31112222</ura>", with: "<ura>55554444</ura>")
            .replacingOccurrences(of: "<type>kraamzorg</type>", with: "<type>huisarts</type>")
        #expect(try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, body: Data(toHuisarts.utf8)).status == 202)
        #expect(try await Self.record(gateway, as: "huisarts").status == 200)
        let hospital = try await Self.record(gateway, as: "hospital")
        let tag = try #require(hospital.headers["etag"])
        #expect(hospital.json["bsn"] as? String == Self.bsn)
        let pregnancies = hospital.json["pregnancies"] as? [[String: Any]] ?? []
        #expect(pregnancies.count == 1)
        #expect((hospital.json["conflicts"] as? [String]) == [])
        #expect((pregnancies.first?["conflicts"] as? [String]) == ["pregnancy.dueDate"])
        let pressures = (pregnancies.first?["findings"] as? [String: Any])?["bloodPressure"] as? [[String: Any]] ?? []
        #expect(pressures.compactMap { ($0["item"] as? [String: Any])?["systolic"] as? Int } == [144])
        var conditional = TestGateway.user
        conditional["If-None-Match"] = tag
        let unchanged = try await Self.record(gateway, as: "hospital", headers: conditional)
        #expect(unchanged.status == 304)
        #expect(unchanged.body.isEmpty)
        let history = try await Self.record(gateway, as: "hospital", query: "?history=true")
        #expect(history.status == 200)
        #expect(history.headers["etag"] != tag)
        #expect(history.text.contains("\"history\"") && !hospital.text.contains("\"history\""))
        // The kraamzorg view leaves out findings without a consent category for them.
        let kraamzorg = try await Self.record(gateway, as: "kraamzorg")
        #expect(!kraamzorg.text.contains("bloodPressure\":[{"))

        // DELETE is a withdrawal as of today.
        let withdrawn = try await gateway.send("DELETE", "v1/clients/\(Self.bsn)/consents", token: gateway.tokens["kraamzorg"], contentType: nil)
        #expect(withdrawn.status == 201)
        #expect(withdrawn.json["status"] as? String == "withdrawn")
        #expect(withdrawn.json["date"] as? String == "2026-11-25")
        for name in ["midwife", "hospital", "kraamzorg", "jgz"] {
            let reply = try await Self.record(gateway, as: name)
            #expect(reply.json["code"] as? String == "access.consent-withdrawn", "\(name)")
        }
        let consents = try await gateway.store.consents(bsn: Self.bsn)
        #expect(consents.map(\.status) == [.given, .withdrawn])
        #expect(consents.map(\.recordedBy) == ["ura:01234567/uzi:900012345", "ura:31112222/uzi:900012345"])
        let lines = try await gateway.store.auditEntries(after: 0, limit: 500).filter { $0.event.hasPrefix("consent.") }
        #expect(lines.map(\.outcome) == ["refused", "refused", "refused", "refused", "success", "success"])
        #expect(lines.map { $0.detail ?? "-" } == ["access.no-care-relationship", "request.invalid-json", "consent.invalid",
                                                  "request.bsn-invalid", "-", "-"])
        try await gateway.stop()
    }

    @Test("a re-sent back-referral with a new berichtId but the same content is a source of the record (and changes its ETag) in every view that shows it")
    func sameContentNewId() async throws {
        let gateway = try await Self.loaded()
        #expect(try await Self.consent(gateway, as: "midwife", #"{"status": "given", "date": "2026-11-20"}"#).status == 201)
        let before = try await Self.record(gateway, as: "hospital")
        let original = try String(contentsOf: TestSupport.samples.appendingPathComponent("sequence/4-terugverwijzing-na-consultatie.xml"), encoding: .utf8)
        let again = original.replacingOccurrences(of: "0a1b2c3d-0004-4000-8000-000000000004", with: "0a1b2c3d-0004-4000-8000-0000000000b4")
        #expect(again != original)
        #expect(try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, body: Data(again.utf8)).status == 202)
        for name in ["hospital", "midwife", "kraamzorg"] {
            let after = try await Self.record(gateway, as: name)
            let ids = (after.json["sources"] as? [[String: Any]] ?? []).compactMap { $0["messageId"] as? String }
            #expect(ids.contains("0a1b2c3d-0004-4000-8000-0000000000b4") && ids.contains("0a1b2c3d-0004-4000-8000-000000000004"),
                    "\(name): \(ids)")
        }
        let after = try await Self.record(gateway, as: "hospital")
        #expect(after.headers["etag"] != before.headers["etag"])
        #expect((after.json["sources"] as? [Any])?.count == ((before.json["sources"] as? [Any])?.count ?? 0) + 1)
        // Each listed source names only sections the view shows: kraamzorg sees no findings, and is not told they exist.
        let kraamzorg = try await Self.record(gateway, as: "kraamzorg")
        let sections = (kraamzorg.json["sources"] as? [[String: Any]] ?? []).flatMap { $0["sections"] as? [String] ?? [] }
        #expect(!sections.isEmpty && !sections.contains("findings") && !sections.contains("signals"), "\(Set(sections).sorted())")
        try await gateway.stop()
    }

    @Test("an invalid BSN in the path is 400 and audited; no user means 401 before any data is touched")
    func badRequests() async throws {
        let gateway = try await Self.loaded()
        let bad = try await gateway.send("GET", "v1/clients/123456789/record", token: gateway.midwifeToken, contentType: nil)
        #expect(bad.status == 400)
        #expect(bad.json["code"] as? String == "request.bsn-invalid")
        let noUser = try await Self.record(gateway, as: "jgz", headers: [:])
        #expect(noUser.status == 401)
        // A query parameter not in its form is refused, never silently the default, and audited.
        let maybe = try await Self.record(gateway, as: "jgz", query: "?history=maybe")
        #expect(maybe.status == 400 && maybe.json["code"] as? String == "request.invalid-query", "\(maybe.text)")
        let twice = try await gateway.send("GET", "v1/clients/\(Self.bsn)/access-log?from=2026-01-01&from=2026-02-01", token: gateway.tokens["jgz"],
                                           contentType: nil)
        #expect(twice.status == 400 && twice.json["code"] as? String == "request.invalid-query", "\(twice.text)")
        let all = try await gateway.store.auditEntries(after: 0, limit: 500)
        let lines = all.filter { $0.event == "record.read" }
        #expect(lines.map(\.object) == ["client:invalid-bsn", "bsn:\(Self.bsn)/record"])
        #expect(lines.last?.outcome == "refused" && lines.last?.detail == "request.invalid-query")
        #expect(all.filter { $0.event == "access-log.read" }.map { $0.detail ?? "" } == ["request.invalid-query"])
        try await gateway.stop()
    }
}
