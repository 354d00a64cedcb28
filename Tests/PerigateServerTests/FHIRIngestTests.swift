import Foundation
import Testing
@testable import PerigateCore
import PerigateFHIR
import PerigateTestSupport
import PerigateServer

/// FHIR STU3 Bundles of the pregnancy card through `POST /v1/messages` on a real gateway
/// (SQLite, HTTP on 127.0.0.1): accepted like every other message, refused with FHIRPath issues.
@Suite("FHIR in over HTTP", .enabled(if: TestSupport.corpusPresent, "../shared/corpus is absent"))
struct FHIRIngestTests {
    static let scenario = "med_mij_01_beschikbaarstellen_integrale_zwangerschapskaart/gz-izb-kwa-1-V1_actieve_zwschap"
    static let bsn = "999900717"  // the ADA rendering's BSN of this scenario
    static var folder: URL { FHIRCorpus.scenarios.appendingPathComponent(scenario) }

    static func gateway() async throws -> TestGateway {
        try await TestGateway.start(limits: GatewayServer.Configuration(maximumBodyBytes: 2_000_000),
                                    validator: TestSupport.validator(TestSupport.fullRegistry, maximumBytes: 2_000_000))
    }

    @Test("a hospital posts the pregnancy card as FHIR JSON and as FHIR XML: accepted, in her record with every statement")
    func accepted() async throws {
        let gateway = try await Self.gateway()
        let json = try FHIRCorpus.bundle(Self.folder, bsn: Self.bsn, format: .json, identifier: "urn:uuid:6f1c2a52-0001-4000-8000-000000000001")
        let posted = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, contentType: "application/fhir+json", body: json)
        #expect(posted.status == 202, "\(posted.text.prefix(400))")
        #expect(posted.json["kind"] as? String == "fhir-stu3" && posted.json["version"] as? String == "3.0.2")
        #expect(posted.json["messageId"] as? String == "urn:uuid:6f1c2a52-0001-4000-8000-000000000001")
        // The same card as XML, a later version of the Bundle (another identifier).
        let xml = try FHIRCorpus.bundle(Self.folder, bsn: Self.bsn, format: .xml, lastUpdated: "2026-11-25T11:00:00+01:00",
                                        identifier: "urn:uuid:6f1c2a52-0001-4000-8000-000000000002")
        let second = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, contentType: "application/fhir+xml", body: xml)
        #expect(second.status == 202, "\(second.text.prefix(400))")
        // The raw message comes back as it was sent, with its media type.
        let raw = try await gateway.send("GET", "v1/messages/urn:uuid:6f1c2a52-0001-4000-8000-000000000001/raw", token: gateway.hospitalToken,
                                         contentType: nil)
        #expect(raw.status == 200 && raw.body == json && raw.headers["content-type"] == "application/fhir+json")

        #expect(try await GatewayClientFileTests.consent(gateway, as: "hospital", #"{"status": "given", "date": "2026-11-24"}"#, bsn: Self.bsn).status == 201)
        let reply = try await gateway.send("GET", "v1/clients/\(Self.bsn)/record", token: gateway.hospitalToken, contentType: nil)
        #expect(reply.status == 200, "\(reply.text.prefix(300))")
        let record = try JSONDecoder().decode(ClientRecord.self, from: reply.body)
        let resources = try FHIRCorpus.resources(in: Self.folder)
        let clinical = resources.filter { ["Observation", "Condition", "Procedure", "Encounter"].contains($0.resourceType) }
        #expect(record.pregnancies.count == 1)
        let pregnancy = try #require(record.pregnancies.first)
        #expect(pregnancy.facts["pregnancy.gravidity"]?.value == .number(3) && pregnancy.facts["pregnancy.parity"]?.value == .number(1))
        #expect(pregnancy.facts["pregnancy.gravidity"]?.source.kind == "fhir-stu3")
        // Both messages say the same: each statement once, from the first.
        #expect(pregnancy.findings.statements?.count == clinical.count)
        #expect(Set(pregnancy.findings.statements?.map(\.item.id) ?? []) == Set(clinical.compactMap(\.id)))
        #expect(pregnancy.findings.bloodPressure.map { [$0.item.systolic, $0.item.diastolic] }.count == 2)
        #expect(pregnancy.conflicts.isEmpty && record.conflicts.isEmpty)
        try await gateway.stop()
    }

    @Test("a message id over 256 bytes or with control characters is refused (422 message.invalid, issue message.id-invalid); 256 bytes is taken")
    func messageIdRule() async throws {
        let gateway = try await Self.gateway()
        func post(_ identifier: String) async throws -> (status: Int, issues: [String]) {
            let json = try FHIRCorpus.bundle(Self.folder, bsn: Self.bsn, format: .json, identifier: identifier)
            let reply = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, contentType: "application/fhir+json", body: json)
            let issues = (reply.json["issues"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            return (reply.status, issues)
        }
        let longest = "urn:x:" + String(repeating: "é", count: 125)  // 6 + 250 = 256 bytes
        #expect(longest.utf8.count == MessageKey.maximumIdBytes)
        #expect(try await post(longest).status == 202)
        for bad in [longest + "a", "urn:x:tab\there", "urn:x:line\u{85}next"] {
            let reply = try await post(bad)
            #expect(reply.status == 422 && reply.issues.contains("message.id-invalid"), "\(bad.utf8.count) bytes")
        }
        try await gateway.stop()
    }

    @Test("a broken value is refused with its FHIRPath in the Bundle; a masked BSN, a wrong media type and a bare resource too")
    func refused() async throws {
        let gateway = try await Self.gateway()
        var text = String(decoding: try FHIRCorpus.bundle(Self.folder, bsn: Self.bsn, format: .xml), as: UTF8.self)
        // The corpus's one broken value ("6 ", README) put into this card's first blood pressure.
        let range = try #require(text.range(of: "<value value=\"155\"/>"))
        text.replaceSubrange(range, with: "<value value=\"6 \"/>")
        let broken = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, contentType: "application/fhir+xml",
                                            body: Data(text.utf8))
        #expect(broken.status == 422, "\(broken.text.prefix(300))")
        #expect(broken.json["code"] as? String == "message.invalid")
        let issues = (broken.json["issues"] as? [[String: Any]]) ?? []
        #expect(issues.count == 1, "\(issues)")
        let path = issues.first?["path"] as? String ?? ""
        #expect(issues.first?["code"] as? String == "fhir.invalid-value")
        #expect(path.hasPrefix("Bundle.entry[") && path.hasSuffix("].resource.component[0].valueQuantity.value"), "\(path)")
        #expect((issues.first?["message"] as? String)?.contains("trailing spaces") == true)

        // Nictiz masks her BSN (MedMij): without one there is no record to file it in.
        let masked = try FHIRCorpus.bundle(Self.folder, bsn: nil, format: .json)
        let noBSN = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, contentType: "application/fhir+json", body: masked)
        #expect(noBSN.status == 422)
        #expect(((noBSN.json["issues"] as? [[String: Any]]) ?? []).contains { $0["code"] as? String == "mapping.missing-field" })

        let json = try FHIRCorpus.bundle(Self.folder, bsn: Self.bsn, format: .json)
        let mislabelled = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, contentType: "application/xml", body: json)
        #expect(mislabelled.status == 415, "\(mislabelled.text)")
        let patient = try Data(contentsOf: TestSupport.files(in: Self.folder, extension: "xml").first { $0.lastPathComponent.contains("Woman") }!)
        let bare = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, contentType: "application/fhir+xml", body: patient)
        #expect(bare.status == 422)
        #expect(((bare.json["issues"] as? [[String: Any]]) ?? []).contains { $0["code"] as? String == "fhir.not-a-bundle" })
        let garbage = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, contentType: "application/fhir+json",
                                             body: Data(#"{"resourceType": "Bundle", "type": "collection", "entry": [}"#.utf8))
        #expect(garbage.status == 400 || garbage.status == 422, "\(garbage.status) \(garbage.text)")
        #expect(garbage.json["code"] as? String == "message.malformed")
        // Extensions nested to the reader's depth limit: refused for what they lack, the gateway keeps running.
        let nested = String(repeating: #"{"url":"http://x.test/e","extension":["#, count: 90) + #"{"url":"http://x.test/e","valueString":"x"}"#
            + String(repeating: "]}", count: 90)
        let deep = #"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Observation","extension":["#
            + nested + "]}}]}"
        let refusedDeep = try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, contentType: "application/fhir+json",
                                                 body: Data(deep.utf8))
        #expect(refusedDeep.status == 422)
        #expect(try await gateway.send("GET", "health", token: nil, contentType: nil).status == 200)
        // Nothing of these reached a record.
        #expect(try await GatewayClientFileTests.consent(gateway, as: "hospital", #"{"status": "given", "date": "2026-11-24"}"#, bsn: Self.bsn).status != 201)
        try await gateway.stop()
    }
}

extension FHIRIngestTests {
    static func portalToken(_ gateway: TestGateway, bsn: String) async throws -> String {
        let token = ClientCredential.tokenPrefix + "test-\(UUID().uuidString)"
        try await gateway.store.addClientCredential(
            ClientCredential(id: "portal-\(bsn)", bsn: bsn, createdAt: "2026-11-25T10:00:00Z"), tokenHash: PartnerToken.hash(token),
            audit: AuditEntry(time: "2026-11-25T10:00:00Z", actor: "test", event: "client-credential.add", action: "C",
                              object: "bsn:\(bsn)/client-credential:portal-\(bsn)", outcome: "success"))
        return token
    }

    @Test("her own app reads her whole file as a FHIR Bundle without her BSN; the hospital reads the same facts as FHIR and JSON")
    func fhirOut() async throws {
        let gateway = try await Self.gateway()
        let json = try FHIRCorpus.bundle(Self.folder, bsn: Self.bsn, format: .json, identifier: "urn:uuid:6f1c2a52-0001-4000-8000-000000000003")
        #expect(try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, contentType: "application/fhir+json", body: json).status == 202)
        let token = try await Self.portalToken(gateway, bsn: Self.bsn)

        for format in FHIRFormat.allCases {
            let reply = try await gateway.send("GET", "v1/clients/\(Self.bsn)/record", token: token, headers: ["Accept": format.mediaType], contentType: nil)
            #expect(reply.status == 200, "\(reply.text.prefix(300))")
            #expect(reply.headers["content-type"]?.hasPrefix(format.mediaType) == true)
            let (resource, issues) = FHIRCodec.read(reply.body, format: format)
            #expect(issues.isEmpty, "\(issues.prefix(3))")
            guard case .bundle(let bundle)? = resource else { Issue.record("not a Bundle"); continue }
            #expect(bundle.type?.value == "collection")
            let resources = (bundle.entry ?? []).compactMap(\.resource)
            // MedMij: no BSN value anywhere in her Bundle, and not in the text either.
            #expect(!String(decoding: reply.body, as: UTF8.self).contains(Self.bsn))
            guard case .patient(let patient)? = resources.first else { Issue.record("the woman first"); continue }
            #expect(patient.identifier?.first?.value?.value == nil && patient.identifier?.first?.value?.extensions?.first?.valueCode?.value == "masked")
            #expect(patient.meta?.profile?.map(\.value) == ["http://fhir.nl/fhir/StructureDefinition/nl-core-patient",
                                                           "http://nictiz.nl/fhir/StructureDefinition/bc-Woman"])
            let sent = try FHIRCorpus.resources(in: Self.folder)
            let clinical = sent.filter { ["Observation", "Condition", "Procedure", "Encounter"].contains($0.resourceType) }
            // Every statement comes back as the resource it was, with its profiles and codes.
            for original in clinical {
                let back = resources.first { $0.resourceType == original.resourceType && $0.id == original.id }
                #expect(back?.profiles == original.profiles, "\(original.resourceType)/\(original.id ?? "")")
            }
            #expect(resources.filter { $0.resourceType == "EpisodeOfCare" }.count == 1)
            // Every entry's fullUrl ends with its id (the TestScripts check it).
            #expect((bundle.entry ?? []).allSatisfy { $0.fullUrl?.value?.hasSuffix("/" + ($0.resource?.id ?? "-")) == true })
        }
        // Her reads are in her own log.
        let log = try await gateway.send("GET", "v1/clients/\(Self.bsn)/access-log", token: token, headers: [:], contentType: nil)
        #expect(log.text.contains("record.read") || log.text.contains("dossier"), "\(log.text.prefix(400))")
        // Another client's token reads nothing of hers.
        let other = try await Self.portalToken(gateway, bsn: "999990044")
        let refused = try await gateway.send("GET", "v1/clients/\(Self.bsn)/record", token: other, headers: ["Accept": "application/fhir+json"], contentType: nil)
        #expect(refused.status == 403)

        // The hospital (her care team, with her consent) reads the same facts as FHIR, with her BSN, and as JSON.
        #expect(try await GatewayClientFileTests.consent(gateway, as: "hospital", #"{"status": "given", "date": "2026-11-24"}"#, bsn: Self.bsn).status == 201)
        let partner = try await gateway.send("GET", "v1/clients/\(Self.bsn)/record", token: gateway.hospitalToken,
                                             headers: TestGateway.user.merging(["Accept": "application/fhir+json"]) { $1 }, contentType: nil)
        #expect(partner.status == 200, "\(partner.text.prefix(300))")
        #expect(String(decoding: partner.body, as: UTF8.self).contains("\"value\":\"\(Self.bsn)\""))
        let canonical = try await gateway.send("GET", "v1/clients/\(Self.bsn)/record", token: gateway.hospitalToken, contentType: nil)
        let record = try JSONDecoder().decode(ClientRecord.self, from: canonical.body)
        let (read, _) = FHIRCodec.read(partner.body, format: .json)
        guard case .bundle(let bundle)? = read else { Issue.record("not a Bundle"); return }
        let gravidity = (bundle.entry ?? []).compactMap { entry -> String? in
            guard case .observation(let o)? = entry.resource, o.code?.coding?.contains(where: { $0.code?.value == "11996-6" }) == true else { return nil }
            return o.valueQuantity?.value?.value
        }
        #expect(gravidity == ["3"] && record.pregnancies.first?.facts["pregnancy.gravidity"]?.value == .number(3))
        try await gateway.stop()
    }
}

extension FHIRIngestTests {
    static func searchset(_ reply: TestGateway.Reply, format: FHIRFormat = .json) -> FHIR.Bundle? {
        guard case .bundle(let bundle)? = FHIRCodec.read(reply.body, format: format).resource else { return nil }
        return bundle
    }

    @Test("/fhir/stu3: her app searches her file as the MedMij TestScripts do; partners and bad queries get an OperationOutcome")
    func fhirAPI() async throws {
        let gateway = try await Self.gateway()
        let json = try FHIRCorpus.bundle(Self.folder, bsn: Self.bsn, format: .json, identifier: "urn:uuid:6f1c2a52-0001-4000-8000-000000000004")
        #expect(try await gateway.send("POST", "v1/messages", token: gateway.hospitalToken, contentType: "application/fhir+json", body: json).status == 202)
        let token = try await Self.portalToken(gateway, bsn: Self.bsn)
        let get = { (path: String) in try await gateway.send("GET", "fhir/stu3/" + path, token: token, headers: ["Accept": "application/fhir+json"], contentType: nil) }

        let metadata = try await gateway.send("GET", "fhir/stu3/metadata", token: nil, headers: [:], contentType: nil)
        #expect(metadata.status == 200)
        guard case .capabilityStatement(let statement)? = FHIRCodec.read(metadata.body, format: .json).resource else { Issue.record("no CapabilityStatement"); return }
        #expect(statement.fhirVersion?.value == "3.0.2" && statement.rest?.first?.resource?.contains { $0.type?.value == "Observation" } == true)

        let patients = try #require(Self.searchset(try await get("Patient")))
        #expect(patients.type?.value == "searchset" && patients.total?.value == "1" && patients.link?.first?.relation?.value == "self")
        let episodes = try #require(Self.searchset(try await get("EpisodeOfCare?type=http%3A%2F%2Fsnomed.info%2Fsct%7C364320009&status=active&_include=EpisodeOfCare:organization")))
        #expect(episodes.total?.value == "1")
        let episode = try #require(episodes.entry?.first?.resource?.id)
        #expect(episodes.entry?.first?.search?.mode?.value == "match")
        let none = try #require(Self.searchset(try await get("EpisodeOfCare?status=finished")))
        #expect(none.total?.value == "0" && none.entry == nil)

        let sent = try FHIRCorpus.resources(in: Self.folder)
        let observations = try #require(Self.searchset(try await get("Observation?context=EpisodeOfCare/\(episode)")))
        let sentInEpisode = sent.filter { if case .observation(let o) = $0 { o.context?.reference?.value?.hasPrefix("EpisodeOfCare/") == true } else { false } }
        #expect(Int(observations.total?.value ?? "") == sentInEpisode.count)
        let viaEncounter = try #require(Self.searchset(try await get("Observation?context:Encounter.episodeofcare=EpisodeOfCare/\(episode)")))
        let sentInEncounters = sent.filter { if case .observation(let o) = $0 { o.context?.reference?.value?.hasPrefix("Encounter/") == true } else { false } }
        #expect(Int(viaEncounter.total?.value ?? "") == sentInEncounters.count && !sentInEncounters.isEmpty)
        let family = try #require(Self.searchset(try await get("FamilyMemberHistory")))
        #expect(family.total?.value == "0")
        // XML by _format.
        let xml = try await gateway.send("GET", "fhir/stu3/Patient?_format=xml", token: token, headers: [:], contentType: nil)
        #expect(xml.headers["content-type"]?.hasPrefix("application/fhir+xml") == true && Self.searchset(xml, format: .xml)?.total?.value == "1")
        // A read by id; an unknown one is a 404 OperationOutcome.
        #expect(try await get("EpisodeOfCare/\(episode)").status == 200)
        let missing = try await get("EpisodeOfCare/none")
        #expect(missing.status == 404)
        guard case .operationOutcome? = FHIRCodec.read(missing.body, format: .json).resource else { Issue.record("no OperationOutcome"); return }
        // Strict: an unknown parameter is refused, not ignored.
        let unknown = try await get("Observation?code=1234")
        #expect(unknown.status == 400 && unknown.text.contains("not supported"))
        // A partner names her by BSN and reads through its view (the hospital sent her card: her care team), with her BSN.
        let her = "identifier=http%3A%2F%2Ffhir.nl%2Ffhir%2FNamingSystem%2Fbsn%7C\(Self.bsn)"
        let asHospital = { (path: String, token: String) in
            try await gateway.send("GET", "fhir/stu3/" + path, token: token, headers: TestGateway.user.merging(["Accept": "application/fhir+json"]) { $1 },
                                   contentType: nil)
        }
        // Before her consent is registered the hospital is refused, as on GET /v1/clients/{bsn}/record.
        let beforeConsent = try await asHospital("Patient?" + her, gateway.hospitalToken)
        #expect(beforeConsent.status == 403 && beforeConsent.text.contains("OperationOutcome"))
        #expect(try await GatewayClientFileTests.consent(gateway, as: "hospital", #"{"status": "given", "date": "2026-11-24"}"#, bsn: Self.bsn).status == 201)
        let hospitalReply = try await asHospital("Patient?" + her, gateway.hospitalToken)
        #expect(hospitalReply.status == 200, "\(hospitalReply.text.prefix(400))")
        let hospitalPatients = try #require(Self.searchset(hospitalReply))
        #expect(hospitalPatients.total?.value == "1")
        guard case .patient(let patient)? = hospitalPatients.entry?.first?.resource else { Issue.record("no Patient"); return }
        #expect(patient.identifier?.first?.value?.value == Self.bsn)
        let hospitalObservations = try #require(Self.searchset(try await asHospital("Observation?patient.\(her)&context=EpisodeOfCare/\(episode)", gateway.hospitalToken)))
        #expect(hospitalObservations.total == observations.total)
        // Without naming her, or naming her wrongly: 400; a partner outside her care team: 403 (refused, logged).
        let unnamed = try await asHospital("Observation", gateway.hospitalToken)
        #expect(unnamed.status == 400 && unnamed.text.contains("patient.identifier"))
        let wrong = try await asHospital("Patient?identifier=http%3A%2F%2Ffhir.nl%2Ffhir%2FNamingSystem%2Fbsn%7C123456789", gateway.hospitalToken)
        #expect(wrong.status == 400 && !wrong.text.contains("123456789"))
        let outsider = try await asHospital("Patient?" + her, gateway.midwifeToken)
        #expect(outsider.status == 403 && outsider.text.contains("OperationOutcome"))
        let anonymous = try await gateway.send("GET", "fhir/stu3/Patient", token: nil, headers: [:], contentType: nil)
        #expect(anonymous.status == 401 && anonymous.text.contains("OperationOutcome"))
        // Every search is in her log with its query: hers, the hospital's, the refused one.
        let lines = try await gateway.store.auditEntries(after: 0, limit: 1000).filter { $0.event == "record.read" && $0.object == "bsn:\(Self.bsn)/record" }
        #expect(lines.filter { $0.actor.hasPrefix("client:") }.count >= 10 && lines.contains { $0.objectDetail?.query?.hasPrefix("GET Observation?context=") == true })
        #expect(lines.contains { !$0.actor.hasPrefix("client:") && $0.outcome == "success" && $0.objectDetail?.query == "GET Observation?context=EpisodeOfCare/\(episode)" })
        #expect(lines.contains { $0.outcome == "refused" && $0.objectDetail?.query == "GET Patient" })
        // A request refused for its form is a refused read in her log, never a successful one; a partner naming no valid BSN too.
        let all = try await gateway.store.auditEntries(after: 0, limit: 1000).filter { $0.event == "record.read" }
        #expect(all.contains { $0.outcome == "refused" && $0.detail == "request.invalid-query" && $0.objectDetail?.query == "GET Observation?code=1234" })
        #expect(!all.contains { $0.outcome == "success" && $0.objectDetail?.query?.contains("code=1234") == true })
        #expect(all.filter { $0.object == "client:invalid-bsn" && $0.outcome == "refused" }.count == 2)
        try await gateway.stop()
    }
}
