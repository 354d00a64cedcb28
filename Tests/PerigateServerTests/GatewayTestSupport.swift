import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import ServiceLifecycle
import Testing
import PerigateCore
import PerigateTestSupport
import PerigateConsole
import PerigateSQLite
import PerigateServer

/// A real gateway for one test: the server on 127.0.0.1 (any free port) over a real SQLite file,
/// with one registered partner per organisation in the sample messages.
struct TestGateway {
    var base: URL
    var store: SQLiteMessageStore
    var task: Task<Void, any Error>
    var group: ServiceGroup
    /// Tokens and partners by short name: midwife, hospital, kraamzorg, jgz, huisarts, insurer, otherHospital.
    var tokens: [String: String]
    var partners: [String: Partner]
    /// The server itself (for what a test triggers by hand, e.g. flushing aggregated refusals).
    var server: GatewayServer

    var midwifeToken: String { tokens["midwife"]! }
    var hospitalToken: String { tokens["hospital"]! }
    var hospitalId: String { partners["hospital"]!.id }

    /// The organisations: (short name, type, URA) — URAs as in Samples/.
    static let organisations = [
        ("midwife", "verloskundigenpraktijk", "01234567"), ("hospital", "ziekenhuis", "27654321"),
        ("kraamzorg", "kraamzorg", "31112222"), ("jgz", "jgz", "40506070"), ("huisarts", "huisarts", "55554444"),
        ("insurer", "zorgverzekeraar", "27654321"), ("otherHospital", "ziekenhuis", "88887777"),
    ]

    /// Starts one; `validator` replaces Perigate's own catalog (e.g. with the Nictiz pack), and
    /// `extraOrganisations` are registered as well (short name, type, URA); `lvr` gives partners
    /// (by short name) their Perined LVR id. Webhook URLs are
    /// checked with `targets` (the production default unless a test opens more) over
    /// ``creationResolver``.
    static func start(limits: GatewayServer.Configuration = GatewayServer.Configuration(maximumBodyBytes: 100_000), tls: GatewayTLS? = nil,
                      validator custom: MessageValidator? = nil,
                      extraOrganisations: [(String, String, String)] = [], lvr: [String: String] = [:], console: Bool = false,
                      targets: WebhookTargetPolicy = WebhookTargetPolicy(), acceptWithoutSchema: Set<String> = [],
                      resolve: @escaping WebhookTargetPolicy.Resolver = TestGateway.creationResolver) async throws -> TestGateway {
        let path = try TestSupport.temporaryDirectory().appendingPathComponent("gateway.sqlite").path
        let store = try await SQLiteMessageStore.open(path: path)
        var tokens: [String: String] = [:]
        var partners: [String: Partner] = [:]
        for (name, type, ura) in organisations + extraOrganisations {
            let token = PartnerToken.generate()
            let partner = Partner(id: UUID().uuidString, name: name, type: type, ura: ura, agb: nil, lvr: lvr[name], createdAt: "2026-11-25T10:00:00Z")
            try await store.addPartner(partner, tokenHash: PartnerToken.hash(token), audit: AuditEntry(
                time: "2026-11-25T10:00:00Z", actor: "test", event: "partner.add", action: "U", object: "partner:\(partner.id)", outcome: "success"))
            tokens[name] = token
            partners[name] = partner
        }
        let validator = custom ?? TestSupport.validator(maximumBytes: limits.maximumBodyBytes)
        let views = try ViewPolicy.load(TestSupport.schemas + "/views.json")
        let planner = DeliveryPlanner(partners: store, forwarding: store, store: store, views: views, validator: validator, lifetime: .zero)
        var clientFile = ClientFileService(store: store, views: views, validator: validator, partners: store, now: { TestSupport.today })
        clientFile.careTeamInbox = store
        var ingest = IngestService(validator: validator, store: store, planner: planner)
        ingest.acceptWithoutSchema = acceptWithoutSchema
        var server = GatewayServer(ingest: ingest,
                                   clientFile: clientFile,
                                   partners: store, clientCredentials: store, forwarding: GatewayForwarding(store: store, planner: planner, targets: targets,
                                                                                                             resolve: resolve, operators: store),
                                   limits: limits, tls: tls, logger: Self.quietLogger)
        if console {
            let console = try OperatorConsole(store: store, secureCookie: false, refusals: server.refusals, kinds: validator.registry.kinds)
            server.routeExtensions.append { console.addRoutes(to: $0) }
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try server.application(host: "127.0.0.1", port: 0) { port in continuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "perigate-test")))
        let task = Task(executorPreference: ServerExecutor.shared) { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        return TestGateway(base: URL(string: "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)")!, store: store, task: task,
                           group: group, tokens: tokens, partners: partners, server: server)
    }

    /// What partners' host names answer when a subscription is made: the example domains a
    /// public address (93.184.216.34; nothing ever connects to it — no worker in the tests
    /// resolves these names), `*.test` loopback; nothing else resolves. No test asks a real DNS server.
    static let creationResolver: WebhookTargetPolicy.Resolver = { host in
        if host == "x.org" || host.hasSuffix(".example.org") { return ["93.184.216.34"] }
        if host.hasSuffix(".test") { return ["127.0.0.1"] }
        throw Unresolvable()
    }

    /// The delivery worker's resolver in tests: `*.test` is 127.0.0.1, nothing else resolves, so
    /// no delivery ever leaves this machine.
    static let loopbackResolver: WebhookTargetPolicy.Resolver = { host in
        guard host.hasSuffix(".test") else { throw Unresolvable() }
        return ["127.0.0.1"]
    }

    struct Unresolvable: Error {}

    /// Test receivers listen on http://127.0.0.1:<port>: plain http and loopback, opened
    /// explicitly as an operator would (`delivery.allowInsecure`, `delivery.allowedNetworks`).
    static let loopbackReceivers = try! WebhookTargetPolicy(allowInsecure: true, allowing: ["127.0.0.0/8"])

    /// Graceful shutdown (as on SIGTERM): open requests finish, then the store closes.
    /// Warnings and worse only: the request lines would drown the test output (ProcessLogTests
    /// checks the request log of the real binary).
    static let quietLogger: Logger = {
        var logger = Logger(label: "perigate-test")
        logger.logLevel = .warning
        return logger
    }()

    func stop(closingStore: Bool = true, checkingRecords: Bool = true) async throws {
        await group.triggerGracefulShutdown()
        _ = await task.result
        guard closingStore else { return }
        // Every gateway test checks the stored records it leaves: what its ingests wrote in their
        // transactions equals a rebuild from the raw messages (`perigate record rebuild --check`).
        if checkingRecords {
            do {
                let (_, differences) = try await server.clientFile.records.rebuildAll(check: true)
                #expect(differences.isEmpty, "stored records differ from a rebuild: \(differences)")
            } catch {
                Issue.record("the stored records could not be checked: \(error)")
            }
        }
        try await store.close()
    }

    struct Reply {
        var status: Int
        var body: Data
        var headers: [String: String] = [:]
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// The standard end-user headers (a midwife).
    static let user = ["Perigate-User": "uzi:900012345", "Perigate-User-Name": "A.%20de%20Vries", "Perigate-User-Role": "verloskundige"]

    func send(_ method: String, _ path: String, token: String?, headers: [String: String] = TestGateway.user,
              contentType: String? = "application/xml", body: Data? = nil) async throws -> Reply {
        var request = URLRequest(url: URL(string: base.absoluteString + "/" + path)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers == Self.user ? defaultUser(token: token) : headers { request.setValue(value, forHTTPHeaderField: name) }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var replyHeaders: [String: String] = [:]
        for (key, value) in http?.allHeaderFields ?? [:] { replyHeaders[String(describing: key).lowercased()] = String(describing: value) }
        return Reply(status: http?.statusCode ?? 0, body: data, headers: replyHeaders)
    }

    /// The standard end user with a role of the token's partner type (`Perigate-User-Role` must be
    /// one of its type's roles, ``UserRoles``): a midwife, or a user of the same name with the
    /// first role of a kraamzorg, JGZ or huisarts partner.
    func defaultUser(token: String?) -> [String: String] {
        guard let name = tokens.first(where: { $0.value == token })?.key, let type = partners[name]?.type,
              let roles = UserRoles.allowed[type], !roles.contains("verloskundige") else { return Self.user }
        var user = Self.user
        user["Perigate-User-Role"] = Self.roleByType[type] ?? roles.sorted()[0]
        return user
    }

    static let roleByType = ["kraamzorg": "kraamverzorgende", "jgz": "jgz-verpleegkundige", "huisarts": "huisarts"]

    /// Posts a message as partner `name`.
    /// `/ready` of a healthy gateway: it gives the store 5 s, and on a test machine loaded by the
    /// parallel suite one probe can miss that — asked again (up to `attempts` times), a healthy
    /// store answers 200. The status of the last probe.
    func readyStatus(attempts: Int = 5) async throws -> Int {
        var status = 0
        for _ in 0..<attempts where status != 200 { status = try await send("GET", "ready", token: nil, headers: [:], contentType: nil).status }
        return status
    }

    func post(_ file: URL, as name: String) async throws -> Reply {
        try await send("POST", "v1/messages", token: tokens[name], body: try Data(contentsOf: file))
    }
}
