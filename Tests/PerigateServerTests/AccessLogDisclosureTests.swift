import Foundation
import Testing
import PerigateCore
import PerigateTestSupport
import PerigateSQLite
import PerigateServer

/// Issue 17 (items 9 and 11): her 15e copy lists every disclosure with the receiving
/// organisation, and her log reads in plain Dutch — over real HTTP, with the real worker,
/// inbox and console.
@Suite("Her access log: disclosures and plain Dutch")
struct AccessLogDisclosureTests {
    static let bsn = "999990044"

    /// A webhook delivery to kraamzorg (worker), an inbox hand-out to the hospital, a record read
    /// by a clinical midwife, a log administrator's BSN search in the console; then her portal
    /// token. Runs `body` with the setup and her token.
    static func withDisclosures(_ body: (DeliveryWorkerTests.Setup, String) async throws -> Void) async throws {
        try await ConsoleTests.withSetup { setup in
            let gateway = setup.gateway
            try await DeliveryWorkerTests.post(setup, "1-kraamzorgoverdracht-prenataal")
            #expect(try await setup.worker.runOnce() == 1)
            let referral = try await gateway.post(TestSupport.samples.appendingPathComponent("sequence/3-verwijzing-consultatie.xml"), as: "midwife")
            #expect((referral.json["deliveriesPlanned"] as? [String])?.contains("inbox:ura:27654321") == true, "\(referral.text)")
            var clinical = TestGateway.user
            clinical["Perigate-User-Role"] = "klinisch-verloskundige"
            let inbox = try await gateway.send("GET", "v1/inbox", token: gateway.hospitalToken, headers: clinical, contentType: nil)
            #expect((inbox.json["items"] as? [Any])?.count == 1)
            #expect(try await GatewayClientFileTests.consent(gateway, as: "midwife", #"{"status": "given", "date": "2026-11-20"}"#).status == 201)
            #expect(try await GatewayClientFileTests.record(gateway, as: "hospital", headers: clinical).status == 200)

            let console = ConsoleTests.ConsoleClient(base: gateway.base)
            #expect(try await console.login("lotte", ConsoleTests.password).status == 303)
            let csrf = try #require(try await console.get("/console/messages").csrf)
            #expect(try await console.post("/console/messages/client", ["csrf": csrf, "bsn": bsn, "reden": "controle van een klacht"]).status == 200)

            let token = ClientCredential.tokenPrefix + "test-\(UUID().uuidString)"
            try await gateway.store.addClientCredential(
                ClientCredential(id: "portal-1", bsn: bsn, createdAt: "2026-11-25T10:00:00Z"), tokenHash: PartnerToken.hash(token),
                audit: AuditEntry(time: "2026-11-25T10:00:00Z", actor: "test", event: "client-credential.add", action: "C",
                                  object: "bsn:\(bsn)/client-credential:portal-1", outcome: "success"))
            try await body(setup, token)
        }
    }

    @Test("the 15e copy lists the webhook delivery and the inbox hand-out with the receiving organisation and time, masked")
    func copyListsDisclosures() async throws {
        try await Self.withDisclosures { setup, token in
            let reply = try await AccessLogTests.get(setup.gateway, "v1/clients/\(Self.bsn)/access-log/copy", token: token)
            #expect(reply.status == 200)
            let copy = try JSONDecoder().decode(ClientFileService.AccessLogCopy.self, from: reply.body)
            #expect(copy.client == "bsn:******044")
            #expect(!reply.text.contains(Self.bsn))
            let forwarded = copy.viewedOrRequested.filter { $0.action.hasPrefix("doorgestuurd aan") }
            #expect(Set(forwarded.map(\.organisation)) == ["kraamzorg (URA 31112222)", "hospital (URA 27654321)"])
            #expect(forwarded.allSatisfy { !$0.time.isEmpty && $0.outcome == "toegestaan" })
            #expect(forwarded.contains { $0.text.contains("doorgestuurd aan hospital (URA 27654321) (opgehaald door een klinisch verloskundige)") })
            #expect(copy.viewedOrRequested.contains { $0.action == "ingezien" && $0.data == "zwangerschapsdossier" })
            var html = [String: String]()
            html["Accept"] = "text/html"
            let page = try await AccessLogTests.get(setup.gateway, "v1/clients/\(Self.bsn)/access-log/copy", token: token, headers: html)
            #expect(page.text.contains("doorgestuurd aan kraamzorg (URA 31112222)") && !page.text.contains(Self.bsn))
        }
    }

    @Test("her log names roles in words, deliveries as 'doorgestuurd aan', the console's people as Perigate-beheer, with cliënt")
    func plainDutch() async throws {
        try await Self.withDisclosures { setup, token in
            // Her own look at the log comes first, so the second shows it ("uzelf, cliënt").
            _ = try await AccessLogTests.get(setup.gateway, "v1/clients/\(Self.bsn)/access-log", token: token)
            let reply = try await AccessLogTests.get(setup.gateway, "v1/clients/\(Self.bsn)/access-log", token: token)
            let texts = try #require(reply.json["entries"] as? [[String: Any]]).compactMap { $0["text"] as? String }.joined(separator: "\n")
            for expected in ["klinisch verloskundige", "doorgestuurd aan kraamzorg (URA 31112222)", "doorgestuurd aan hospital (URA 27654321)",
                             "Perigate-beheer (logbeheerder), heeft uw berichten ingezien. Grondslag: logbeheer op verzoek.",
                             "uzelf, cliënt, heeft uw toegangslog ingezien"] {
                #expect(texts.contains(expected), "\(expected)\n\(texts)")
            }
            for absent in ["onbekende rol", "console:", "lotte", "log-administrator", "klinisch-verloskundige", "Grondslag: zorgrelatie"] {
                #expect(!texts.contains(absent), "\(absent)")
            }
        }
    }
}
