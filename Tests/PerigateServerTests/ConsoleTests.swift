import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import PerigateConsole
import PerigateCore
import PerigateTestSupport
import PerigateSQLite

/// The operator console over real HTTP on 127.0.0.1 (SQLite store, real delivery worker and
/// receiver): login, roles, CSRF, every page, the actions, and the audit lines they leave.
@Suite("Operator console")
struct ConsoleTests {
    /// A browser-like client: keeps the session cookie, does not follow redirects.
    final class ConsoleClient: @unchecked Sendable {
        let base: String
        /// One for the whole suite, never shut down: a failing test cannot leave a client behind.
        static let shared = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        var http: HTTPClient { Self.shared }
        var cookie: String?

        init(base: URL) { self.base = base.absoluteString }

        struct Page {
            var status: Int
            var html: String
            var headers: [String: String]
            /// The form token of the page's first form.
            var csrf: String? {
                html.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.1) }
            }
        }

        func get(_ path: String) async throws -> Page {
            try await send(.GET, path, form: nil)
        }

        func post(_ path: String, _ form: [String: String]) async throws -> Page {
            try await send(.POST, path, form: form)
        }

        func send(_ method: HTTPMethod, _ path: String, form: [String: String]?) async throws -> Page {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            if let cookie { request.headers.add(name: "Cookie", value: cookie) }
            if let form {
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                let body = form.sorted { $0.key < $1.key }.map { key, value in
                    "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
                }.joined(separator: "&")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await http.execute(request, timeout: .seconds(30))
            var headers: [String: String] = [:]
            for header in response.headers { headers[header.name.lowercased()] = header.value }
            if let set = headers["set-cookie"], let pair = set.split(separator: ";").first {
                cookie = set.contains("Expires=Thu, 01 Jan 1970") || set.contains("Max-Age=0") ? nil : String(pair)
            }
            let body = try await response.body.collect(upTo: 4 << 20)
            return Page(status: Int(response.status.code), html: String(buffer: body), headers: headers)
        }

        /// A login; answered "too many checks at once" (the process-wide bcrypt queue, which a
        /// flood test running in parallel may fill) it tries again, as a person would.
        func login(_ name: String, _ password: String) async throws -> Page {
            for _ in 0..<50 {
                let page = try await post("/console/login", ["gebruiker": name, "wachtwoord": password])
                guard page.status == 429, page.html.contains(ConsoleTests.checksBusy) else { return page }
                try await Task.sleep(for: .milliseconds(200))
            }
            return try await post("/console/login", ["gebruiker": name, "wachtwoord": password])
        }

    }

    static let password = "geheim-wachtwoord-123"
    /// The login page's words when the password-check queue is full.
    static let checksBusy = "te veel aanmeldingen tegelijk gecontroleerd"

    /// Operators with console passwords (bcrypt cost 4: fast tests; the cost lives in the hash).
    static func addOperators(_ store: SQLiteMessageStore) async throws {
        for (id, name, role) in [("anna", "Anna de Vries", OperatorRole.operator), ("lotte", "Lotte Jansen", .logAdministrator),
                                 ("piet", "Piet Bakker", .operator)] {
            let line = AuditEntry(time: "2026-11-25T10:00:00Z", actor: "test", event: "operator.add", action: "U", object: "operator:\(id)",
                                  outcome: "success")
            try await store.addOperator(Operator(id: id, name: name, createdAt: "2026-11-25T10:00:00Z", role: role), tokenHash: "token-\(id)", audit: line)
            #expect(try await store.setOperatorPassword(id: id, passwordHash: ConsolePassword.hash(password, cost: 4), audit: line))
        }
    }

    /// A gateway with the console, a receiver and a worker, stopped even when the test fails.
    static func withSetup(_ body: (DeliveryWorkerTests.Setup) async throws -> Void) async throws {
        let setup = try await DeliveryWorkerTests.setup(console: true)
        try await addOperators(setup.gateway.store)
        do { try await body(setup) } catch {
            try? await setup.stop()
            throw error
        }
        try await setup.stop()
    }

    static func lines(_ store: SQLiteMessageStore, actor: String) async throws -> [AuditEntry] {
        try await store.auditEntries(after: 0, limit: 10_000).filter { $0.actor == actor }
    }

    @Test("an operator logs in, sees flow, rejections, queue and dead letter, retries it, disables and enables; every view is audited")
    func operatorFlow() async throws {
        try await Self.withSetup { setup in
        let store = setup.gateway.store
        try await DeliveryWorkerTests.deadLetter(setup)
        let invalid = try await setup.gateway.post(TestSupport.samples.appendingPathComponent("invalid/kraamzorgoverdracht-bsn-elfproef.xml"),
                                                   as: "midwife")
        #expect(invalid.status == 422)
        let rejectionId = try #require(invalid.json["rejectionId"] as? String)
        let dead = try #require(try await store.deliveries(status: "dead").first)
        let client = ConsoleClient(base: setup.gateway.base)

        #expect(try await client.get("/console").headers["location"] == "/console/login?reden=verlopen")
        let wrong = try await client.login("anna", "niet-het-wachtwoord")
        #expect(wrong.status == 401 && wrong.html.contains("Onjuiste gebruikersnaam of wachtwoord."))
        let unknown = try await client.login("niemand", Self.password)
        #expect(unknown.status == 401 && unknown.html.contains("Onjuiste gebruikersnaam of wachtwoord."))
        let refusedLogins = try await store.auditEntries(after: 0, limit: 10_000).filter { $0.event == "console.login" && $0.outcome == "refused" }
        #expect(refusedLogins.map(\.actor) == ["console:anna", "console:unknown"])

        let login = try await client.login("anna", Self.password)
        #expect(login.status == 303 && login.headers["location"] == "/console")
        #expect(login.headers["set-cookie"]?.contains("HttpOnly") == true && login.headers["set-cookie"]?.contains("SameSite=Strict") == true)

        let dashboard = try await client.get("/console")
        #expect(dashboard.status == 200)
        // Each page view extends the session in the browser too: the same id, a new expiry.
        let sessionId = login.headers["set-cookie"]?.split(separator: ";").first.map(String.init)
        #expect(dashboard.headers["set-cookie"]?.split(separator: ";").first.map(String.init) == sessionId)
        #expect(dashboard.headers["set-cookie"]?.contains("HttpOnly") == true && dashboard.headers["set-cookie"]?.contains("Path=/console") == true)
        #expect(dashboard.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        for text in ["Anna de Vries (beheerder)", "kraamzorgoverdracht", "geaccepteerd", "ongeldig", "bsn.elfproef", "sub-kraamzorg",
                     "1 onbestelbare afleveringen", "Sinds de start van deze node niet gecontroleerd"] {
            #expect(dashboard.html.contains(text), "dashboard lacks \(text)")
        }
        #expect(!dashboard.html.contains(dead.bsn), "the dashboard shows no BSN")

        let accepted = try await client.get("/console/messages?soort=kraamzorgoverdracht&status=accepted")
        #expect(accepted.html.contains(dead.messageId) && !accepted.html.contains(rejectionId))
        let rejected = try await client.get("/console/messages?status=invalid&van=2000-01-01")
        #expect(rejected.html.contains(rejectionId) && !rejected.html.contains(dead.messageId))
        let rejection = try await client.get("/console/messages/\(rejectionId)")
        #expect(rejection.html.contains("bsn.elfproef") && rejection.html.contains("ongeldig") && rejection.html.contains("geen ontvangstbewijs"))
        let detail = try await client.get("/console/messages/\(dead.messageId)")
        // The receipt exactly as the sender got it: its planned webhook delivery included.
        for text in ["onbestelbaar", "HTTP 400", "bsn:******\(dead.bsn.suffix(3))", dead.id, "webhook:ura:"] {
            #expect(detail.html.contains(text), "message detail lacks \(text)")
        }
        #expect(!detail.html.contains(dead.bsn))
        #expect(try await client.get("/console/messages/nope").status == 404)

        let deliveries = try await client.get("/console/deliveries")
        #expect(deliveries.html.contains(dead.id) && deliveries.html.contains("Opnieuw proberen"))
        let noToken = try await client.post("/console/deliveries/\(dead.id)/retry", [:])
        #expect(noToken.status == 403 && noToken.html.contains("Formulier verlopen"))
        #expect(try await store.deliveries(status: "dead").map(\.id) == [dead.id])
        let csrf = try #require(deliveries.csrf)
        let retried = try await client.post("/console/deliveries/\(dead.id)/retry", ["csrf": csrf])
        #expect(retried.status == 200 && retried.html.contains("opnieuw geprobeerd"))
        #expect(try await store.deliveries(status: "pending").map(\.id) == [dead.id])
        #expect(try await setup.worker.runOnce() == 1)
        #expect(try await store.deliveries(status: "sent").map(\.id) == [dead.id])

        let kraamzorg = try #require(setup.gateway.partners["kraamzorg"])
        let partners = try await client.get("/console/partners")
        #expect(partners.html.contains("kraamzorg") && partners.html.contains("31112222") && partners.html.contains("sub-kraamzorg"))
        #expect(try await client.post("/console/partners/\(kraamzorg.id)/disable", ["csrf": csrf]).status == 200)
        #expect(try await store.partners().first { $0.id == kraamzorg.id }?.revoked == true)
        #expect(try await client.post("/console/partners/\(kraamzorg.id)/enable", ["csrf": csrf]).status == 200)
        #expect(try await store.partners().first { $0.id == kraamzorg.id }?.revoked == false)
        #expect(try await client.post("/console/subscriptions/sub-kraamzorg/disable", ["csrf": csrf]).status == 200)
        #expect(try await store.subscriptions().first?.active == false)
        #expect(try await client.get("/console/partners").html.contains(
            #"<code>disabled by operator anna</code> <span class="uitleg">uitgeschakeld door een beheerder</span>"#))
        #expect(try await client.post("/console/subscriptions/sub-kraamzorg/enable", ["csrf": csrf]).status == 200)
        #expect(try await store.subscriptions().first?.active == true)
        #expect(try await client.post("/console/subscriptions/sub-kraamzorg/delete", ["csrf": csrf]).status == 404)
        #expect(try await store.subscriptions().first?.active == true, "an unknown action changes nothing")
        let replay = try await client.post("/console/subscriptions/sub-kraamzorg/replay", ["csrf": csrf, "sinds": "2000-01-01"])
        #expect(replay.status == 200 && replay.html.contains("1 afleveringen"))

        let notForOperators = try await client.post("/console/messages/client", ["csrf": csrf, "bsn": dead.bsn, "reden": "controle op verzoek"])
        #expect(notForOperators.status == 403 && notForOperators.html.contains("Geen toegang"))
        let audit = try await client.get("/console/audit")
        #expect(audit.html.contains("Nu controleren") && !audit.html.contains("name=\"bsn\""))
        let verified = try await client.post("/console/audit/verify", ["csrf": csrf])
        #expect(verified.html.contains("Auditketen in orde"))
        #expect(try await client.get("/console").html.contains("door Anna de Vries"))

        let lines = try await Self.lines(store, actor: "console:anna")
        #expect(lines.filter { $0.event == "console.view" && $0.outcome == "success" }.count == 11)
        #expect(lines.filter { $0.outcome == "refused" }.map(\.event) == ["console.login", "console.action", "console.view"])
        for event in ["console.login", "delivery.retry", "partner.revoke", "partner.enable", "subscription.disable", "subscription.enable",
                      "delivery.replay", "audit.verify"] {
            #expect(lines.contains { $0.event == event && $0.outcome == "success" && $0.user?.name == "Anna de Vries" }, "no audit line \(event)")
        }
        #expect(lines.allSatisfy { $0.client == nil }, "an operator's console work concerns no client")

        let logout = try await client.post("/console/logout", ["csrf": csrf])
        #expect(logout.headers["location"] == "/console/login?reden=uitgelogd")
        client.cookie = login.headers["set-cookie"].map { String($0.split(separator: ";")[0]) }
        #expect(try await client.get("/console").status == 303, "the old cookie opens nothing after logout")
        #expect(try await store.verifyAuditChain().problem == nil)
        }
    }

    @Test("a log administrator finds one client's messages only with a reason (in her access log) and exports her access log; no operator actions")
    func logAdministrator() async throws {
        try await Self.withSetup { setup in
        let store = setup.gateway.store
        try await DeliveryWorkerTests.post(setup, "1-kraamzorgoverdracht-prenataal")
        let delivery = try #require(try await store.deliveries(status: "pending").first)
        let client = ConsoleClient(base: setup.gateway.base)
        #expect(try await client.login("lotte", Self.password).status == 303)
        let messages = try await client.get("/console/messages")
        #expect(messages.html.contains("Zoeken op BSN"))
        let csrf = try #require(messages.csrf)
        let noReason = try await client.post("/console/messages/client", ["csrf": csrf, "bsn": delivery.bsn, "reden": "kort"])
        #expect(noReason.status == 400 && noReason.html.contains("Geef een reden op"))
        let badBSN = try await client.post("/console/messages/client", ["csrf": csrf, "bsn": "123456789", "reden": "controle van een klacht"])
        #expect(badBSN.status == 400)
        let found = try await client.post("/console/messages/client", ["csrf": csrf, "bsn": delivery.bsn, "reden": "controle van een klacht"])
        #expect(found.status == 200 && found.html.contains(delivery.messageId))
        let herLog = try await store.auditEntries(client: delivery.bsn, from: nil, to: nil)
        let search = try #require(herLog.last)
        #expect(search.event == "console.messages.client-search" && search.actor == "console:lotte" && search.detail?.contains("controle van een klacht") == true)

        let rows = try await store.auditRows(client: delivery.bsn, from: nil, to: nil)
        let export = try await client.post("/console/audit/export", ["csrf": csrf, "bsn": delivery.bsn, "reden": "verzoek van de cliënt", "formaat": "nen"])
        #expect(export.status == 200 && export.headers["content-disposition"]?.contains("attachment") == true)
        let exported = export.html.split(separator: "\n")
        #expect(exported.count == rows.count && rows.count >= 2)
        #expect(exported.map(String.init) == rows.map(AuditExport.nenLine))
        let fhir = try await client.post("/console/audit/export", ["csrf": csrf, "bsn": delivery.bsn, "reden": "verzoek van de cliënt", "formaat": "fhir"])
        let bundle = try #require(try JSONSerialization.jsonObject(with: Data(fhir.html.utf8)) as? [String: Any])
        #expect(bundle["resourceType"] as? String == "Bundle" && (bundle["entry"] as? [Any])?.count == rows.count + 1, "her lines and the first export")
        #expect(try await store.auditEntries(client: delivery.bsn, from: nil, to: nil).filter { $0.event == "audit.export" }.count == 2)

        #expect(try await client.post("/console/deliveries/\(delivery.id)/retry", ["csrf": csrf]).status == 403)
        #expect(try await client.post("/console/subscriptions/sub-kraamzorg/disable", ["csrf": csrf]).status == 403)
        #expect(try await store.subscriptions().first?.active == true)
        }
    }

    /// A login POSTed from `source` (a raw connection bound to that loopback address); the status.
    static func rawLogin(port: Int, from source: String, _ name: String, _ password: String, tries: Int = 50) async throws -> Int {
        let form = "gebruiker=\(name)&wachtwoord=\(password)"
        let connection = try LoopbackSocket(port: port, from: source)
        defer { connection.close() }
        try connection.write("POST /console/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + "Content-Length: \(form.utf8.count)\r\nConnection: close\r\n\r\n\(form)")
        let answer = await connection.read()
        let status = Int(answer.dropFirst(9).prefix(3)) ?? 0
        guard status == 429, answer.contains(checksBusy), tries > 1 else { return status }
        // The process-wide check queue is full (a flood test in parallel): again, as a person would.
        try await Task.sleep(for: .milliseconds(200))
        return try await rawLogin(port: port, from: source, name, password, tries: tries - 1)
    }

    @Test("five failed logins lock a name from that source only; twenty from one source lock the source; locks cost no check; refusals aggregated")
    func throttled() async throws {
        let gateway = try await TestGateway.start(console: true)
        try await Self.addOperators(gateway.store)
        let port = try #require(gateway.base.port)
        // Five wrong passwords for piet from 127.0.0.2: piet is locked there, even with the right password.
        for _ in 0..<5 { #expect(try await Self.rawLogin(port: port, from: "127.0.0.2", "piet", "fout-wachtwoord-0") == 401) }
        #expect(try await Self.rawLogin(port: port, from: "127.0.0.2", "piet", Self.password) == 401)
        // From another source piet logs in, and so does anna from the first.
        let client = ConsoleClient(base: gateway.base)
        #expect(try await client.login("piet", Self.password).status == 303, "a lock-out from one source leaves another able to log in")
        #expect(try await Self.rawLogin(port: port, from: "127.0.0.2", "anna", Self.password) == 303)
        // An operator lifts piet's lock (perigate operator unlock piet): from 127.0.0.2 he logs in again.
        try await ConsoleUnlock.record("piet", store: gateway.store, now: Date())
        #expect(try await Self.rawLogin(port: port, from: "127.0.0.2", "piet", Self.password) == 303, "unlocked")
        // Spraying names from 127.0.0.3: after twenty failures the source is locked (429), whatever the name.
        for index in 0..<20 { #expect(try await Self.rawLogin(port: port, from: "127.0.0.3", "naam\(index)", "fout-wachtwoord-0") == 401) }
        #expect(try await Self.rawLogin(port: port, from: "127.0.0.3", "anna", Self.password) == 429)
        #expect(try await Self.rawLogin(port: port, from: "127.0.0.1", "anna", Self.password) == 303)

        // The log: per source, reason and name the first refusal of the minute at once, the rest counted.
        try await gateway.server.flushRefusals(force: true)
        let refused = try await gateway.store.auditEntries(after: 0, limit: 1000).filter { $0.event == "console.login" && $0.outcome == "refused" }
        let piet = refused.filter { $0.actor == "console:piet" }
        #expect(piet.compactMap(\.detail).map { $0.components(separatedBy: ";").first ?? "" }
            == ["console.wrong-password", "console.locked-name", "console.wrong-password"])
        #expect(piet.last?.detail?.contains("; 4 since ") == true, "\(piet.map(\.detail))")
        #expect(piet.allSatisfy { $0.user?.accessPoint == "127.0.0.2" })
        let sprayed = refused.filter { $0.user?.accessPoint == "127.0.0.3" }
        #expect(sprayed.count == 3, "one line at once, the count at the flush, one for the lock: \(sprayed.map(\.detail))")
        #expect(sprayed.allSatisfy { $0.actor == "console:unknown" })
        #expect(sprayed.contains { $0.detail?.hasPrefix("console.unknown-login; credential password; 19 since") == true })
        #expect(sprayed.contains { $0.detail?.hasPrefix("console.locked-source;") == true })
        try await gateway.stop()
    }

    /// A stored row as ingest writes one, without content: rejected unless `bsn` is given.
    static func row(_ id: String, at time: Date, kind: String?, version: String? = "1.0", outcome: ValidationReport.Outcome = .invalid,
                    bsn: String? = nil, ura: String = "01234567") -> StoredMessage {
        StoredMessage(id: id, receivedAt: time.formatted(.iso8601), report: ValidationReport(outcome: outcome, kind: kind, version: kind == nil ? nil : version),
                      senderURA: ura, bsn: bsn, raw: Data("<x/>".utf8))
    }

    /// The ids a message list links to, in order.
    static func listed(_ html: String) -> [String] {
        html.matches(of: /<td><a href="\/console\/messages\/([^"]+)">/).map { String($0.1) }
    }

    /// The target of a page's "volgende" (or "vorige") link, unescaped.
    static func link(_ html: String, _ rel: String) -> String? {
        html.matches(of: /<a href="([^"]+)" rel="([a-z]+)">/).first { $0.2 == rel }.map { String($0.1).replacingOccurrences(of: "&amp;", with: "&") }
    }

    @Test("message list, partners and subscriptions page by 100 and 50 with vorige/volgende; id search by literal prefix (%, _); kinds from the registry")
    func pagingAndSearch() async throws {
        let gateway = try await TestGateway.start(console: true)
        try await Self.addOperators(gateway.store)
        let start = Date().addingTimeInterval(-7200)
        for index in 0..<120 {
            _ = try await gateway.store.accept(Self.row(String(format: "p-%03d", index), at: start.addingTimeInterval(Double(index)), kind: "verwijzing"), audit: [])
        }
        for id in ["100%-a", "100x-b", "100_c", "100yc"] {
            _ = try await gateway.store.accept(Self.row(id, at: start, kind: "verwijzing"), audit: [])
        }
        for index in 0..<60 {
            let partner = Partner(id: String(format: "extra-%02d", index), name: "Praktijk \(index)", type: "verloskundigenpraktijk",
                                  ura: String(format: "900000%02d", index), agb: nil, createdAt: "2026-11-25T10:00:00Z")
            try await gateway.store.addPartner(partner, tokenHash: "extra-\(index)", audit: Self.addLine)
        }
        let client = ConsoleClient(base: gateway.base)
        #expect(try await client.login("anna", Self.password).status == 303)

        let first = try await client.get("/console/messages?id=p-")
        let firstIds = Self.listed(first.html)
        #expect(firstIds.count == 100)
        #expect(firstIds.first == "p-119" && firstIds.last == "p-020", "newest first")
        #expect(Self.link(first.html, "prev") == nil)
        let next = try #require(Self.link(first.html, "next"))
        #expect(next == "/console/messages?id=p-&pagina=2")
        let second = try await client.get(next)
        let secondIds = Self.listed(second.html)
        #expect(secondIds == (0..<20).reversed().map { String(format: "p-%03d", $0) })
        #expect(Set(firstIds).isDisjoint(with: secondIds) && Set(firstIds + secondIds).count == 120)
        #expect(Self.link(second.html, "next") == nil && Self.link(second.html, "prev") == "/console/messages?id=p-")

        // A % or _ in the prefix is itself, not a wildcard.
        #expect(Self.listed(try await client.get("/console/messages?id=100%25").html) == ["100%-a"])
        #expect(Self.listed(try await client.get("/console/messages?id=100_").html) == ["100_c"])
        #expect(Set(Self.listed(try await client.get("/console/messages?id=100").html)) == ["100%-a", "100x-b", "100_c", "100yc"])

        // The kinds offered are the registry's, in its order; the chosen one stays selected.
        let kinds = try await client.get("/console/messages?soort=verwijzing")
        let select = try #require(kinds.html.firstMatch(of: /<select name="soort">(.*?)<\/select>/)).1
        let offered = select.matches(of: /<option value="([^"]*)"/).map { String($0.1) }
        #expect(offered == [""] + TestSupport.validator().registry.kinds)
        #expect(offered.count > 5 && offered.contains("kraamzorgoverdracht"))
        #expect(select.contains(#"<option value="verwijzing" selected>"#))
        #expect(Self.listed(try await client.get("/console/messages?soort=kraamzorgoverdracht").html).isEmpty)

        let partners = try await client.get("/console/partners")
        let partnerRows = partners.html.matches(of: /<tr><td>([^<]+)<\/td><td>[^<]*<\/td><td>[a-z]+<\/td><td>\d{8}<\/td>/).map { String($0.1) }
        #expect(partnerRows.count == 50)
        let morePartners = try await client.get(try #require(Self.link(partners.html, "next")))
        let moreRows = morePartners.html.matches(of: /<tr><td>([^<]+)<\/td><td>[^<]*<\/td><td>[a-z]+<\/td><td>\d{8}<\/td>/).map { String($0.1) }
        #expect(moreRows.count == TestGateway.organisations.count + 60 - 50 && Set(partnerRows).isDisjoint(with: moreRows))
        try await gateway.stop()
    }

    static let addLine = AuditEntry(time: "2026-11-25T10:00:00Z", actor: "test", event: "partner.add", action: "U", object: "partner:x", outcome: "success")

    @Test("partner names with their URA, subscription URLs instead of ids, codes with their Dutch explanation, conflicts and unsupported versions labelled (console and metrics)")
    func namesCodesAndLabels() async throws {
        try await Self.withSetup { setup in
        let gateway = setup.gateway
        try await DeliveryWorkerTests.deadLetter(setup)
        let dead = try #require(try await gateway.store.deliveries(status: "dead").first)
        let bytes = try Data(contentsOf: GatewayHTTPTests.sample)
        let first = try await gateway.send("POST", "v1/messages", token: gateway.midwifeToken, body: bytes)
        #expect(first.status == 202)
        let changed = Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "geen klachten", with: "lichte hoofdpijn").utf8)
        #expect(try await gateway.send("POST", "v1/messages", token: gateway.midwifeToken, body: changed).status == 409)
        // Idempotency stays: the same bytes again get the original receipt, other bytes 409 again.
        let again = try await gateway.send("POST", "v1/messages", token: gateway.midwifeToken, body: bytes)
        #expect(again.status == 202 && again.body == first.body)
        #expect(try await gateway.send("POST", "v1/messages", token: gateway.midwifeToken, body: changed).status == 409)
        #expect(try await gateway.store.message(id: GatewayHTTPTests.messageId)?.raw == bytes, "the original stays")
        let unsupported = try await gateway.post(TestSupport.samples.appendingPathComponent("invalid/kraamzorgoverdracht-wrong-version.xml"), as: "midwife")
        #expect(unsupported.status == 422)
        let invalid = try await gateway.post(TestSupport.samples.appendingPathComponent("invalid/kraamzorgoverdracht-bsn-elfproef.xml"), as: "midwife")
        let rejectionId = try #require(invalid.json["rejectionId"] as? String)

        let client = ConsoleClient(base: gateway.base)
        #expect(try await client.login("anna", Self.password).status == 303)
        let dashboard = try await client.get("/console")
        let counts = try #require(dashboard.html.firstMatch(of: /<table id="counts">(.*?)<\/table>/.dotMatchesNewlines())).1
        #expect(counts.contains("<td>verwijzing</td><td>1.0</td><td>conflict: zelfde id, andere inhoud (409)</td><td>2</td><td>2</td>"))
        #expect(counts.contains("<td>niet-ondersteunde versie kraamzorgoverdracht 0.9</td><td>1</td><td>1</td>"))
        #expect(!counts.contains("onbekend berichttype"))
        let reasons = try #require(dashboard.html.firstMatch(of: /<table id="reasons">(.*?)<\/table>/.dotMatchesNewlines())).1
        #expect(reasons.contains(#"<code>message.conflict</code> <span class="uitleg">conflict: zelfde bericht-id, andere inhoud (HTTP 409); het eerdere bericht blijft staan</span></td><td>2</td>"#))
        #expect(reasons.contains(#"<code>bsn.elfproef</code> <span class="uitleg">het BSN klopt niet (elfproef)</span></td><td>1</td>"#))
        #expect(reasons.contains(#"<code>message.unsupported-version</code> <span class="uitleg">"#))

        let conflicts = try await client.get("/console/messages?status=conflict")
        let conflictIds = Self.listed(conflicts.html)
        #expect(conflictIds.count == 2 && conflictIds.allSatisfy { $0.hasPrefix(StoredMessage.conflictPrefix) })
        #expect(conflicts.html.contains("<td>verwijzing 1.0</td><td class=\"bad\">conflict: zelfde id, andere inhoud (409)</td>"))
        // The sender by name, its URA beside it and in the title.
        #expect(conflicts.html.contains(#"<span title="URA 01234567">midwife</span> <small class="muted">URA 01234567</small>"#))
        let conflict = try await client.get("/console/messages/\(try #require(conflictIds.first))")
        #expect(conflict.html.contains("message \(GatewayHTTPTests.messageId) was accepted before with different content"))
        #expect(conflict.html.contains("Grootte</th><td>0 B"), "metadata only: no bytes kept")
        let versions = try await client.get("/console/messages?status=unsupported-version")
        #expect(Self.listed(versions.html).count == 1 && versions.html.contains("niet-ondersteunde versie kraamzorgoverdracht 0.9"))
        let rejection = try await client.get("/console/messages/\(rejectionId)")
        #expect(rejection.html.contains(#"<code>bsn.elfproef</code> <span class="uitleg">het BSN klopt niet (elfproef)</span>"#))

        // Deliveries name the subscription by its URL (the id in the title) and the partner by name (its URA in the title).
        let deliveries = try await client.get("/console/deliveries")
        let deadTable = try #require(deliveries.html.firstMatch(of: /<table id="dead">(.*?)<\/table>/.dotMatchesNewlines())).1
        #expect(deadTable.contains(#"<span title="abonnement sub-kraamzorg">\#(setup.subscription.url)</span> (<span title="URA 31112222">kraamzorg</span>)"#))
        #expect(!deadTable.contains(">sub-kraamzorg<"))
        #expect(deadTable.contains(#"<code>HTTP 400</code> <span class="uitleg">de ontvanger weigert het bericht"#))
        let detail = try await client.get("/console/messages/\(dead.messageId)")
        #expect(detail.html.contains(#"<span title="abonnement sub-kraamzorg">\#(setup.subscription.url)</span>"#))
        #expect(!detail.html.contains(dead.bsn))

        let scrape = try await gateway.send("GET", "metrics", token: nil, headers: [:], contentType: nil)
        let lines = scrape.text.split(separator: "\n").map(String.init)
        #expect(lines.contains(#"perigate_ingest_messages_total{kind="verwijzing",version="1.0",outcome="conflict"} 2"#))
        #expect(lines.contains(#"perigate_ingest_messages_total{kind="kraamzorgoverdracht",version="0.9",outcome="unsupported-version"} 1"#))
        #expect(!lines.contains { $0.contains("perigate_ingest_messages_total{kind=\"unknown\"") }, "\(lines.filter { $0.contains("ingest_messages") })")
        }
    }

    /// The bars of one chart section (`day` or `week`): kind, period, count, accepted or not, from their `<title>`s.
    static func bars(_ html: String, _ section: String) throws -> [(kind: String, period: String, count: Int, accepted: Bool)] {
        let part = try #require(html.firstMatch(of: Regex(#"<div id="\#(section)">(.*?)</div>"#).dotMatchesNewlines())).output[1].substring ?? ""
        return part.matches(of: /<title>([^,<]+), ([^<]+): (\d+) (geaccepteerd|geweigerd)<\/title>/).map {
            (String($0.1), String($0.2), Int($0.3) ?? -1, $0.4 == "geaccepteerd")
        }
    }

    @Test("the flow page draws per kind accepted and rejected per hour (24 h) and per day (7 d) in Dutch time, counted by the store")
    func flow() async throws {
        let gateway = try await TestGateway.start(console: true)
        try await Self.addOperators(gateway.store)
        let now = Date()
        let twoHoursAgo = now.addingTimeInterval(-7200)
        for index in 0..<3 {
            _ = try await gateway.store.accept(Self.row("a\(index)", at: twoHoursAgo, kind: "verwijzing", outcome: .valid, bsn: "999990019"), audit: [])
        }
        for index in 0..<2 { _ = try await gateway.store.accept(Self.row("r\(index)", at: twoHoursAgo, kind: "verwijzing"), audit: []) }
        for index in 0..<4 {
            _ = try await gateway.store.accept(Self.row("k\(index)", at: now.addingTimeInterval(-3 * 86400), kind: "kraamzorgoverdracht",
                                                        outcome: .valid, bsn: "999990020"), audit: [])
        }
        _ = try await gateway.store.accept(Self.row("u0", at: now, kind: nil, outcome: .unsupported), audit: [])
        _ = try await gateway.store.accept(Self.row("old", at: now.addingTimeInterval(-8 * 86400), kind: "verwijzing"), audit: [])
        let client = ConsoleClient(base: gateway.base)
        #expect(try await client.login("anna", Self.password).status == 303)
        let page = try await client.get("/console/flow")
        #expect(page.status == 200 && page.html.contains("<svg class=\"flow\""))
        let day = try Self.bars(page.html, "day")
        let week = try Self.bars(page.html, "week")
        #expect(day.count == 3 * 24 * 2 && week.count == 3 * 7 * 2, "three kinds, two bars per bucket")
        func total(_ bars: [(kind: String, period: String, count: Int, accepted: Bool)], _ kind: String, accepted: Bool) -> Int {
            bars.filter { $0.kind == kind && $0.accepted == accepted }.map(\.count).reduce(0, +)
        }
        #expect(total(day, "verwijzing", accepted: true) == 3 && total(day, "verwijzing", accepted: false) == 2)
        #expect(total(day, "kraamzorgoverdracht", accepted: true) == 0 && total(day, "onbekend berichttype", accepted: false) == 1)
        #expect(total(week, "verwijzing", accepted: true) == 3 && total(week, "verwijzing", accepted: false) == 2, "eight days ago is out")
        #expect(total(week, "kraamzorgoverdracht", accepted: true) == 4)
        // The bar of two hours ago, in Dutch local time with its zone.
        let hour = DutchTime.format(twoHoursAgo, "dd-MM-yyyy HH") + ":00–" + DutchTime.format(twoHoursAgo.addingTimeInterval(3600), "HH") + ":00 "
            + (DutchTime.zone.isDaylightSavingTime(for: twoHoursAgo) ? "CEST" : "CET")
        #expect(day.filter { $0.count > 0 && $0.kind == "verwijzing" }.map { "\($0.period) \($0.count) \($0.accepted)" } == ["\(hour) 3 true", "\(hour) 2 false"])
        let threeDaysAgo = DutchTime.format(now.addingTimeInterval(-3 * 86400), "EEEE dd-MM-yyyy")
        #expect(week.filter { $0.count > 0 && $0.kind == "kraamzorgoverdracht" }.map { "\($0.period) \($0.count)" } == ["\(threeDaysAgo) 4"])
        // Hours and days run oldest to newest, ending now.
        #expect(day.last?.period.hasPrefix(DutchTime.format(now, "dd-MM-yyyy HH")) == true)
        #expect(week.last?.period == DutchTime.format(now, "EEEE dd-MM-yyyy"))
        #expect(try await Self.lines(gateway.store, actor: "console:anna").contains { $0.event == "console.view" && $0.object == "console:/console/flow" })
        // Its "accepted" rows are counting fixtures (`<x/>`, no facts), not messages a rebuild could read.
        try await gateway.stop(checkingRecords: false)
    }

    @Test("every code the console shows has a Dutch explanation: the sample corpus's issue codes, every rejection and audit cause, delivery causes; unknown codes stand alone")
    func codesExplained() throws {
        let corpus = try FileManager.default.contentsOfDirectory(atPath: TestSupport.samples.appendingPathComponent("invalid").path)
            .filter { $0.hasSuffix(".expected.txt") }
            .flatMap { try String(contentsOf: TestSupport.samples.appendingPathComponent("invalid/\($0)"), encoding: .utf8).split(separator: "\n") }
            .filter { $0.hasPrefix("code: ") }.map { String($0.dropFirst(6)) }
        #expect(Set(corpus).count >= 9)
        let rejections = IngestOutcome.RejectionReason.allCases.map { "message.\($0.rawValue)" } + ["message.conflict"]
        let access: [AccessPolicy.Refusal.Code] = [.partnerType, .noCareRelationship, .noConsent, .consentWithdrawn, .otherClient, .clientOnly,
                                                    .emergencyNotAllowed]
        let mapping: [MappingError.Code] = [.notValid, .noMapper, .missingField, .relativeDate, .referenceDate, .invalidDate, .storeDamaged]
        let delivery = ["delivery.subscription-inactive", "delivery.message-missing", NotForwarded.code, "410 Gone", "connection refused",
                        "timeout: no answer in time", "TLS: handshake timed out", "redirect not followed: 307 → x.org", "network error (errno 5)",
                        "every attempt failed since 2026-11-25T10:00:00Z", "the receiver answered 410 Gone at 2026-11-25T10:00:00Z",
                        "disabled by operator anna"]
        for code in Set(corpus) + rejections + access.map(\.rawValue) + mapping.map(\.rawValue) + AuditChain.Cause.allCases.map(\.rawValue) + delivery {
            #expect(ConsoleCodes.explanation(code) != nil, "no explanation for \(code)")
        }
        #expect(CodeText("bsn.elfproef").explanation == "het BSN klopt niet (elfproef)")
        #expect(ConsoleCodes.explanation("HTTP 503") == "fout bij de ontvanger; de gateway probeert het later opnieuw")
        #expect(ConsoleCodes.explanation("HTTP 404")?.hasPrefix("de ontvanger weigert") == true)
        #expect(ConsoleCodes.explanation("iets.onbekends") == nil && CodeText("iets.onbekends").explanation == nil)
    }
}
