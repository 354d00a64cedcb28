import ArgumentParser
import Foundation
import PerigateCore
import PerigateSQLite

/// `perigate bench record`: what one more message and one record read cost as a client's history
/// grows — at 1, 10, 100 and 1,000 messages of one client, with a kraamzorg subscription that is
/// not addressed (routing needs her care relationships), on a real SQLite file, in-process (the
/// gateway's own services, no HTTP): ingest p50/p99; record read p50/p99 each right after one
/// more message (the read a partner makes when a message came in); the read of an unchanged
/// record, with its HTTP body (kept with the record); the first read of a gateway that has not
/// read her yet (nothing cached); the read after a message that makes her stored record stale
/// (a rebuild from every message); and the size of the HTTP body and what making it costs on
/// the first read of each version.
struct BenchRecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record", abstract: "Record-read and ingest latency as one client's history grows (in-process, SQLite).")

    @OptionGroup var schemaOptions: SchemaOptions
    @Option(help: "Messages of the one client before measuring (repeatable).") var messages: [Int] = [1, 10, 100, 1000]
    @Option(help: "Record reads and ingests measured at each size.") var samples = 30
    @Argument(help: "Message files: each is measured on its own, every copy under a fresh message id.")
    var files: [String] = ["Samples/valid/verwijzing-1-hypertensie-regulier.xml"]

    func run() async throws {
        let registry = try schemaOptions.loadRegistry()
        let validator = try schemaOptions.validator(registry)
        let mapper = CanonicalMapper(registry: registry, referenceDate: validator.referenceDate)
        let views = try ViewPolicy.load((schemaOptions.ownDirectory as NSString).appendingPathComponent("views.json"))
        let reader = MessageFileReader(maximumBytes: schemaOptions.maximumBytes)
        var rows = [["MESSAGE", "KB", "MESSAGES", "READ P50 MS", "READ P99 MS", "REPEAT READ P50 MS", "FIRST READ MS",
                     "INGEST P50 MS", "INGEST P99 MS", "REBUILD READ MS", "BODY KB", "BODY P50 MS"]]
        for file in files {
            let template = try reader.read(file)
            for count in messages {
                let result = try await measure(template: template, count: count, validator: validator, mapper: mapper, views: views)
                rows.append([(file as NSString).lastPathComponent, String(format: "%.1f", Double(template.count) / 1024), "\(count)",
                             BenchIngestCommand.ms(result.read.percentile(0.5)), BenchIngestCommand.ms(result.read.percentile(0.99)),
                             BenchIngestCommand.ms(result.repeated.percentile(0.5)), BenchIngestCommand.ms(result.first),
                             BenchIngestCommand.ms(result.ingest.percentile(0.5)), BenchIngestCommand.ms(result.ingest.percentile(0.99)),
                             BenchIngestCommand.ms(result.rebuild), "\(result.bodySize / 1024)", BenchIngestCommand.ms(result.json.percentile(0.5))])
            }
        }
        print(TextTable.render(rows))
    }

    struct Latencies {
        var values: [Double] = []
        func percentile(_ p: Double) -> Double {
            BenchIngestCommand.Result(accepted: 0, other: 0, rate: 0, latencies: values.sorted()).percentile(p)
        }
    }

    /// The id of the `sequence`-th copy: ids that sort in the order the copies are made (all
    /// copies carry the template's creation time, and the record orders by time, then id), so the
    /// copies arrive in creation order, as a woman's messages mostly do.
    static func orderedId(_ sequence: Int) -> String {
        String(format: "%08x-0000-4000-8000-%012x", sequence + 1, sequence + 1)
    }

    struct Measured {
        var read = Latencies(), repeated = Latencies(), ingest = Latencies(), json = Latencies()
        var first = 0.0, rebuild = 0.0, bodySize = 0
    }

    /// A fresh database holding `count` copies of the message for one client (stored directly,
    /// as ingest stores them), her consent and the sender's confirmed care relationship; then the
    /// sender's first record read (`first`), `samples` times one more ingest through the service
    /// and the read after it, `samples` reads of the unchanged record; then one copy that sorts
    /// before all others (made earlier, arriving last) and the read after it, which rebuilds her
    /// record from every stored message (`rebuild`). In seconds.
    func measure(template: Data, count: Int, validator: MessageValidator, mapper: CanonicalMapper,
                 views: ViewPolicy) async throws -> Measured {
        guard case .mapped(let sample) = try mapper.read(template, validator: validator, allowSchemaRequired: true) else {
            throw ValidationError("the benchmark message is not valid")
        }
        let bsn = sample.client.bsn
        let ura = sample.provenance.sender.ura ?? "01234567"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-bench-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await SQLiteMessageStore.open(path: directory.appendingPathComponent("bench.sqlite").path)
        let now = Date().formatted(.iso8601)
        let audit = AuditEntry(time: now, actor: "bench", event: "bench.setup", action: "C", object: "bench", outcome: "success")
        let sender = Partner(id: "sender", name: sample.provenance.sender.name ?? "Afzender", type: "ziekenhuis", ura: ura, agb: nil, createdAt: now)
        let kraamzorg = Partner(id: "kraamzorg", name: "Kraamzorg Het Nest", type: "kraamzorg", ura: "31112222", agb: nil, createdAt: now)
        try await store.addPartner(sender, tokenHash: "bench-sender", audit: audit)
        try await store.addPartner(kraamzorg, tokenHash: "bench-kraamzorg", audit: audit)
        try await store.addSubscription(Subscription(id: "bench", partnerId: kraamzorg.id, url: "https://kraamzorg.example.org/hook", kinds: [],
                                                     format: "canonical", secret: WebhookSignature.newSecret(), createdAt: now), audit: audit)
        for sequence in 0..<count {
            let bytes = BenchIngestCommand.withFreshId(template, id: Self.orderedId(sequence))
            // Parsed and validated once: the report is stored beside the facts.
            guard case .document(let document) = validator.parser.parse(bytes) else { continue }
            let report = validator.validate(document)
            let facts = try mapper.map(document, report: report, raw: bytes, allowSchemaRequired: true)
            _ = try await store.accept(StoredMessage(id: facts.provenance.messageId, receivedAt: now, report: report, senderURA: ura, bsn: bsn,
                                                     raw: bytes, facts: facts, senderPartnerId: sender.id), audit: [audit])
        }
        try await store.registerConsent(ExchangeConsent(bsn: bsn, status: .given, date: String(now.prefix(10)), recordedAt: now, recordedBy: "bench"),
                                        audit: [audit])
        try await store.confirmCare(CareConfirmation(bsn: bsn, ura: ura, confirmedAt: now, confirmedBy: "bench"), audit: [audit])

        let caller = IngestService.Caller(partnerURA: ura, user: "uzi:900012345", userName: "Benchmark", userRole: "klinisch-verloskundige",
                                          partnerName: sender.name, partnerType: sender.type)
        let clientFile = ClientFileService(store: store, views: views, validator: validator, partners: store)
        let planner = DeliveryPlanner(partners: store, forwarding: store, store: store, views: views, validator: validator)
        let ingest = IngestService(validator: validator, store: store, planner: planner)
        guard let client = BSN(bsn) else { throw ValidationError("the benchmark message has no valid BSN") }
        var result = Measured()
        /// One record read by the sender (seconds), and making its HTTP body (seconds; made on
        /// the first read of a version, then kept with the record).
        let read = { () async throws -> (read: Double, body: Double) in
            let start = ContinuousClock.now
            guard case .record(let document, _) = try await clientFile.read(bsn: client, partner: sender, caller: caller, history: false) else {
                throw ValidationError("the sender may not read the record")
            }
            let encoding = ContinuousClock.now
            result.bodySize = try document.body().body.count
            return (Self.seconds(encoding - start), Self.seconds(ContinuousClock.now - encoding))
        }
        let ingested = { (id: String) in
            let start = ContinuousClock.now
            guard case .accepted = try await ingest.ingest(BenchIngestCommand.withFreshId(template, id: id), from: caller) else {
                throw ValidationError("the benchmark message was not accepted")
            }
            return Self.seconds(ContinuousClock.now - start)
        }
        result.first = try await read().read
        for sequence in count..<(count + samples) {
            result.ingest.values.append(try await ingested(Self.orderedId(sequence)))
            let (latency, body) = try await read()
            result.read.values.append(latency)
            result.json.values.append(body)
        }
        for _ in 0..<samples {
            let (latency, body) = try await read()
            result.repeated.values.append(latency + body)
        }
        _ = try await ingested("00000000-0000-4000-8000-000000000000")
        result.rebuild = try await read().read
        try await store.close()
        return result
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
