import AsyncHTTPClient
import Foundation
import ServiceLifecycle
import Testing
import PerigateCore
import PerigateTestSupport
import PerigateDelivery
import PerigateSQLite
import PerigateServer

/// The scene of the attack suite: a real gateway, real webhook receivers on 127.0.0.1 and the real
/// delivery worker on an injected clock; one woman, Fatima El Amrani (BSN 999990007, the referral
/// sample), in the care of the midwife practice (01234567) and the hospital (27654321).
struct AttackScene {
    static let bsn = "999990007"
    /// A valid BSN (elfproef) about which the gateway knows nothing.
    static let unknownBSN = "999990019"
    /// What the referral sample says about her that only the full view may show.
    static let address = ["Haarlemmerstraat", "2312 GE"], phone = "06-12345678", allergy = "Penicilline"
    /// A reason as a professional sends it (percent-encoded UTF-8), and as the log keeps it.
    static let reason = "Acute%20fluxus%20postpartum%2C%20cli%C3%ABnte%20op%20de%20SEH", decodedReason = "Acute fluxus postpartum, cliënte op de SEH"

    var gateway: TestGateway
    var worker: DeliveryWorker
    /// One receiver per partner short name.
    var receivers: [String: (receiver: DeliveryWorkerTests.Receiver, url: String)]
    var stopReceivers: [() async -> Void]

    /// The gateway, a receiver for each of `hooks` (partner short names), a worker, and her
    /// first message: the midwife's referral to the hospital (intake).
    static func start(hooks: [String] = []) async throws -> AttackScene {
        let gateway = try await TestGateway.start(targets: TestGateway.loopbackReceivers)
        var receivers: [String: (DeliveryWorkerTests.Receiver, String)] = [:]
        var stops: [() async -> Void] = []
        for name in hooks {
            let receiver = DeliveryWorkerTests.Receiver()
            let (port, group, task) = try await receiver.start()
            receivers[name] = (receiver, "http://127.0.0.1:\(port)/hook")
            stops.append { await group.triggerGracefulShutdown(); _ = await task.result }
        }
        let clock = DeliveryWorkerTests.Clock()
        let worker = DeliveryWorker(store: gateway.store, partners: gateway.store, views: try ViewPolicy.load(TestSupport.schemas + "/views.json"),
                                    validator: TestSupport.validator(), resolve: TestGateway.loopbackResolver,
                                    settings: .init(targets: TestGateway.loopbackReceivers), now: { clock.now }, random: { 0.5 },
                                    logger: TestGateway.quietLogger)
        let scene = AttackScene(gateway: gateway, worker: worker, receivers: receivers, stopReceivers: stops)
        let intake = try await scene.post(id: 1, as: "midwife")
        #expect(intake.status == 202 && intake.json["deliveriesPlanned"] as? [String] == ["inbox:ura:27654321"], "\(intake.text)")
        return scene
    }

    func stop() async throws {
        try await worker.shutdown()
        for stop in stopReceivers { await stop() }
        try await gateway.stop()
    }

    /// The referral sample as message `id`, sent by partner `name` (its own URA as sender) to `recipient`.
    @discardableResult
    func post(id: Int, as name: String, recipient: String = "27654321") async throws -> TestGateway.Reply {
        let body = try AccessModelTests.referral(id: id, sender: gateway.partners[name]!.ura, recipient: recipient)
        return try await gateway.send("POST", "v1/messages", token: gateway.tokens[name], body: body)
    }

    static func messageId(_ id: Int) -> String { "4f6c2a1e-8b3d-4c1a-9e2f-\(String(format: "%012d", id))" }

    func record(as name: String, bsn: String = AttackScene.bsn, emergency: String? = nil) async throws -> TestGateway.Reply {
        var headers = gateway.defaultUser(token: gateway.tokens[name])
        if let emergency { headers["Perigate-Emergency-Reason"] = emergency }
        return try await gateway.send("GET", "v1/clients/\(bsn)/record", token: gateway.tokens[name], headers: headers, contentType: nil)
    }

    func consent(_ method: String, as token: String?, status: String = "given") async throws -> TestGateway.Reply {
        let body = method == "POST" ? Data(#"{"status": "\#(status)", "date": "2026-11-20"}"#.utf8) : nil
        return try await gateway.send(method, "v1/clients/\(Self.bsn)/consents", token: token, contentType: body == nil ? nil : "application/json", body: body)
    }

    /// Her client-portal token (`pgc_`), as `perigate client-credential add` makes one.
    func portalToken() async throws -> String {
        let token = ClientCredential.tokenPrefix + "test-\(UUID().uuidString)"
        try await gateway.store.addClientCredential(
            ClientCredential(id: "portal-fatima", bsn: Self.bsn, createdAt: "2026-11-25T10:00:00Z"), tokenHash: PartnerToken.hash(token),
            audit: AuditEntry(time: "2026-11-25T10:00:00Z", actor: "test", event: "client-credential.add", action: "C",
                              object: "bsn:\(Self.bsn)/client-credential:portal-fatima", outcome: "success"))
        return token
    }

    /// She confirms the organisation with `ura` in her care team, with her portal token.
    func confirm(_ ura: String, token: String) async throws -> TestGateway.Reply {
        try await gateway.send("POST", "v1/clients/\(Self.bsn)/care-team", token: token, headers: [:], contentType: "application/json",
                               body: Data(#"{"ura": "\#(ura)"}"#.utf8))
    }

    /// Partner `name` subscribes over HTTP to its receiver, with `format`.
    func subscribe(_ name: String, format: String = "xml") async throws -> TestGateway.Reply {
        let body = try JSONSerialization.data(withJSONObject: ["url": receivers[name]!.url, "format": format])
        return try await gateway.send("POST", "v1/subscriptions", token: gateway.tokens[name], contentType: "application/json", body: body)
    }

    func inbox(_ name: String) async throws -> [[String: Any]] {
        try await gateway.send("GET", "v1/inbox", token: gateway.tokens[name], contentType: nil).json["items"] as? [[String: Any]] ?? []
    }

    /// Runs the worker until nothing is due.
    func deliverAll() async throws {
        var rounds = 0
        while try await worker.runOnce() > 0, rounds < 20 { rounds += 1 }
    }

    /// Every audit line about her (or about `bsn`).
    func lines(bsn: String = AttackScene.bsn) async throws -> [AuditEntry] {
        try await gateway.store.auditEntries(client: bsn, from: nil, to: nil)
    }

    /// Whether `text` holds anything of her file (a refusal holds nothing, not even her name).
    static func disclosesHerFile(_ text: String) -> Bool {
        text.contains("El Amrani") || disclosesBeyondIdentity(text)
    }

    /// Whether `text` holds more of her file than her identity (which every view shows).
    static func disclosesBeyondIdentity(_ text: String) -> Bool {
        (address + [phone, allergy]).contains { text.contains($0) }
    }
}
