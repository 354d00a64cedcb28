import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import PerigateConsole
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
        #expect(lines.filter { $0.event == "console.view" && $0.outcome == "success" }.count == 10)
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
}
