import ArgumentParser
import Foundation
import PerigateCore
import PerigateSQLite
import PerigateXML

/// `perigate bench ingest --url … --token … --concurrency N --seconds S FILE...`: drives a running
/// gateway with the given messages (each sent with a fresh berichtId) and prints accepted
/// messages/s and latency percentiles, next to the in-process validate+map ceiling.
struct BenchIngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Durable HTTP ingest throughput and latency against a running gateway.")

    @OptionGroup var schemaOptions: SchemaOptions

    @Option(help: "Gateway base URL; repeat it for several nodes (clients are spread over them round-robin).")
    var url: [String] = ["http://127.0.0.1:8080"]

    @Option(help: "Partner token (default: $PERIGATE_TOKEN). The messages' sender must be this partner.")
    var token: String?

    @Option(help: "End user sent in Perigate-User.")
    var user = "uzi:900012345"

    @Option(name: .customLong("user-name"), help: "End user's name sent in Perigate-User-Name.")
    var userName = "Benchmark"

    @Option(name: .customLong("user-role"), help: "End user's role sent in Perigate-User-Role.")
    var userRole = "verloskundige"

    @Option(help: "Concurrent clients (repeatable: --concurrency 1 --concurrency 8 …).")
    var concurrency: [Int] = [1, 8, 32]

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 5

    @Option(name: .customLong("messages-per-woman"), help: ArgumentHelp(
        "Every K messages are for another fictitious woman (BSNs 9999nnnnc, in Perigate's kinds' <bsn>).",
        discussion: "0: every copy of a sample is for the sample's own woman, whose history then grows with the run."))
    var messagesPerWoman = 0

    @Flag(name: .customLong("in-process"), help: "Also measure durable ingest in-process (IngestService → SQLite, no HTTP).")
    var inProcess = false

    @Argument(help: "Message files (valid, from the token's partner).")
    var files: [String]

    func run() async throws {
        guard let token = token ?? ProcessInfo.processInfo.environment["PERIGATE_TOKEN"] else {
            throw ValidationError("give --token or PERIGATE_TOKEN")
        }
        let reader = MessageFileReader(maximumBytes: schemaOptions.maximumBytes)
        let templates = try files.map { try reader.read($0) }
        let ceiling = try inProcessCeiling(templates)
        print(String(format: "in-process validate+map ceiling (%d threads): %.0f msg/s", ProcessInfo.processInfo.activeProcessorCount, ceiling))
        if inProcess {
            let registry = try schemaOptions.loadRegistry()
            let durable = BenchDurableIngest(validator: MessageValidator(registry: registry), templates: templates, seconds: seconds,
                                             messagesPerWoman: messagesPerWoman)
            print("in-process durable ingest (IngestService → SQLite, no HTTP):")
            print(TextTable.render([["CONCURRENCY", "MSG/S", "P50 MS", "P99 MS", "% OF CEILING"]] + (try await concurrency.asyncMap { clients in
                let (rate, latencies) = try await durable.measure(clients: clients)
                let result = Result(accepted: 0, other: 0, rate: rate, latencies: latencies)
                return ["\(clients)", String(format: "%.0f", rate), Self.ms(result.percentile(0.5)), Self.ms(result.percentile(0.99)),
                        String(format: "%.0f", rate / ceiling * 100)]
            })))
            print("durable HTTP ingest:")
        }
        print(TextTable.render([["CONCURRENCY", "ACCEPTED", "OTHER", "MSG/S", "P50 MS", "P95 MS", "P99 MS", "% OF CEILING"]]
            + (try await concurrency.asyncMap { clients in
                let result = try await measure(templates: templates, token: token, clients: clients)
                return ["\(clients)", "\(result.accepted)", "\(result.other)", String(format: "%.0f", result.rate),
                        Self.ms(result.percentile(0.50)), Self.ms(result.percentile(0.95)), Self.ms(result.percentile(0.99)),
                        String(format: "%.0f", result.rate / ceiling * 100)]
            })))
    }

    static func ms(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }

    /// Validate + map on every core for `seconds`: what the CPU allows without HTTP or storage.
    private func inProcessCeiling(_ messages: [Data]) throws -> Double {
        let registry = try schemaOptions.loadRegistry()
        let validator = MessageValidator(registry: registry, parser: SafeXMLParser(maximumBytes: schemaOptions.maximumBytes))
        let mapper = CanonicalMapper(registry: registry)
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let counts = BenchmarkCounter()
        let deadline = Date().addingTimeInterval(seconds)
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var done = 0
            while Date() < deadline {
                _ = try? mapper.read(messages[(done + thread) % messages.count], validator: validator)
                done += 1
            }
            counts.add(done)
        }
        return Double(counts.total) / Date().timeIntervalSince(start)
    }

    struct Result {
        var accepted: Int
        var other: Int
        var rate: Double
        var latencies: [Double]
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            return latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
        }
    }

    private func measure(templates: [Data], token: String, clients: Int) async throws -> Result {
        let nodes = try url.map { url -> (client: BenchHTTPClient, path: String) in
            guard let base = URL(string: url), base.scheme == "http", let host = base.host else {
                throw ValidationError("--url \(url) must be an http:// URL (the benchmark client speaks plain HTTP/1.1)")
            }
            let client = BenchHTTPClient(host: host, port: base.port ?? 80, headers: [
                "Host": host, "Authorization": "Bearer \(token)", "Perigate-User": user, "Perigate-User-Name": userName,
                "Perigate-User-Role": userRole, "Content-Type": "application/xml",
            ])
            return (client, base.path.hasSuffix("/") ? base.path + "v1/messages" : base.path + "/v1/messages")
        }
        let deadline = Date().addingTimeInterval(seconds)
        let start = Date()
        let perWoman = messagesPerWoman
        let perClient = try await withThrowingTaskGroup(of: (Int, Int, [Double]).self) { group in
            for index in 0..<clients {
                let next = Counter(start: index, step: clients)
                let node = nodes[index % nodes.count]
                group.addTask {
                    try await node.client.run(path: node.path, until: deadline) {
                        let number = next.take()
                        return Self.fresh(templates[number % templates.count], number: number, perWoman: perWoman)
                    }
                }
            }
            return try await group.reduce(into: [(Int, Int, [Double])]()) { $0.append($1) }
        }
        let elapsed = Date().timeIntervalSince(start)
        let accepted = perClient.map { $0.0 }.reduce(0, +)
        return Result(accepted: accepted, other: perClient.map { $0.1 }.reduce(0, +), rate: Double(accepted) / elapsed,
                      latencies: perClient.flatMap { $0.2 }.sorted())
    }

    /// Which template a client sends next (each client starts elsewhere, so all are used).
    final class Counter: @unchecked Sendable {
        private var value: Int
        private let step: Int
        init(start: Int, step: Int) { value = start; self.step = step }
        /// Only its own client's task calls it, one request at a time.
        func take() -> Int { defer { value += step }; return value }
    }

    /// The message with a new id (so every request is a new message, not a duplicate): the
    /// `berichtId` of Perigate's kinds, else the `extension` of an HL7v3 message's first `<id`.
    /// Works on bytes: String surgery cost the client ~60 µs per request.
    /// The message under a fresh id: a random UUID, or `id`.
    static func withFreshId(_ template: Data, id: String? = nil) -> Data {
        let fresh = Data((id ?? UUID().uuidString.lowercased()).utf8)
        var message = template
        if let open = template.range(of: openTag), let close = template.range(of: closeTag, in: open.upperBound..<template.endIndex) {
            message.replaceSubrange(open.upperBound..<close.lowerBound, with: fresh)
        } else if let id = template.range(of: hl7IdTag), let end = template.range(of: Data(">".utf8), in: id.upperBound..<template.endIndex),
                  let value = template.range(of: extensionAttribute, in: id.upperBound..<end.lowerBound),
                  let quote = template.range(of: Data("\"".utf8), in: value.upperBound..<end.lowerBound) {
            message.replaceSubrange(value.upperBound..<quote.lowerBound, with: fresh)
        }
        return message
    }

    /// Message `number` of a run: `template` under a fresh id and, with `perWoman` > 0, for
    /// woman `number / perWoman` of the fictitious series (her BSN in its first `<bsn>`, the
    /// client's in Perigate's kinds).
    static func fresh(_ template: Data, number: Int, perWoman: Int) -> Data {
        var message = withFreshId(template)
        guard perWoman > 0, let open = message.range(of: bsnOpen),
              let close = message.range(of: bsnClose, in: open.upperBound..<message.endIndex) else { return message }
        message.replaceSubrange(open.upperBound..<close.lowerBound, with: Data(women[(number / perWoman) % women.count].utf8))
        return message
    }

    static let women = BSN.fictitiousSeries(count: 9_000)
    private static let bsnOpen = Data("<bsn>".utf8)
    private static let bsnClose = Data("</bsn>".utf8)
    private static let openTag = Data("<berichtId>".utf8)
    private static let closeTag = Data("</berichtId>".utf8)
    private static let hl7IdTag = Data("<id ".utf8)
    private static let extensionAttribute = Data("extension=\"".utf8)

}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
