import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PerigateCore
import PerigateDelivery
import PerigateSQLite
import ServiceLifecycle

/// `perigate bench deliver`: webhook deliveries/s from a fresh outbox to a local receiver that
/// answers 200, at each concurrency (deliveries for different clients, so they may go in parallel).
struct BenchDeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver", abstract: "Webhook delivery throughput to a local receiver (signed, recorded, audited).")

    @OptionGroup var schemaOptions: SchemaOptions
    @Option(help: "Worker concurrency (repeatable).") var concurrency: [Int] = [1, 16]
    @Option(help: "Deliveries per measurement (each for another fictitious client).") var count = 1000
    @Option(help: "The message to deliver (a kraamzorg handover for BSN 999990044 from URA 01234567 to 31112222).")
    var message = "Samples/sequence/1-kraamzorgoverdracht-prenataal.xml"

    func run() async throws {
        var logger = Logger(label: "perigate.bench")
        logger.logLevel = .error
        let router = Router()
        router.post("hook") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .ok)
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let receiver = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                   onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [receiver], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw ValidationError("the local receiver did not start") }
        let registry = try schemaOptions.loadRegistry()
        let validator = MessageValidator(registry: registry)
        let views = try ViewPolicy.load((schemaOptions.ownDirectory as NSString).appendingPathComponent("views.json"))
        let template = try MessageFileReader(maximumBytes: schemaOptions.maximumBytes).read(message)
        // The receiver is on this machine: plain http to 127.0.0.1 is opened explicitly.
        let targets = try WebhookTargetPolicy(allowInsecure: true, allowing: ["127.0.0.1"])
        var rows = [["CONCURRENCY", "DELIVERIES", "SECONDS", "DELIVERIES/S"]]
        for workers in concurrency {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-bench-deliver-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let store = try await SQLiteMessageStore.open(path: directory.appendingPathComponent("bench.sqlite").path)
            let audit = AuditEntry(time: Date().formatted(.iso8601), actor: "bench", event: "partner.add", action: "U", object: "bench", outcome: "success")
            let midwife = Partner(id: "m", name: "De Linde", type: "verloskundigenpraktijk", ura: "01234567", agb: nil, createdAt: "")
            let kraamzorg = Partner(id: "k", name: "Het Nest", type: "kraamzorg", ura: "31112222", agb: nil, createdAt: "")
            try await store.addPartner(midwife, tokenHash: "m", audit: audit)
            try await store.addPartner(kraamzorg, tokenHash: "k", audit: audit)
            try await store.addSubscription(Subscription(id: "s", partnerId: "k", url: "http://127.0.0.1:\(port)/hook", kinds: [], format: "xml",
                                                         secret: WebhookSignature.newSecret(), createdAt: ""), audit: audit)
            let planner = DeliveryPlanner(partners: store, forwarding: store, store: store, views: views, validator: validator)
            let ingest = IngestService(validator: validator, store: store, planner: planner)
            for bsn in BSN.fictitiousSeries(count: count) {
                let message = String(decoding: BenchIngestCommand.withFreshId(template), as: UTF8.self).replacingOccurrences(of: "999990044", with: bsn)
                guard case .accepted = try await ingest.ingest(Data(message.utf8), from: IngestService.Caller(partnerURA: "01234567", user: "uzi:900012345"))
                else { throw ValidationError("the benchmark message was not accepted: give a valid --message from URA 01234567 to 31112222") }
            }
            let worker = DeliveryWorker(store: store, partners: store, views: views, validator: validator,
                                        settings: .init(concurrency: workers, targets: targets), logger: logger)
            let start = ContinuousClock.now
            while try await worker.runOnce() > 0 {}
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let sent = try await store.deliveries(status: "sent").count
            try await worker.shutdown()
            rows.append(["\(workers)", "\(sent)", String(format: "%.2f", seconds), String(format: "%.0f", Double(sent) / seconds)])
            try await store.close()
            try? FileManager.default.removeItem(at: directory)
        }
        await group.triggerGracefulShutdown()
        _ = await task.result
        print(TextTable.render(rows))
    }
}
