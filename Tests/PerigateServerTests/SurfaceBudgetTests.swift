import Foundation
import Glibc
import Testing
import PerigateCore
import PerigateServer
import PerigateTestSupport

/// The partner API keeps its concurrency slots while anyone holds the console's (issue 18, item 3):
/// the console and other public pages have a budget of their own and a short timeout.
@Suite("Separate budgets per surface")
struct SurfaceBudgetTests {
    /// A TCP connection to 127.0.0.1 from `source` that sends `text` and then holds (a stalled client).
    static func stalledClient(port: Int, from source: String = "127.0.0.2", sending text: String) -> LoopbackSocket? {
        guard let socket = try? LoopbackSocket(port: port, from: source) else { return nil }
        try? socket.write(text)
        return socket
    }

    @Test("260 stalled console logins from one address (Content-Length 16000, then silence): 64 held, the rest closed; partner POSTs still get 202, /health 200")
    func stalledLogins() async throws {
        // The console's timeout is long here, so the held logins stay held however slow the machine.
        let gateway = try await TestGateway.start(limits: GatewayServer.Configuration(maximumBodyBytes: 100_000, publicRequestTimeout: .seconds(120)),
                                                  console: true)
        let port = try #require(gateway.base.port)
        let head = "POST /console/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + "Content-Length: 16000\r\n\r\ngebruiker=anna&wachtwoord="
        let sockets = await Self.offCooperativeThreads { (0..<260).compactMap { _ in Self.stalledClient(port: port, sending: head) } }
        #expect(sockets.count == 260)
        try await Task.sleep(for: .seconds(1))
        // One address holds at most 64 connections: the gateway closed the others at once.
        // (The kernel's accept queue hands them over gradually: wait for the gateway to get to all.)
        var closed = 0
        for _ in 0..<60 where closed < 260 - 64 {
            closed = sockets.filter(\.isClosedByPeer).count
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(closed == 260 - 64)
        let referral = TestSupport.samples.appendingPathComponent("valid/verwijzing-1-hypertensie-regulier.xml")
        let posted = try await gateway.post(referral, as: "midwife")
        #expect(posted.status == 202, "\(posted.text.prefix(200))")
        let health = try await gateway.send("GET", "health", token: nil, contentType: nil)
        #expect(health.status == 200)
        // The console itself is busy for now (its own small budget), and says so.
        let login = try await gateway.send("GET", "console/login", token: nil, contentType: nil)
        #expect(login.status == 503)
        #expect(login.json["code"] as? String == "server.busy")
        for socket in sockets { socket.close() }
        try await gateway.stop()
    }
}

extension SurfaceBudgetTests {
    /// Runs blocking socket work (many connects, which wait when the accept queue is full) on a
    /// Dispatch thread: on the test's cooperative threads (two here) it would starve the in-process
    /// gateway's own tasks, and those of every other test running in parallel.
    static func offCooperativeThreads<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { done in
            DispatchQueue.global().async { done.resume(with: Result { try body() }) }
        }
    }

    static func offCooperativeThreads<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { done in
            DispatchQueue.global().async { done.resume(returning: body()) }
        }
    }

    /// Waits up to `seconds` for the gateway to close `socket`.
    static func closedWithin(_ seconds: Int, _ socket: LoopbackSocket) async throws -> Bool {
        for _ in 0..<(seconds * 10) {
            if socket.isClosedByPeer { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}

/// Connections are capped per address and must deliver their request head in time; the HTTP
/// layer's own refusals are problem+json (issue 18, items 3 and 8).
@Suite("Connections: per-address cap, head timeout, problem+json from the HTTP layer")
struct ConnectionGuardTests {
    @Test("a slowloris dripping its head, and a silent connection, are closed after the head timeout; a whole request is served")
    func headTimeout() async throws {
        let gateway = try await TestGateway.start(limits: GatewayServer.Configuration(maximumBodyBytes: 100_000, requestHeadTimeout: .seconds(1)))
        let port = try #require(gateway.base.port)
        let dripping = try #require(SurfaceBudgetTests.stalledClient(port: port, sending: "GET /hea"))
        let silent = try #require(SurfaceBudgetTests.stalledClient(port: port, sending: ""))
        for _ in 0..<5 {
            try? dripping.write("l")
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(dripping.isClosedByPeer, "1.5 s of dripping is past the 1 s head timeout")
        #expect(try await SurfaceBudgetTests.closedWithin(5, silent))
        #expect(try await gateway.send("GET", "health", token: nil, contentType: nil).status == 200)
        dripping.close()
        silent.close()
        try await gateway.stop()
    }

    @Test("another address is not held back by one address's 64 connections; the cap frees as connections close")
    func capPerAddress() async throws {
        let gateway = try await TestGateway.start(limits: GatewayServer.Configuration(maximumBodyBytes: 100_000, maximumConnectionsPerSource: 4))
        let port = try #require(gateway.base.port)
        let held = (0..<6).compactMap { _ in SurfaceBudgetTests.stalledClient(port: port, from: "127.0.0.3", sending: "") }
        try await Task.sleep(for: .milliseconds(500))
        #expect(held.filter(\.isClosedByPeer).count == 2)
        // 127.0.0.1 is another address: served.
        #expect(try await gateway.send("GET", "health", token: nil, contentType: nil).status == 200)
        for socket in held { socket.close() }
        try await Task.sleep(for: .milliseconds(500))
        let again = try LoopbackSocket(port: port, from: "127.0.0.3")
        try again.write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(await again.read().hasPrefix("HTTP/1.1 200"))
        again.close()
        try await gateway.stop()
    }

    @Test("requests the HTTP parser refuses answer 400 problem+json request.malformed-http", arguments: [
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n",
        "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        "BR0KEN\u{01} / HTTP/1.1\r\n\r\n",
    ])
    func parserRefusals(request: String) async throws {
        let gateway = try await TestGateway.start()
        let connection = try LoopbackSocket(port: try #require(gateway.base.port), from: "127.0.0.1")
        try? connection.write(request)       // the server may stop reading a too-large head half-way
        let answer = await connection.read()
        connection.close()
        #expect(answer.hasPrefix("HTTP/1.1 400"))
        #expect(answer.lowercased().contains("content-type: application/problem+json"))
        let body = try #require(answer.components(separatedBy: "\r\n\r\n").last)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(json["code"] as? String == "request.malformed-http")
        #expect(json["status"] as? Int == 400)
        try await gateway.stop()
    }

    @Test("a malformed chunk size in an authenticated POST is 400 request.malformed-http, not 413")
    func badChunk() async throws {
        let gateway = try await TestGateway.start()
        let connection = try LoopbackSocket(port: try #require(gateway.base.port), from: "127.0.0.1")
        try connection.write("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(gateway.midwifeToken)\r\n"
            + TestGateway.user.map { "\($0.key): \($0.value)\r\n" }.joined()
            + "Content-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
        let answer = await connection.read()
        connection.close()
        #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer.prefix(120))")
        #expect(answer.contains("request.malformed-http"))
        try await gateway.stop()
    }
}

/// Password checks cannot starve the gateway (issue 18, item 4): bcrypt runs on a pool of its own
/// with a short queue; beyond it a login is answered 429 at once.
@Suite("Console login flood")
struct LoginFloodTests {
    @Test("40 simultaneous wrong logins: some refused at once with 429, the rest 401; a partner POST meanwhile gets 202")
    func flood() async throws {
        let gateway = try await TestGateway.start(console: true)
        let port = try #require(gateway.base.port)
        let form = "gebruiker=anna&wachtwoord=verkeerd-wachtwoord"
        let connections = try await SurfaceBudgetTests.offCooperativeThreads {
            try (0..<40).map { _ in
                // A queued password check may take long on a loaded machine: wait for the answer, do not time out into "".
                let connection = try LoopbackSocket(port: port, from: "127.0.0.1", readTimeout: 90)
                try connection.write("POST /console/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + "Content-Length: \(form.utf8.count)\r\nConnection: close\r\n\r\n\(form)")
                return connection
            }
        }
        let posted = try await gateway.post(TestSupport.samples.appendingPathComponent("valid/verwijzing-1-hypertensie-regulier.xml"),
                                            as: "midwife")
        #expect(posted.status == 202)
        let answers = await withTaskGroup(of: String.self) { group in
            for connection in connections {
                group.addTask { await connection.read(untilJSON: true) }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        for connection in connections { connection.close() }
        let statuses = answers.map { String($0.prefix(12)) }
        #expect(statuses.allSatisfy { $0 == "HTTP/1.1 429" || $0 == "HTTP/1.1 401" || $0 == "HTTP/1.1 503" }, "\(Set(statuses))")
        #expect(statuses.contains("HTTP/1.1 429"))
        try await gateway.stop()
    }
}
