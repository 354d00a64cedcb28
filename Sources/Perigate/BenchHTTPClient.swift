import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The benchmark's HTTP/1.1 client: one keep-alive connection per simulated partner system,
/// on SwiftNIO. It shares the machine with the gateway, so it must be cheap: URLSession on Linux
/// used ~0.5 ms of CPU per request, about as much as the gateway itself.
struct BenchHTTPClient {
    var host: String
    var port: Int
    var headers: HTTPHeaders

    /// Posts `body()` to `path` until `deadline`; returns (accepted, other, latencies in seconds).
    func run(path: String, until deadline: Date, body: @escaping () -> Data) async throws -> (Int, Int, [Double]) {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var responses = inbound.makeAsyncIterator()
            var accepted = 0, other = 0, latencies: [Double] = []
            while Date() < deadline {
                let payload = body()
                var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)
                head.headers.replaceOrAdd(name: "Content-Length", value: "\(payload.count)")
                let sent = Date()
                try await outbound.write(.head(head))
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: payload))))
                try await outbound.write(.end(nil))
                var status: UInt = 0
                reading: while let part = try await responses.next() {
                    switch part {
                    case .head(let response): status = response.status.code
                    case .body: continue
                    case .end: break reading
                    }
                }
                latencies.append(Date().timeIntervalSince(sent))
                if status == 202 { accepted += 1 } else { other += 1 }
            }
            return (accepted, other, latencies)
        }
    }
}
