import ArgumentParser
import Foundation
import PerigateCore
import PerigateSQLite

/// `perigate bench record`: what one more message and one record read cost as a client's history
/// grows — record read and ingest p50/p99 at 1, 10, 100 and 1,000 messages of one client, with a
/// kraamzorg subscription that is not addressed (routing needs her care relationships), on a
/// real SQLite file, in-process (the gateway's own services, no HTTP).
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
        var rows = [["MESSAGE", "KB", "MESSAGES", "READ P50 MS", "READ P99 MS", "INGEST P50 MS", "INGEST P99 MS", "REBUILD READ MS"]]
        for file in files {
            let template = try reader.read(file)
            for count in messages {
                let result = try await measure(template: template, count: count, validator: validator, mapper: mapper, views: views)
                rows.append([(file as NSString).lastPathComponent, String(format: "%.1f", Double(template.count) / 1024), "\(count)",
                             BenchIngestCommand.ms(result.read.percentile(0.5)), BenchIngestCommand.ms(result.read.percentile(0.99)),
                             BenchIngestCommand.ms(result.ingest.percentile(0.5)), BenchIngestCommand.ms(result.ingest.percentile(0.99)),
                             BenchIngestCommand.ms(result.rebuild)])
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

    /// A fresh database holding `count` copies of the message for one client (stored directly,
    /// as ingest stores them), her consent and the sender's confirmed care relationship; then
    /// `samples` record reads by the sender and `samples` more ingests through the service; then
    /// one copy that sorts before all others (made earlier, arriving last) and the read after it,
    /// which rebuilds her record from every stored message (`rebuild`, seconds).
    func measure(template: Data, count: Int, validator: MessageValidator, mapper: CanonicalMapper,
                 views: ViewPolicy) async throws -> (read: Latencies, ingest: Latencies, rebuild: Double) {
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
        var read = Latencies(), written = Latencies()
        for _ in 0..<samples {
            let start = ContinuousClock.now
            guard case .record = try await clientFile.read(bsn: client, partner: sender, caller: caller, history: false) else {
                throw ValidationError("the sender may not read the record")
            }
            read.values.append(Self.seconds(ContinuousClock.now - start))
        }
        for sequence in count..<(count + samples) {
            let start = ContinuousClock.now
            guard case .accepted = try await ingest.ingest(BenchIngestCommand.withFreshId(template, id: Self.orderedId(sequence)), from: caller) else {
                throw ValidationError("the benchmark message was not accepted")
            }
            written.values.append(Self.seconds(ContinuousClock.now - start))
        }
        guard case .accepted = try await ingest.ingest(BenchIngestCommand.withFreshId(template, id: "00000000-0000-4000-8000-000000000000"),
                                                       from: caller) else {
            throw ValidationError("the benchmark message was not accepted")
        }
        let start = ContinuousClock.now
        guard case .record = try await clientFile.read(bsn: client, partner: sender, caller: caller, history: false) else {
            throw ValidationError("the sender may not read the record")
        }
        let rebuild = Self.seconds(ContinuousClock.now - start)
        try await store.close()
        return (read, written, rebuild)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
