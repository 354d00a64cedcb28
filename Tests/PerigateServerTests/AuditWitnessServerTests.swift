import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import PerigateCore
import PerigateDelivery
import PerigateSQLite
import PerigateTestSupport
import ServiceLifecycle
import Testing
@testable import PerigateServer

/// `perigate audit witness` in process, over real HTTP on 127.0.0.1, fed by the gateway's own
/// client (``AuditWitnessServerClient``): it keeps what the pinned key signed, append-only, and
/// refuses what would let a dishonest gateway rewrite what it already witnessed. The syslog
/// witness against a TCP listener on loopback.
@Suite("Audit witness server")
struct AuditWitnessServerTests {
    struct Witness {
        var url: URL
        var store: String
        var group: ServiceGroup
        var task: Task<Void, any Error>

        func stop() async {
            await group.triggerGracefulShutdown()
            _ = await task.result
        }
    }

    static func start(store: String, pinned: [String], now: @escaping @Sendable () -> Date = Date.init) async throws -> Witness {
        let ledger = try AuditWitnessLedger(path: store, pinned: Set(pinned), now: now)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try AuditWitnessServer(ledger: ledger, logger: TestGateway.quietLogger).application(host: "127.0.0.1", port: 0) { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: TestGateway.quietLogger))
        let task = Task(executorPreference: ServerExecutor.shared) { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        return Witness(url: URL(string: "http://127.0.0.1:\(port)")!, store: store, group: group, task: task)
    }

    static func post(_ url: URL, _ body: Data) async throws -> (Int, [String: Any]) {
        var request = HTTPClientRequest(url: url.appendingPathComponent("v1/checkpoints").absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let data = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
        return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    static func hash(_ n: Int) -> String { String(repeating: String(n % 10), count: 64) }

    @Test("stores what the pinned key signed (stamped with its own time), once; refuses another key, a bad signature, a rewrite, garbage")
    func ledger() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let key = Curve25519.Signing.PrivateKey(), other = Curve25519.Signing.PrivateKey()
        let pinned = AuditSigner(key).publicKey
        let witnessTime = try Date("2026-12-01T09:00:00Z", strategy: .iso8601)
        let witness = try await Self.start(store: directory.appendingPathComponent("store.jsonl").path, pinned: [pinned], now: { witnessTime })
        let client = AuditWitnessServerClient(base: witness.url)
        let first = try AuditCheckpoint.sign(sequence: 10, hash: Self.hash(1), time: "2026-12-01T08:00:00Z", key: key)
        try await client.record(first)
        try await client.record(first)   // again: 200, held once
        let second = try AuditCheckpoint.sign(sequence: 20, hash: Self.hash(2), time: "2026-12-01T08:00:01Z",
                                              previous: .init(sequence: 10, hash: Self.hash(1)), key: key)
        try await client.record(second)
        let held = try await client.checkpoints()
        #expect(held.map(\.sequence) == [10, 20])
        #expect(held.allSatisfy { $0.witnessedAt == "2026-12-01T09:00:00Z" && $0.isValid(for: key.publicKey) })

        let refusals: [(String, Data, Int, String)] = [
            ("another key", try AuditCheckpoint.sign(sequence: 30, hash: Self.hash(3), time: "t", key: other).encodedLine(), 403, "witness.other-key"),
            ("a bad signature", try { var forged = second; forged.sequence = 21; return try forged.encodedLine() }(), 422, "witness.bad-signature"),
            ("another hash for a held line", try AuditCheckpoint.sign(sequence: 20, hash: Self.hash(9), time: "t", key: key).encodedLine(), 409, "witness.conflict"),
            ("extending a held line with another hash", try AuditCheckpoint.sign(sequence: 25, hash: Self.hash(5), time: "t",
                                                                                 previous: .init(sequence: 10, hash: Self.hash(7)), key: key).encodedLine(), 409, "witness.conflict"),
            ("not JSON", Data("hello".utf8), 400, "witness.invalid"),
            ("too large", Data(repeating: UInt8(ascii: " "), count: 20_000), 400, "witness.invalid"),
        ]
        for (name, body, status, code) in refusals {
            let (answered, problem) = try await Self.post(witness.url, body)
            #expect(answered == status, "\(name)")
            #expect(problem["code"] as? String == code, "\(name): \(problem)")
        }
        #expect(try await client.checkpoints().count == 2, "nothing refused was stored")
        await witness.stop()

        // A restarted witness knows what it holds: the rewrite is still refused.
        let restarted = try await Self.start(store: witness.store, pinned: [pinned])
        let (status, problem) = try await Self.post(restarted.url, refusals[2].1)
        #expect(status == 409 && problem["code"] as? String == "witness.conflict")
        #expect(try await AuditWitnessServerClient(base: restarted.url).checkpoints().map(\.sequence) == [10, 20])
        await restarted.stop()
    }

    @Test("the checkpointer offers the newest checkpoint to a witness that was down once it is back; the file witness and the gateway's own file get every one")
    func witnessDownAndBack() async throws {
        let directory = try TestSupport.temporaryDirectory()
        let store = try await SQLiteMessageStore.open(path: directory.appendingPathComponent("gateway.sqlite").path)
        let key = Curve25519.Signing.PrivateKey()
        let down = AuditWitnessServerClient(base: URL(string: "http://127.0.0.1:9")!, timeout: .seconds(2))
        let elsewhere = AuditCheckpointFile(path: directory.appendingPathComponent("elsewhere/witness.jsonl").path)
        let local = AuditCheckpointFile(path: directory.appendingPathComponent("gateway.sqlite.audit-checkpoints").path)
        let checkpointer = AuditCheckpointer(store: store, signer: AuditSigner(key), local: local, witnesses: [down, elsewhere])
        try await store.appendAudit([AuditEntry(time: "2026-12-01T08:00:00Z", actor: "system:perigate", event: "gateway.start", action: "E",
                                                object: "gateway:test", outcome: "success")])
        let round = try await checkpointer.checkpoint()
        #expect(round.written?.sequence == 1)
        #expect(round.failures.map(\.witness) == [down.name])
        #expect(try elsewhere.read().map(\.sequence) == [1])
        // A round with nothing new still retries the witness that did not take it.
        let retried = try await checkpointer.checkpoint()
        #expect(retried.written == nil && retried.failures.count == 1)
        #expect(try local.read().map(\.sequence) == [1])
        try await store.close()
    }

    @Test("syslog: one RFC 5424 message per checkpoint over TCP, octet-counted; the file a syslog server writes reads back as a witness")
    func syslog() async throws {
        let listener = try LoopbackListener()
        let key = Curve25519.Signing.PrivateKey()
        let checkpoint = try AuditCheckpoint.sign(sequence: 7, hash: Self.hash(7), time: "2026-12-01T08:00:00Z", key: key)
        try await SyslogAuditWitness(host: "127.0.0.1", port: listener.port, hostname: "gw 1").record(checkpoint)
        let received = try #require(await listener.received())
        let text = String(decoding: received, as: UTF8.self)
        let (length, message) = (text.prefix { $0 != " " }, text.drop { $0 != " " }.dropFirst())
        #expect(Int(length) == message.utf8.count, "octet counting: \(text)")
        #expect(message.hasPrefix("<85>1 2026-12-01T08:00:00Z gw1 perigate "), "\(message)")
        #expect(message.contains(" audit-checkpoint - {"))
        // What rsyslog writes to its file: a timestamp, host and tag before the message.
        let file = try TestSupport.temporaryDirectory().appendingPathComponent("perigate-witness.log")
        try Data(("Dec  1 08:00:00 loghost perigate[123]: " + String(message.drop { $0 != "{" }) + "\n").utf8).write(to: file)
        let parsed = try AuditCheckpointFile(path: file.path).read()
        #expect(parsed == [checkpoint])
    }
}

/// A TCP listener on 127.0.0.1 that takes one connection and keeps what arrives until the peer
/// closes — on a Dispatch thread, never on the cooperative pool.
final class LoopbackListener: Sendable {
    let port: Int
    private let descriptor: Int32

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound, listen(descriptor, 1) == 0 else { throw Failed() }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    struct Failed: Error {}

    /// Everything the first connection sent (waits for it on a Dispatch thread).
    func received() async -> Data? {
        let descriptor = descriptor
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                defer { close(descriptor) }
                let connection = accept(descriptor, nil, nil)
                guard connection >= 0 else { return continuation.resume(returning: nil) }
                defer { close(connection) }
                var data = Data()
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = recv(connection, &buffer, buffer.count, 0)
                    if count <= 0 { break }
                    data.append(contentsOf: buffer[0..<count])
                }
                continuation.resume(returning: data)
            }
        }
    }
}
