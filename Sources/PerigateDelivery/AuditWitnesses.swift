import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import PerigateCore

/// A witness server (`perigate audit witness`) at `base`: checkpoints are POSTed to
/// `base/v1/checkpoints` and read back from the same path (JSON lines).
public struct AuditWitnessServerClient: AuditWitness, AuditWitnessSource {
    public let base: URL
    let client: HTTPClient
    let timeout: TimeAmount

    public init(base: URL, client: HTTPClient = .shared, timeout: TimeAmount = .seconds(5)) {
        self.base = base
        self.client = client
        self.timeout = timeout
    }

    public var name: String { "witness \(base.absoluteString)" }

    var endpoint: String { base.appendingPathComponent("v1/checkpoints").absoluteString }

    public func record(_ checkpoint: AuditCheckpoint) async throws {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try checkpoint.encodedLine()))
        let client = client, timeout = timeout, prepared = request
        let (response, body) = try await AuditDeadline.run(within: .seconds(timeout.nanoseconds / 1_000_000_000 + 1)) {
            let response = try await client.execute(prepared, timeout: timeout)
            return (response, try await response.body.collect(upTo: 64 * 1024))
        }
        guard response.status == .created || response.status == .ok else {
            throw WitnessRefused(witness: name, status: Int(response.status.code), body: String(buffer: body))
        }
    }

    public func checkpoints() async throws -> [AuditCheckpoint] {
        var request = HTTPClientRequest(url: endpoint)
        request.headers.add(name: "Accept", value: "application/x-ndjson")
        let client = client, prepared = request
        let (response, body) = try await AuditDeadline.run(within: .seconds(300)) {
            let response = try await client.execute(prepared, timeout: .seconds(60))
            return (response, try await response.body.collect(upTo: 1 << 31))
        }
        guard response.status == .ok else { throw WitnessRefused(witness: name, status: Int(response.status.code), body: String(buffer: body)) }
        return Data(body.readableBytesView).split(separator: UInt8(ascii: "\n")).compactMap { AuditCheckpoint.parse(line: $0) }
    }
}

/// A witness that answered with something other than success.
public struct WitnessRefused: Error, CustomStringConvertible {
    public var witness: String
    public var status: Int
    public var body: String
    public var description: String { "\(witness) answered \(status): \(body.prefix(300))" }
}

/// A syslog destination (RFC 5424 messages over TCP with octet-counted framing, RFC 6587 —
/// what rsyslog's `imtcp` and syslog-ng's `syslog()` source take). Each checkpoint is one
/// message, facility authpriv, severity notice, app `perigate`, msgid `audit-checkpoint`, the
/// checkpoint's JSON as the message. Syslog does not answer: a message the server lost is not
/// seen here (a witness server confirms each checkpoint).
public struct SyslogAuditWitness: AuditWitness {
    public let host: String
    public let port: Int
    let hostname: String

    public init(host: String, port: Int, hostname: String = ProcessInfo.processInfo.hostName) {
        self.host = host
        self.port = port
        self.hostname = hostname
    }

    public var name: String { "syslog://\(host):\(port)" }

    /// One RFC 5424 message: `<85>1 TIME HOST perigate PID audit-checkpoint - JSON`
    /// (85 = authpriv (10) × 8 + notice (5)).
    public static func message(_ checkpoint: AuditCheckpoint, hostname: String, processID: Int32 = getpid()) throws -> Data {
        let header = "<85>1 \(checkpoint.time) \(printable(hostname)) perigate \(processID) audit-checkpoint - "
        return Data(header.utf8) + (try checkpoint.encodedLine())
    }

    /// RFC 5424 header fields are printable US-ASCII without spaces, at most 255 characters.
    static func printable(_ text: String) -> String {
        let kept = String(text.unicodeScalars.filter { $0.value > 32 && $0.value < 127 }.prefix(255).map(Character.init))
        return kept.isEmpty ? "-" : kept
    }

    public func record(_ checkpoint: AuditCheckpoint) async throws {
        let message = try Self.message(checkpoint, hostname: hostname)
        var frame = ByteBuffer(string: "\(message.count) ")
        frame.writeBytes(message)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: host, port: port).get()
        do {
            try await channel.writeAndFlush(frame).get()
        } catch {
            try? await channel.close().get()
            throw error
        }
        try await channel.close().get()
    }
}

extension AuditWitnessSpec {
    /// The witness this entry names, ready to take checkpoints.
    public func witness(client: HTTPClient = .shared) -> any AuditWitness {
        switch self {
        case .file(let path): return AuditCheckpointFile(path: path)
        case .syslog(let host, let port): return SyslogAuditWitness(host: host, port: port)
        case .server(let url): return AuditWitnessServerClient(base: url, client: client)
        }
    }

    /// Where `audit verify` reads this witness back; `nil` for syslog (read the file its server
    /// writes with `--witness PATH`).
    public func source(client: HTTPClient = .shared) -> (any AuditWitnessSource)? {
        switch self {
        case .file(let path): return AuditCheckpointFile(path: path)
        case .syslog: return nil
        case .server(let url): return AuditWitnessServerClient(base: url, client: client)
        }
    }
}
