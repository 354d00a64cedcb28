import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import PerigateCore
import PerigateTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The operator console in a real headless browser (Debian's chromium, driven over W3C
/// WebDriver by chromedriver): logs in, visits every page, clicks the actions, asserts on the
/// visible text and saves a screenshot of each page under `$PERIGATE_TEST_OUTPUT/console`
/// (default `.build/test-output/console`). Skipped when chromedriver is not installed, unless
/// `PERIGATE_REQUIRE_BROWSER=1` (CI) makes that a failure.
@Suite("Operator console in a browser")
struct ConsoleBrowserTests {
    static let driverPath = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let required = ProcessInfo.processInfo.environment["PERIGATE_REQUIRE_BROWSER"] == "1"
    static var outputFolder: URL {
        let base = ProcessInfo.processInfo.environment["PERIGATE_TEST_OUTPUT"].map { URL(fileURLWithPath: $0) }
            ?? TestSupport.root.appendingPathComponent(".build/test-output")
        return base.appendingPathComponent("console")
    }

    @Test("log in, every page, retry, verify, BSN search with a reason, log out — with screenshots",
          .enabled(if: driverPath != nil || required, "chromedriver is not installed (apt-get install chromium chromium-driver)"))
    func browse() async throws {
        let driverPath = try #require(Self.driverPath, "PERIGATE_REQUIRE_BROWSER=1 but chromedriver is not installed")
        try? FileManager.default.removeItem(at: Self.outputFolder)
        try FileManager.default.createDirectory(at: Self.outputFolder, withIntermediateDirectories: true)
        try await ConsoleTests.withSetup { setup in
            try await DeliveryWorkerTests.deadLetter(setup)
            let invalid = try await setup.gateway.post(TestSupport.samples.appendingPathComponent("invalid/kraamzorgoverdracht-bsn-elfproef.xml"),
                                                       as: "midwife")
            let rejectionId = try #require(invalid.json["rejectionId"] as? String)
            // A conflicting re-send and an unsupported version, for the dashboard's labels.
            let bytes = try Data(contentsOf: GatewayHTTPTests.sample)
            _ = try await setup.gateway.send("POST", "v1/messages", token: setup.gateway.midwifeToken, body: bytes)
            let changed = Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "geen klachten", with: "lichte hoofdpijn").utf8)
            #expect(try await setup.gateway.send("POST", "v1/messages", token: setup.gateway.midwifeToken, body: changed).status == 409)
            _ = try await setup.gateway.post(TestSupport.samples.appendingPathComponent("invalid/kraamzorgoverdracht-wrong-version.xml"), as: "midwife")
            // Older rows enough for a second page of the message list.
            let older = Date().addingTimeInterval(-3 * 86400)
            for index in 0..<105 {
                _ = try await setup.gateway.store.accept(ConsoleTests.row(String(format: "rejected-older-%03d", index),
                                                                          at: older.addingTimeInterval(Double(index)), kind: "verwijzing"), audit: [])
            }
            let dead = try #require(try await setup.gateway.store.deliveries(status: "dead").first)
            let browser = try await Browser.start(driver: driverPath, screenshots: Self.outputFolder)
            do {
                try await Self.walk(browser, base: setup.gateway.base.absoluteString, dead: dead, rejectionId: rejectionId)
            } catch {
                try? await browser.screenshot("failure")
                await browser.stop()
                throw error
            }
            await browser.stop()
            // The verwijzing posted for the conflict has its own pending delivery.
            #expect(try await setup.gateway.store.deliveries(status: "pending").map(\.id).contains(dead.id), "the retry button queued it")
            let views = try await setup.gateway.store.auditEntries(after: 0, limit: 10_000).filter { $0.event == "console.view" }
            #expect(Set(views.map(\.actor)) == ["console:anna", "console:lotte"])
        }
        let shots = try FileManager.default.contentsOfDirectory(atPath: Self.outputFolder.path).filter { $0.hasSuffix(".png") }
        #expect(shots.count == 15, "\(shots.sorted())")
    }

    static func walk(_ browser: Browser, base: String, dead: Delivery, rejectionId: String) async throws {
        try await browser.open(base + "/console")
        try await browser.waitFor("Uw sessie is verlopen")
        #expect(try await browser.url().hasSuffix("/console/login?reden=verlopen"))
        try await browser.screenshot("01-login")
        try await browser.type("#gebruiker", "anna")
        try await browser.type("#wachtwoord", "verkeerd-wachtwoord")
        try await browser.click("#inloggen")
        try await browser.waitFor("Onjuiste gebruikersnaam of wachtwoord.")
        try await browser.screenshot("02-login-refused")
        try await browser.type("#gebruiker", "anna")
        try await browser.type("#wachtwoord", ConsoleTests.password)
        try await browser.click("#inloggen")

        let dashboard = try await browser.waitFor("Weigeringen per reden")
        for text in ["Overzicht", "Anna de Vries (beheerder)", "kraamzorgoverdracht", "geaccepteerd", "bsn.elfproef", "1 onbestelbare afleveringen"] {
            #expect(dashboard.contains(text), "dashboard: \(text)")
        }
        #expect(!dashboard.contains(dead.bsn))
        #expect(dashboard.contains("conflict: zelfde id, andere inhoud (409)") && dashboard.contains("niet-ondersteunde versie kraamzorgoverdracht 0.9"))
        try await browser.screenshot("03-dashboard")
        try await browser.click("a[href='/console/flow']")
        let flow = try await browser.waitFor("Laatste 7 dagen")
        #expect(flow.contains("kraamzorgoverdracht, per uur, laatste 24 uur") && flow.contains("geweigerd (gearceerd)"))
        try await browser.screenshot("04-flow")
        try await browser.click("a[href='/console/messages']")
        try await browser.waitFor("Bericht-id begint met")
        try await browser.click("a[rel='next']")
        let second = try await browser.waitFor("pagina 2")
        #expect(second.contains("rejected-older-000") && second.contains("vorige"))
        try await browser.screenshot("05-messages-page-2")
        try await browser.click("a[href='/console/messages']")
        try await browser.waitFor("Bericht-id begint met")
        try await browser.click("select[name='soort'] option[value='kraamzorgoverdracht']")
        try await browser.click("#zoeken")
        try await browser.waitFor("Grootte")
        #expect(try await browser.text().contains(dead.messageId))
        try await browser.screenshot("06-messages")
        try await browser.click("a[href='/console/messages/\(dead.messageId)']")
        let detail = try await browser.waitFor("Validatierapport")
        #expect(detail.contains("Validatierapport") && detail.contains("onbestelbaar") && detail.contains("HTTP 400"))
        #expect(detail.contains("de ontvanger weigert het bericht"))
        try await browser.screenshot("07-message-detail")
        try await browser.open(base + "/console/messages/\(rejectionId)")
        let rejection = try await browser.waitFor("Validatierapport")
        #expect(rejection.contains("bsn.elfproef het BSN klopt niet (elfproef)"))
        try await browser.screenshot("08-rejection-detail")
        try await browser.click("a[href='/console/deliveries']")
        try await browser.waitFor("Falende abonnementen")
        try await browser.waitFor(dead.id)
        try await browser.screenshot("09-deliveries")
        try await browser.click("#dead button")
        try await browser.waitFor("wordt nu opnieuw geprobeerd")
        try await browser.screenshot("10-retried")
        try await browser.click("a[href='/console/partners']")
        let partners = try await browser.waitFor("Abonnementen")
        #expect(partners.contains("31112222") && partners.contains("sub-kraamzorg") && partners.contains("Uitschakelen"))
        try await browser.screenshot("11-partners")
        try await browser.click("a[href='/console/audit']")
        try await browser.waitFor("Hash-keten")
        try await browser.click("#controleer")
        try await browser.waitFor("Auditketen in orde")
        try await browser.screenshot("12-audit-verified")
        try await browser.click("header button")
        try await browser.waitFor("U bent uitgelogd")

        try await browser.type("#gebruiker", "lotte")
        try await browser.type("#wachtwoord", ConsoleTests.password)
        try await browser.click("#inloggen")
        try await browser.waitFor("Lotte Jansen (logbeheerder)")
        try await browser.click("a[href='/console/messages']")
        try await browser.waitFor("Zoeken op BSN")
        try await browser.type("input[name='bsn']", dead.bsn)
        try await browser.type("input[name='reden']", "klacht van de cliënt onderzoeken")
        try await browser.click("#zoek-bsn")
        let clientSearch = try await browser.waitFor("Berichten van één cliënt")
        #expect(clientSearch.contains("Berichten van één cliënt") && clientSearch.contains(dead.messageId))
        try await browser.screenshot("13-client-search")
        try await browser.click("a[href='/console/audit']")
        try await browser.waitFor("Toegangslog van één cliënt exporteren")
        try await browser.screenshot("14-audit-log-administrator")
        try await browser.click("header button")
        try await browser.waitFor("U bent uitgelogd")
        try await browser.screenshot("15-logged-out")
    }

    /// A WebDriver session with headless chromium through a chromedriver child process.
    struct Browser {
        let driver: Process
        let endpoint: String
        let session: String
        let screenshots: URL
        static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

        static func start(driver path: String, screenshots: URL) async throws -> Browser {
            let port = try freePort()
            let driver = Process()
            driver.executableURL = URL(fileURLWithPath: path)
            driver.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
            driver.standardOutput = FileHandle.nullDevice
            driver.standardError = FileHandle.nullDevice
            try driver.run()
            let endpoint = "http://127.0.0.1:\(port)"
            for _ in 0..<100 {
                if let status = try? await call("GET", endpoint + "/status", nil), (status["value"] as? [String: Any])?["ready"] as? Bool == true { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let options: [String: Any] = [
                "binary": ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=nl"],
            ]
            let created = try await call("POST", endpoint + "/session", ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]])
            guard let session = (created["value"] as? [String: Any])?["sessionId"] as? String else {
                driver.terminate()
                throw Failure(text: "no WebDriver session: \(created)")
            }
            return Browser(driver: driver, endpoint: endpoint, session: session, screenshots: screenshots)
        }

        struct Failure: Error, CustomStringConvertible {
            var text: String
            var description: String { text }
        }

        /// Ends the session (chromium exits) and chromedriver; never waits on Foundation's
        /// `waitUntilExit` (seen to hang here): polls, then kills.
        func stop() async {
            _ = try? await Self.call("DELETE", "\(endpoint)/session/\(session)", nil)
            driver.terminate()
            for _ in 0..<50 where driver.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
            if driver.isRunning { kill(driver.processIdentifier, SIGKILL) }
        }

        func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
            let reply = try await Self.call(method, "\(endpoint)/session/\(session)\(path)", body ?? (method == "POST" ? [:] : nil))
            if let value = reply["value"] as? [String: Any], let error = value["error"] as? String {
                throw Failure(text: "\(method) \(path): \(error): \(value["message"] ?? "")")
            }
            return reply["value"]
        }

        func open(_ url: String) async throws { _ = try await command("POST", "/url", ["url": url]) }
        func url() async throws -> String { try await command("GET", "/url") as? String ?? "" }

        func element(_ css: String) async throws -> String {
            let found = try await command("POST", "/element", ["using": "css selector", "value": css]) as? [String: Any]
            guard let id = found?[Self.elementKey] as? String else { throw Failure(text: "no element \(css)") }
            return id
        }

        func type(_ css: String, _ text: String) async throws {
            let id = try await element(css)
            _ = try await command("POST", "/element/\(id)/clear")
            _ = try await command("POST", "/element/\(id)/value", ["text": text])
        }

        func click(_ css: String) async throws { _ = try await command("POST", "/element/\(try await element(css))/click") }

        /// The page's visible text.
        func text() async throws -> String { try await command("GET", "/element/\(try await element("body"))/text") as? String ?? "" }

        /// The visible text once it contains `expected` (pages load after a click), or a failure after 10 s.
        @discardableResult
        func waitFor(_ expected: String) async throws -> String {
            var last = ""
            for _ in 0..<100 {
                last = (try? await text()) ?? ""
                if last.contains(expected) { return last }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw Failure(text: "the page never showed '\(expected)'; it shows: \(last.prefix(400))")
        }

        func screenshot(_ name: String) async throws {
            guard let base64 = try await command("GET", "/screenshot") as? String, let png = Data(base64Encoded: base64) else {
                throw Failure(text: "no screenshot")
            }
            try png.write(to: screenshots.appendingPathComponent(name + ".png"))
        }

        static func call(_ method: String, _ url: String, _ body: [String: Any]?) async throws -> [String: Any] {
            var request = HTTPClientRequest(url: url)
            request.method = .init(rawValue: method)
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            }
            let response = try await ConsoleTests.ConsoleClient.shared.execute(request, timeout: .seconds(60))
            let data = try await response.body.collect(upTo: 32 << 20)
            return try JSONSerialization.jsonObject(with: Data(buffer: data)) as? [String: Any] ?? [:]
        }

        /// A port nobody listens on (the kernel's pick for a socket bound to port 0).
        static func freePort() throws -> Int {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            guard bound else { throw Failure(text: "no free port") }
            return Int(UInt16(bigEndian: address.sin_port))
        }
    }
}
