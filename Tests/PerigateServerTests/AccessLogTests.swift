import Foundation
import Testing
import PerigateCore
import PerigateSQLite
import PerigateServer

/// The client's own access log and the Wabvpz 15e copy, over real HTTP.
@Suite("The client's access log")
struct AccessLogTests {
    /// The sequence (client 999990044) and one referral of another client (999990007); consent for
    /// 044; the hospital reads 044's file twice, an unrelated hospital once (refused); a client
    /// credential for 044.
    static func prepared() async throws -> (TestGateway, clientToken: String) {
        let gateway = try await GatewayClientFileTests.loaded()
        #expect(try await gateway.post(GatewayHTTPTests.sample, as: "midwife").status == 202)
        #expect(try await GatewayClientFileTests.consent(gateway, as: "midwife", #"{"status": "given", "date": "2026-11-20"}"#).status == 201)
        for name in ["hospital", "hospital", "otherHospital"] { _ = try await GatewayClientFileTests.record(gateway, as: name) }
        let token = ClientCredential.tokenPrefix + "test-\(UUID().uuidString)"
        try await gateway.store.addClientCredential(
            ClientCredential(id: "portal-1", bsn: "999990044", createdAt: "2026-11-25T10:00:00Z"), tokenHash: PartnerToken.hash(token),
            audit: AuditEntry(time: "2026-11-25T10:00:00Z", actor: "test", event: "client-credential.add", action: "C",
                              object: "bsn:999990044/client-credential:portal-1", outcome: "success"))
        return (gateway, token)
    }

    static func get(_ gateway: TestGateway, _ path: String, token: String, headers: [String: String] = [:]) async throws -> TestGateway.Reply {
        try await gateway.send("GET", path, token: token, headers: headers, contentType: nil)
    }

    @Test("she sees only her own lines, in Dutch, merged per day; another client's log is refused to her")
    func ownLinesOnly() async throws {
        let (gateway, token) = try await Self.prepared()
        let reply = try await Self.get(gateway, "v1/clients/999990044/access-log", token: token)
        #expect(reply.status == 200)
        struct Log: Decodable { var client: String; var entries: [AccessLogEntry] }
        let log = try JSONDecoder().decode(Log.self, from: reply.body)
        #expect(log.client == "bsn:******044")
        let entries = log.entries
        // Seven messages about her (one of them a referral); 999990007's referral is not among them.
        #expect(entries.filter { $0.action == "aangeleverd" }.map(\.count).reduce(0, +) == 7)
        #expect(entries.filter { $0.action == "aangeleverd" && $0.data == "verwijzing" }.map(\.count) == [1])
        let reads = entries.filter { $0.action == "ingezien" && $0.data == "zwangerschapsdossier" }
        #expect(reads.map(\.outcome) == ["toegestaan", "geweigerd"])
        #expect(reads.first?.count == 2)
        #expect(reads.first?.organisation == "hospital (URA 27654321)")
        #expect(reads.first?.basis == "uw toestemming voor uitwisseling")
        #expect(reads.first?.emergency == "nee")
        #expect(reads.first?.text.contains("heeft uw zwangerschapsdossier ingezien. Grondslag: uw toestemming voor uitwisseling. Noodprocedure: nee. (2 keer op deze dag)") == true)
        #expect(!reply.text.contains("999990007") && !reply.text.contains("El Amrani"))

        let other = try await Self.get(gateway, "v1/clients/999990007/access-log", token: token)
        #expect(other.status == 403)
        #expect(other.json["code"] as? String == "access.other-client")
        // Her token reads her own file (Wabvpz electronic access, docs/fhir.md), never another client's.
        #expect(try await Self.get(gateway, "v1/clients/999990044/record", token: token).status == 200)
        #expect(try await Self.get(gateway, "v1/clients/999990007/record", token: token).json["code"] as? String == "access.other-client")
        #expect(try await Self.get(gateway, "v1/inbox", token: token).json["code"] as? String == "auth.client-credential")
        // Every look at the log is itself logged, as log access.
        let logLines = try await gateway.store.auditEntries(after: 0, limit: 1000).filter { $0.eventType == "log-access" }
        #expect(logLines.map(\.outcome) == ["success", "refused"])
        #expect(logLines.map(\.actor) == ["client:portal-1", "client:portal-1"])
        // The refused read of another client's file is audited too.
        let refusedRead = try await gateway.store.auditEntries(after: 0, limit: 1000).filter { $0.event == "record.read" && $0.actor == "client:portal-1" }
        #expect(refusedRead.map(\.outcome) == ["success", "refused"] && refusedRead.last?.detail == "access.other-client")
        #expect(refusedRead.first?.detail == ClientFileService.ownAccessBasis)
        try await gateway.stop()
    }

    @Test("a partner in her care team may show it to her; others may not; HTML is printable; periods filter")
    func partnersHtmlAndPeriods() async throws {
        let (gateway, _) = try await Self.prepared()
        #expect(try await Self.get(gateway, "v1/clients/999990044/access-log", token: gateway.tokens["kraamzorg"]!, headers: TestGateway.user).status == 200)
        let refused = try await Self.get(gateway, "v1/clients/999990044/access-log", token: gateway.tokens["huisarts"]!, headers: TestGateway.user)
        #expect(refused.json["code"] as? String == "access.no-care-relationship")
        var html = TestGateway.user
        html["Accept"] = "text/html"
        let page = try await Self.get(gateway, "v1/clients/999990044/access-log", token: gateway.midwifeToken, headers: html)
        #expect(page.status == 200)
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.text.contains("<h1>Wie heeft uw gegevens ingezien?</h1>"))
        #expect(page.text.contains("<td>hospital (URA 27654321)</td>"))
        let future = try await Self.get(gateway, "v1/clients/999990044/access-log?from=2099-01-01", token: gateway.midwifeToken, headers: TestGateway.user)
        #expect((future.json["entries"] as? [Any])?.isEmpty == true)
        let bad = try await Self.get(gateway, "v1/clients/999990044/access-log?from=2026-12-01&to=2026-01-01", token: gateway.midwifeToken,
                                     headers: TestGateway.user)
        #expect(bad.status == 400)
        try await gateway.stop()
    }

    @Test("the 15e copy lists who made her data available and who viewed or requested it, as JSON and HTML")
    func copy() async throws {
        let (gateway, token) = try await Self.prepared()
        let reply = try await Self.get(gateway, "v1/clients/999990044/access-log/copy", token: token)
        #expect(reply.status == 200)
        let copy = try JSONDecoder().decode(ClientFileService.AccessLogCopy.self, from: reply.body)
        #expect(copy.madeAvailable.map(\.count).reduce(0, +) == 7)
        #expect(Set(copy.madeAvailable.map(\.organisation)) == ["midwife (URA 01234567)", "hospital (URA 27654321)", "kraamzorg (URA 31112222)"])
        #expect(copy.viewedOrRequested.map(\.count).reduce(0, +) == 3)
        var html = [String: String]()
        html["Accept"] = "text/html"
        let page = try await Self.get(gateway, "v1/clients/999990044/access-log/copy", token: token, headers: html)
        #expect(page.text.contains("<h2>Beschikbaar gesteld</h2>") && page.text.contains("<h2>Ingezien of opgevraagd</h2>"))
        #expect(try await gateway.store.auditEntries(after: 0, limit: 1000).last?.event == "access-log.copy")
        try await gateway.stop()
    }
}

@Suite("Audit exports and partner audit view")
struct AuditExportTests {
    @Test("a partner sees only lines where it acted or was a custodian")
    func partnerView() async throws {
        let (gateway, _) = try await AccessLogTests.prepared()
        let reply = try await gateway.send("GET", "v1/audit-log", token: gateway.tokens["kraamzorg"], contentType: nil)
        #expect(reply.status == 200)
        struct Lines: Decodable { var lines: [AuditEntry] }
        let lines = try JSONDecoder().decode(Lines.self, from: reply.body).lines
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.organisation?.ura == "31112222" || ($0.custodians ?? []).contains { $0.ura == "31112222" } })
        // Its own import, and the hospital's allowed reads of a file it contributed to.
        #expect(lines.contains { $0.event == "message.import" && $0.organisation?.ura == "31112222" })
        #expect(lines.filter { $0.event == "record.read" && $0.organisation?.ura == "27654321" }.count == 2)
        #expect(!lines.contains { $0.client == "999990007" })
        #expect(try await gateway.store.auditEntries(after: 0, limit: 1000).last?.event == "audit.read")
        try await gateway.stop()
    }

    @Test("NEN export lines carry the hashed bytes; the FHIR bundle has agents, source and entities")
    func exports() async throws {
        let (gateway, _) = try await AccessLogTests.prepared()
        let rows = try await gateway.store.auditRows(client: "999990044", from: nil, to: nil)
        #expect(!rows.isEmpty)
        for row in rows {
            let exported = AuditExport.nenLine(row)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(exported.utf8)) as? [String: Any])
            #expect(object["hash"] as? String == row.hash)
            // The stored line is embedded verbatim: its hash recomputes from the export alone.
            let start = try #require(exported.range(of: "{\"entry\":")).upperBound
            let end = try #require(exported.range(of: ",\"hash\":\"", options: .backwards)).lowerBound
            #expect(AuditChain.hash(previous: row.previousHash, line: String(exported[start..<end])) == row.hash)
        }
        let entries = try rows.map { try JSONDecoder().decode(AuditEntry.self, from: Data($0.line.utf8)) }
        let read = try #require(entries.first { $0.event == "record.read" && $0.outcome == "success" })
        guard case .object(let bundle) = AuditExport.fhirBundle([read]), case .array(let items)? = bundle["entry"],
              case .object(let item)? = items.first, case .object(let event)? = item["resource"] else {
            Issue.record("not a bundle"); try await gateway.stop(); return
        }
        #expect(bundle["resourceType"] == .string("Bundle"))
        #expect(event["resourceType"] == .string("AuditEvent"))
        #expect(event["outcome"] == .string("0"))
        let text = try CanonicalJSON.string(event)
        #expect(text.contains("\"system\" : \"urn:oid:2.16.528.1.1007.3.1\""))
        #expect(text.contains("\"value\" : \"900012345\""))
        #expect(text.contains("\"system\" : \"http://fhir.nl/fhir/NamingSystem/bsn\""))
        #expect(text.contains("\"value\" : \"999990044\""))
        #expect(text.contains("\"system\" : \"urn:oid:2.16.528.1.1007.3.3\""))
        #expect(text.contains("Application Server"))
        #expect(text.contains("\"description\" : \"zwangerschapsdossier\""))
        try await gateway.stop()
    }
}
