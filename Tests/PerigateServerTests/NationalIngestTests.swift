import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport
import PerigateServer
import PerigateXML

/// National perinatal messages through `POST /v1/messages` on a real gateway (SQLite, HTTP on
/// 127.0.0.1) with the Nictiz pack installed: the manifest's verdict over HTTP, and one record
/// for a woman about whom a practice sends HL7v3 and a hospital sends Perigate messages.
@Suite("National standards over HTTP", .enabled(if: TestSupport.corpusPresent, "../shared/corpus is absent"))
struct NationalIngestTests {
    /// The practices that sent the HL7v3 acute handovers of the corpus (by URA in the messages).
    static let practices = [("abcPractice", "verloskundigenpraktijk", "00023444"), ("heilema", "verloskundigenpraktijk", "00022991"),
                            ("ggdGroningen", "jgz", "00001111"), ("kernsetPractice", "verloskundigenpraktijk", "13265478")]

    static func gateway() async throws -> TestGateway {
        var validator = TestSupport.validator(TestSupport.fullRegistry, maximumBytes: 2_000_000)
        validator.referenceDate = "2020-01-01"
        return try await TestGateway.start(limits: GatewayServer.Configuration(maximumBodyBytes: 2_000_000), validator: validator,
                                           extraOrganisations: practices)
    }

    static let rows = CorpusManifest.rows.filter { !$0.schema.isEmpty }

    /// The partner that sends a corpus file: the practice its HL7v3 sender URA names; ADA names
    /// no URA, so any care partner may send it (the hospital here).
    static func sender(_ data: Data) -> String {
        let text = String(decoding: data.prefix(20_000), as: UTF8.self)
        if text.contains("extension=\"00023444\"") { return "abcPractice" }
        if text.contains("extension=\"00022991\"") { return "heilema" }
        if text.contains("extension=\"00001111\"") { return "ggdGroningen" }
        if text.contains("extension=\"13265478\"") { return "kernsetPractice" }
        return "hospital"
    }

    @Test("every corpus instance with a schema gets the manifest's verdict over HTTP")
    func verdicts() async throws {
        let gateway = try await Self.gateway()
        var accepted = 0
        for (index, row) in Self.rows.enumerated() {
            var data = try Data(contentsOf: TestSupport.corpus.appendingPathComponent(row.path))
            // The 28 JGZ test files share one placeholder message id; a real sender gives each
            // message its own (the same id with other content would rightly be a 409).
            if row.family.hasPrefix("hl7v3-jgz") {
                data = Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: "extension=\"1243567\"", with: "extension=\"jgz-\(index)\"").utf8)
            }
            let reply = try await gateway.send("POST", "v1/messages", token: gateway.tokens[Self.sender(data)], body: data)
            let code = reply.json["code"] as? String
            // The verdict of the release the message declares (a copy of an older release's file is that release's).
            let expected = CorpusManifest.expectation(for: row)
            if expected.verdict == "valid" {
                #expect(reply.status == 202, "\(row.path): \(reply.status) \(reply.text.prefix(300))")
                if reply.status == 202 { accepted += 1 }
            } else {
                #expect(reply.status == 422 && code == "message.invalid", "\(row.path): \(reply.status) \(code ?? "-")")
                let first = (reply.json["issues"] as? [[String: Any]])?.first
                #expect(first?["line"] as? Int == expected.firstErrorLine, "\(row.path)")
            }
        }
        #expect(accepted == Self.rows.filter { CorpusManifest.expectation(for: $0).verdict == "valid" }.count)
        #expect(accepted >= 61)
        // The care-period warning of scenario 999.1 reaches the receipt.
        let data = try Data(contentsOf: TestSupport.corpus.appendingPathComponent("ada-kernset/2.2/instances/nictiz_test/999.1_Test_NL.xml"))
        let again = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, body: data)
        #expect(again.status == 202)
        #expect((again.json["warnings"] as? [[String: Any]])?.contains { $0["code"] as? String == "date.order" } == true)
        try await gateway.stop()
    }

    @Test("the HL7v3 kernset without the operator's schema is refused for ingest, clearly")
    func schemaRequired() async throws {
        let gateway = try await Self.gateway()
        let data = try Data(contentsOf: TestSupport.corpus.appendingPathComponent("hl7v3-kernset/2.3/instances/scenarios/scenario1-23.xml"))
        let reply = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, body: data)
        #expect(reply.status == 422)
        #expect(reply.json["code"] as? String == "message.schema-required")
        #expect((reply.json["detail"] as? String)?.contains("kernset-hl7v3") == true)
        try await gateway.stop()
    }

    @Test("ingest.acceptWithoutSchema takes the HL7v3 kernset without an XSD, flagged not schema-validated in the receipt and the record")
    func acceptWithoutSchema() async throws {
        var validator = TestSupport.validator(TestSupport.fullRegistry, maximumBytes: 2_000_000)
        validator.referenceDate = "2020-01-01"
        let gateway = try await TestGateway.start(limits: GatewayServer.Configuration(maximumBodyBytes: 2_000_000), validator: validator,
                                                  extraOrganisations: Self.practices, console: true, acceptWithoutSchema: ["kernset-hl7v3"])
        let data = try Data(contentsOf: TestSupport.corpus.appendingPathComponent("hl7v3-kernset/2.3/instances/scenarios/scenario1-23.xml"))
        let reply = try await gateway.send("POST", "v1/messages", token: gateway.tokens[Self.sender(data)], body: data)
        #expect(reply.status == 202, "\(reply.text.prefix(600))")
        let warning = (reply.json["warnings"] as? [[String: Any]])?.first { $0["code"] as? String == "schema.not-validated" }
        #expect(warning?["message"] as? String == "not schema-validated: no public XSD exists for kernset-hl7v3 2.3; taken by the operator's choice (ingest.acceptWithoutSchema)")
        #expect(warning?["severity"] as? String == "warning")
        // Stored with the flag in its facts; a rebuild from the raw message flags it again.
        guard case .mapped(let read) = try CanonicalMapper(registry: TestSupport.fullRegistry).read(data, validator: validator, allowSchemaRequired: true) else {
            Issue.record("not mapped")
            return
        }
        let bsn = read.client.bsn
        var stored = try #require(try await gateway.store.messages(bsn: bsn).first)
        #expect(stored.facts?.provenance.schemaValidated == false)
        stored.facts = nil
        let remapped = try CanonicalMapper(registry: TestSupport.fullRegistry, referenceDate: "2020-01-01").facts(of: stored, parser: validator.parser)
        #expect(remapped.provenance.schemaValidated == false)
        // Her record says so for this source, and only for it.
        #expect(try await GatewayClientFileTests.consent(gateway, as: "kernsetPractice", #"{"status": "given", "date": "2020-01-01"}"#, bsn: bsn).status == 201)
        let record = try await gateway.send("GET", "v1/clients/\(bsn)/record", token: gateway.tokens["kernsetPractice"], contentType: nil)
        #expect(record.status == 200, "\(record.text.prefix(300))")
        let sources = try #require(record.json["sources"] as? [[String: Any]])
        #expect(sources.filter { $0["schemaValidated"] as? Bool == false }.map { $0["kind"] as? String } == ["kernset-hl7v3"])
        // The console's message detail says it, in Dutch, with the warning's explanation.
        try await ConsoleTests.addOperators(gateway.store)
        let console = ConsoleTests.ConsoleClient(base: gateway.base)
        #expect(try await console.login("anna", ConsoleTests.password).status == 303)
        let detail = try await console.get("/console/messages/\(stored.id)")
        #expect(detail.status == 200, "\(detail.html.prefix(300))")
        #expect(detail.html.contains("niet tegen een schema gevalideerd (ingest.acceptWithoutSchema)"))
        #expect(detail.html.contains("schema.not-validated"))
        // Other kinds without a schema are still refused: the list names kinds, not "everything".
        let ada = try Data(contentsOf: TestSupport.corpus.appendingPathComponent("ada-acute-overdracht/2.1/instances/from_hl7/Scenario_S05-AW-ada.xml"))
        let refused = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, body: ada)
        #expect(refused.status == 422)
        #expect(refused.json["code"] as? String == "message.schema-required")
        try await gateway.stop()
    }

    @Test("a sender mismatch in an HL7v3 message names the control act author's id in that message")
    func hl7SenderPath() async throws {
        let gateway = try await Self.gateway()
        let acute = try Data(contentsOf: TestSupport.corpus.appendingPathComponent("hl7v3-acute-overdracht/2.1/instances/examples/daphne.xml"))
        let reply = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, body: acute)
        #expect(reply.status == 403)
        #expect(reply.json["code"] as? String == "message.sender-mismatch")
        let issue = (reply.json["issues"] as? [[String: Any]])?.first { $0["code"] as? String == "auth.sender-mismatch" }
        let path = try #require(issue?["path"] as? String)
        // The id element that carries the URA the mapper read as the sender (the care provision's author).
        #expect(path.hasPrefix("/REPC_IN002120NL/ControlActProcess/"), "\(path)")
        #expect(path.hasSuffix("/id") || path.hasSuffix("]") && path.contains("/id["), "\(path)")
        let document = try #require({ if case .document(let parsed) = SafeXMLParser().parse(acute) { return parsed } else { return nil } }())
        // The path names elements by local name (`/REPC_IN002120NL/…/id[2]`); in the HL7v3 namespace.
        let steps = path.split(separator: "/").map { step -> String in
            let name = step.prefix { $0 != "[" }
            return "hl7:\(name)\(step.dropFirst(name.count))"
        }
        let node = try #require(try XPathQuery(document: document, namespaces: ["hl7": "urn:hl7-org:v3"]).nodes("/" + steps.joined(separator: "/")).first)
        #expect(node.attribute("extension") == "00022991" && node.attribute("root") == "2.16.528.1.1007.3.3")
        try await gateway.stop()
    }

    @Test("a kernset names organisations by LVR id only: the partner registered with that LVR id is who it means — in the care team, the timeline and the provenance")
    func lvrPartners() async throws {
        var validator = TestSupport.validator(TestSupport.fullRegistry, maximumBytes: 2_000_000)
        validator.referenceDate = "2020-01-01"
        // The midwife practice is LVR 1504 (the referral's verwijzing_van).
        let gateway = try await TestGateway.start(limits: GatewayServer.Configuration(maximumBodyBytes: 2_000_000), validator: validator,
                                                  extraOrganisations: Self.practices, lvr: ["midwife": "1504"])
        let kernset = try Data(contentsOf: TestSupport.corpus.appendingPathComponent("ada-kernset/2.3/instances/scenarios/scenario2_1elijn-23.xml"))
        let sent = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, body: kernset)
        #expect(sent.status == 202, "\(sent.text.prefix(300))")
        let bsn = Self.bsn(of: kernset)
        #expect(bsn.count == 9)
        var stored = try #require(try await gateway.store.messages(bsn: bsn).first)
        // The facts stored with it name the practice as the registered partner ...
        #expect(stored.facts?.events.first?.from.ura == "01234567")
        stored.facts = nil
        let facts = try CanonicalMapper(registry: TestSupport.fullRegistry, referenceDate: "2020-01-01").facts(of: stored, parser: validator.parser)
        // ... the message itself only by LVR id.
        #expect(facts.events.first?.from.lvrId == "1504" && facts.events.first?.from.ura == nil, "as the message says")
        let partners = try await gateway.store.partners()
        let resolved = SenderPolicy.resolvingLVR(facts, partners: partners)
        #expect(resolved.events.first?.from == OrganisationRef(ura: "01234567", name: "midwife", type: "verloskundigenpraktijk", lvrId: "1504"))
        #expect(resolved.careTeam.organisations.contains { $0.ura == "01234567" } == facts.careTeam.organisations.contains { $0.lvrId == "1504" })
        // An LVR id nobody registered stays as it is.
        #expect(SenderPolicy.resolvingLVR(facts, partners: partners.map { var p = $0; p.lvr = nil; return p }) == facts)
        // Her record, read by the hospital after her consent, names the practice as the referral's sender.
        #expect(try await GatewayClientFileTests.consent(gateway, as: "hospital", #"{"status": "given", "date": "2020-01-01"}"#, bsn: bsn).status == 201)
        let record = try await gateway.send("GET", "v1/clients/\(bsn)/record", token: gateway.hospitalToken, contentType: nil)
        #expect(record.status == 200, "\(record.text.prefix(300))")
        let decoded = try JSONDecoder().decode(ClientRecord.self, from: record.body)
        #expect(decoded.pregnancies.flatMap(\.timeline).first?.item.from.name == "midwife")
        #expect(decoded.pregnancies.flatMap(\.timeline).first?.item.from.ura == "01234567")
        try await gateway.stop()
    }

    /// The mother's BSN of a kernset ADA file.
    static func bsn(of data: Data) -> String {
        let text = String(decoding: data, as: UTF8.self)
        guard let range = text.range(of: #"burgerservicenummer[^>]*value="(\d{9})""#, options: .regularExpression) else { return "" }
        return String(text[range].suffix(10).prefix(9))
    }

    @Test("a practice sending HL7v3 and a hospital sending a Perigate back-referral about the same woman end up in one record")
    func mixedSources() async throws {
        let gateway = try await Self.gateway()
        let bsn = "189135293"
        let sample = try String(contentsOf: TestSupport.samples.appendingPathComponent("valid/terugverwijzing-1-na-bevalling.xml"), encoding: .utf8)
        let backReferral = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken,
                                                  body: Data(sample.replacingOccurrences(of: "<bsn>999990019</bsn>", with: "<bsn>\(bsn)</bsn>").utf8))
        #expect(backReferral.status == 202, "\(backReferral.text.prefix(300))")
        #expect(try await GatewayClientFileTests.consent(gateway, as: "hospital", #"{"status": "given", "date": "2026-11-24"}"#, bsn: bsn).status == 201)
        // The hospital subscribes to acute handovers in canonical form.
        let subscribed = try await gateway.send("POST", "v1/subscriptions", token: gateway.hospitalToken, contentType: "application/json",
                                                body: Data(#"{"url": "https://epd.example.org/perigate", "kinds": ["acute-overdracht-hl7v3"], "format": "canonical"}"#.utf8))
        #expect(subscribed.status == 201, "\(subscribed.text)")

        let acute = try Data(contentsOf: TestSupport.corpus.appendingPathComponent("hl7v3-acute-overdracht/2.1/instances/examples/daphne.xml"))
        let handover = try await gateway.send("POST", "v1/messages", token: gateway.tokens["heilema"], body: acute)
        #expect(handover.status == 202, "\(handover.text.prefix(300))")
        #expect(handover.json["kind"] as? String == "acute-overdracht-hl7v3")
        // Routed like any message: the subscribed hospital (care relationship, consent) gets it.
        #expect(handover.json["deliveriesPlanned"] as? [String] == ["webhook:ura:27654321"])

        let reply = try await gateway.send("GET", "v1/clients/\(bsn)/record", token: gateway.hospitalToken, contentType: nil)
        #expect(reply.status == 200, "\(reply.text.prefix(300))")
        let record = try JSONDecoder().decode(ClientRecord.self, from: reply.body)
        #expect(Set(record.sources.map(\.provenance.kind)) == ["acute-overdracht-hl7v3", "terugverwijzing"])
        let timeline = record.pregnancies.flatMap(\.timeline)
        #expect(timeline.map(\.item.type).sorted() == ["back-referral", "referral"])
        #expect(timeline.first { $0.item.type == "referral" }?.item.subtype == "acute-overdracht")
        // Facts only the HL7v3 message gives, next to facts only the Perigate message gives.
        #expect(record.facts["client.bloodGroup.code"]?.source.kind == "acute-overdracht-hl7v3")
        #expect(record.pregnancies.compactMap { $0.facts["delivery.mode"] }.map(\.source.kind) == ["terugverwijzing"])
        // Her 2015 pregnancy (the HL7v3 handover) and her 2026 one (the back-referral) stay apart.
        #expect(record.pregnancies.map { $0.sources.map(\.kind) } == [["acute-overdracht-hl7v3"], ["terugverwijzing"]])
        #expect(record.pregnancies.map { $0.facts["pregnancy.dueDate"]?.value } == [.string("2015-08-18"), .string("2026-11-19")])
        #expect(record.pregnancies.allSatisfy { $0.conflicts.isEmpty })
        // The practice that sent HL7v3 only claims a care relationship (the hospital took her in
        // first and never addressed it): it reads nothing of hers, and the hospital is told.
        let claimant = try await gateway.send("GET", "v1/clients/\(bsn)/record", token: gateway.tokens["heilema"], contentType: nil)
        #expect(claimant.status == 403)
        #expect(claimant.json["code"] as? String == "access.no-care-relationship")
        let inbox = try await gateway.send("GET", "v1/inbox", token: gateway.hospitalToken, contentType: nil)
        let events = (inbox.json["items"] as? [[String: Any]] ?? []).filter { $0["reason"] as? String == "event:care-claim" }
        #expect(events.count == 1)
        #expect((events.first?["event"] as? String)?.contains("nieuwe zorgrelatie gemeld door") == true)
        #expect(events.first?["client"] as? String == bsn)
        try await gateway.stop()
    }
}
