import Foundation
import Testing
import PerigateCore
import PerigateTestSupport
import PerigateSQLite
import PerigateServer

@Suite("Forwarding over HTTP: subscriptions and the pull inbox")
struct ForwardingHTTPTests {
    static func json(_ object: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: object) }

    @Test("subscriptions: created with a secret shown once, listed without it, rotated, checked, deleted; changes audited")
    func subscriptions() async throws {
        let gateway = try await TestGateway.start()
        let jgz = gateway.tokens["jgz"]
        let created = try await gateway.send("POST", "v1/subscriptions", token: jgz, contentType: "application/json",
                                             body: try Self.json(["url": "https://jgz.example.org/perigate", "kinds": ["phbaanmelding", "jgzoverdracht@1.0"]]))
        #expect(created.status == 201)
        let secret = try #require(created.json["secret"] as? String)
        #expect(secret.hasPrefix("whsec_"))
        let id = try #require((created.json["subscription"] as? [String: Any])?["id"] as? String)
        let listed = try await gateway.send("GET", "v1/subscriptions", token: jgz, contentType: nil)
        #expect(!listed.text.contains(secret))
        #expect((listed.json["subscriptions"] as? [Any])?.count == 1)
        // Another partner neither sees nor changes it.
        #expect((try await gateway.send("GET", "v1/subscriptions", token: gateway.hospitalToken, contentType: nil).json["subscriptions"] as? [Any])?.isEmpty == true)
        #expect(try await gateway.send("DELETE", "v1/subscriptions/\(id)", token: gateway.hospitalToken, contentType: nil).status == 404)
        let rotated = try await gateway.send("PATCH", "v1/subscriptions/\(id)", token: jgz, contentType: "application/json",
                                             body: try Self.json(["rotateSecret": true]))
        #expect(rotated.status == 200)
        let newSecret = try #require(rotated.json["secret"] as? String)
        #expect(newSecret != secret)
        let stored = try #require(try await gateway.store.subscriptions().first)
        #expect(stored.secret == newSecret && stored.previousSecret == secret && stored.previousSecretUntil != nil)
        for (body, status, code) in [(["url": "http://jgz.example.org/hook"], 422, "subscription.url-not-allowed"),
                                     (["url": "https://x.org", "kinds": ["recept"]], 400, "subscription.invalid"),
                                     (["url": "https://x.org", "format": "pdf"], 400, "subscription.invalid"),
                                     (["url": "not a url"], 400, "subscription.invalid")] as [([String: Any], Int, String)] {
            let reply = try await gateway.send("POST", "v1/subscriptions", token: jgz, contentType: "application/json", body: try Self.json(body))
            #expect(reply.status == status && reply.json["code"] as? String == code, "\(body)")
        }
        #expect(try await gateway.send("DELETE", "v1/subscriptions/\(id)", token: jgz, contentType: nil).status == 204)
        let events = try await gateway.store.auditEntries(after: 0, limit: 100).map(\.event).filter { $0.hasPrefix("subscription.") }
        #expect(events == ["subscription.add", "subscription.rotate-secret", "subscription.delete"])
        try await gateway.stop()
    }

    @Test("the addressed partner finds the message in its inbox (logged as an export), acknowledges it; a withdrawal cancels what is queued")
    func inbox() async throws {
        let gateway = try await TestGateway.start()
        let posted = try await gateway.post(TestSupport.samples.appendingPathComponent("sequence/1-kraamzorgoverdracht-prenataal.xml"), as: "midwife")
        #expect(posted.json["deliveriesPlanned"] as? [String] == ["inbox:ura:31112222"])
        // An identical re-send answers the same receipt, planned deliveries included, and plans nothing new.
        let again = try await gateway.post(TestSupport.samples.appendingPathComponent("sequence/1-kraamzorgoverdracht-prenataal.xml"), as: "midwife")
        #expect(again.body == posted.body)
        let kraamzorg = gateway.tokens["kraamzorg"]
        let inbox = try await gateway.send("GET", "v1/inbox", token: kraamzorg, contentType: nil)
        let items = try #require(inbox.json["items"] as? [[String: Any]])
        #expect(items.count == 1)
        #expect(items.first?["kind"] as? String == "kraamzorgoverdracht")
        #expect((items.first?["xml"] as? String)?.contains("<bsn>999990044</bsn>") == true)
        let deliveryId = try #require(items.first?["id"] as? String)
        #expect(deliveryId.hasPrefix("msg_"))
        let export = try #require(try await gateway.store.auditEntries(after: 0, limit: 100).last)
        #expect(export.event == "message.export" && export.action == "E" && export.traceId == deliveryId && export.client == "999990044")
        // Nobody else has it.
        #expect((try await gateway.send("GET", "v1/inbox", token: gateway.hospitalToken, contentType: nil).json["items"] as? [Any])?.isEmpty == true)
        #expect(try await gateway.send("POST", "v1/inbox/\(deliveryId)/ack", token: gateway.hospitalToken, contentType: nil).status == 404)
        #expect(try await gateway.send("POST", "v1/inbox/\(deliveryId)/ack", token: kraamzorg, contentType: nil).status == 204)
        #expect((try await gateway.send("GET", "v1/inbox", token: kraamzorg, contentType: nil).json["items"] as? [Any])?.isEmpty == true)

        // Queued, then she withdraws consent: the item is cancelled, not handed out.
        #expect(try await gateway.post(TestSupport.samples.appendingPathComponent("sequence/6-kraamzorgoverdracht-na-geboorte.xml"), as: "midwife").status == 202)
        #expect(try await GatewayClientFileTests.consent(gateway, as: "midwife", #"{"status": "withdrawn", "date": "2026-11-24"}"#).status == 201)
        #expect((try await gateway.send("GET", "v1/inbox", token: kraamzorg, contentType: nil).json["items"] as? [Any])?.isEmpty == true)
        #expect(try await gateway.store.deliveries(status: "cancelled").count == 1)
        #expect(try await gateway.store.auditEntries(after: 0, limit: 100).last?.detail == "access.consent-withdrawn")
        try await gateway.stop()
    }

    /// The `toestemming` sample, about client `bsn`, with `status` (`gegeven`/`ingetrokken`) and message id `id`.
    static func toestemming(bsn: String, status: String, id: String, sender: String = "01234567") throws -> Data {
        let sample = try String(contentsOf: TestSupport.samples.appendingPathComponent("valid/toestemming-1-ingetrokken.xml"), encoding: .utf8)
        return Data(sample.replacingOccurrences(of: "<bsn>999990068</bsn>", with: "<bsn>\(bsn)</bsn>")
            .replacingOccurrences(of: "<status>ingetrokken</status>", with: "<status>\(status)</status>")
            .replacingOccurrences(of: "5f0c2a7e-3b1d-4c8e-9a61-2d7f4e8b9c10", with: id)
            .replacingOccurrences(of: "<ura>01234567</ura>", with: "<ura>\(sender)</ura>").utf8)
    }

    @Test("a consent withdrawal sent as a message (toestemming) goes into the ledger with the message, cancels what is queued, and only care partners may send one")
    func consentByMessage() async throws {
        let gateway = try await TestGateway.start()
        let bsn = "999990044"
        #expect(try await gateway.post(TestSupport.samples.appendingPathComponent("sequence/6-kraamzorgoverdracht-na-geboorte.xml"), as: "midwife").status == 202)
        #expect(try await gateway.store.deliveries(status: "pending").count == 1)

        // JGZ has no care relationship with her yet, an insurer never: refused, nothing registered.
        let stranger = try await gateway.send("POST", "v1/messages", token: gateway.tokens["jgz"],
                                              body: try Self.toestemming(bsn: bsn, status: "gegeven", id: "0b7e6f2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b", sender: "40506070"))
        #expect(stranger.status == 403)
        #expect(stranger.json["code"] as? String == "message.consent-refused")
        #expect((stranger.json["issues"] as? [[String: Any]])?.last?["code"] as? String == "access.no-care-relationship")
        let insurer = try await gateway.send("POST", "v1/messages", token: gateway.tokens["insurer"],
                                             body: try Self.toestemming(bsn: bsn, status: "gegeven", id: "1c8f7a3b-2d4e-4f6a-9b0c-1d2e3f4a5b6c", sender: "27654321"))
        #expect(insurer.status == 403)
        #expect((insurer.json["issues"] as? [[String: Any]])?.last?["code"] as? String == "access.partner-type")
        #expect(try await gateway.store.consents(bsn: bsn).isEmpty)

        // Her midwife registers the withdrawal by message: ledger row (naming the message) and audit line in one go.
        let withdrawal = try Self.toestemming(bsn: bsn, status: "ingetrokken", id: "2d9a8b4c-3e5f-4a7b-8c1d-2e3f4a5b6c7d")
        let accepted = try await gateway.send("POST", "v1/messages", token: gateway.tokens["midwife"], body: withdrawal)
        #expect(accepted.status == 202)
        #expect(accepted.json["kind"] as? String == "toestemming")
        let ledger = try await gateway.store.consents(bsn: bsn)
        #expect(ledger.map(\.status) == [.withdrawn])
        #expect(ledger.first?.date == "2026-11-23" && ledger.first?.messageId == "2d9a8b4c-3e5f-4a7b-8c1d-2e3f4a5b6c7d")
        #expect(ledger.first?.recordedBy == "ura:01234567/uzi:900012345")
        let lines = try await gateway.store.auditEntries(client: bsn, from: nil, to: nil)
        #expect(lines.filter { $0.event == "consent.withdrawn" }.map(\.detail) == ["message:2d9a8b4c-3e5f-4a7b-8c1d-2e3f4a5b6c7d"])
        // A re-send is a duplicate: no second ledger row, no second consent line.
        #expect(try await gateway.send("POST", "v1/messages", token: gateway.tokens["midwife"], body: withdrawal).status == 202)
        #expect(try await gateway.store.consents(bsn: bsn).count == 1)
        #expect(try await gateway.store.auditEntries(client: bsn, from: nil, to: nil).filter { $0.event == "consent.withdrawn" }.count == 1)

        // The queued handover is cancelled, not handed out; her file is closed to kraamzorg.
        let kraamzorg = gateway.tokens["kraamzorg"]
        #expect((try await gateway.send("GET", "v1/inbox", token: kraamzorg, contentType: nil).json["items"] as? [Any])?.isEmpty == true)
        #expect(try await gateway.store.deliveries(status: "cancelled").count == 1)
        let record = try await gateway.send("GET", "v1/clients/\(bsn)/record", token: kraamzorg, contentType: nil)
        #expect(record.status == 403 && record.json["code"] as? String == "access.consent-withdrawn")

        // Given again by message: the latest registration counts.
        #expect(try await gateway.send("POST", "v1/messages", token: gateway.tokens["midwife"],
                                       body: try Self.toestemming(bsn: bsn, status: "gegeven", id: "3e0b9c5d-4f6a-4b8c-9d2e-3f4a5b6c7d8e")).status == 202)
        #expect(try await gateway.store.consents(bsn: bsn).map(\.status) == [.withdrawn, .given])
        #expect(try await gateway.send("GET", "v1/clients/\(bsn)/record", token: kraamzorg, contentType: nil).status == 200)
        try await gateway.stop()
    }
}
