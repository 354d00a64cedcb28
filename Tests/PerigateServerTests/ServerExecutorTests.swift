import Foundation
import PerigateServer
import PerigateTestSupport
import Testing

/// Why the tests' servers run on ``ServerExecutor``: a CI run failed with empty answers where a
/// test gateway answers `400 request.malformed-http` at once — other tests held both threads of
/// the cooperative pool, the gateway's handler did not run, and its head timeout closed the
/// connection unanswered.
@Suite("Test servers off the cooperative pool")
struct ServerExecutorTests {
    /// Blocks the calling thread (a synchronous test's wait on a child process does this).
    static func hold() { usleep(3_000_000) }

    @Test("a test gateway answers while every thread of the cooperative pool is held past its head timeout")
    func answersWhilePoolHeld() async throws {
        let gateway = try await TestGateway.start(limits: GatewayServer.Configuration(requestHeadTimeout: .seconds(1)))
        let connection = try LoopbackSocket(port: try #require(gateway.base.port), from: "127.0.0.1")
        let holders = (0..<ProcessInfo.processInfo.activeProcessorCount).map { _ in Task.detached { Self.hold() } }
        try connection.write("BR0KEN\u{01} / HTTP/1.1\r\n\r\n")
        let answer = await connection.read()
        connection.close()
        for holder in holders { await holder.value }
        #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer.prefix(80))")
        #expect(answer.contains("request.malformed-http"))
        try await gateway.stop()
    }
}
