import Foundation
import Glibc
import Testing
import PerigateCore
import PerigateTestSupport

/// The partner API keeps its concurrency slots while anyone holds the console's (issue 18, item 3):
/// the console and other public pages have a budget of their own and a short timeout.
@Suite("Separate budgets per surface")
struct SurfaceBudgetTests {
    /// A TCP connection to 127.0.0.1 that sends `text` and then holds (a stalled client).
    static func stalledClient(port: Int, sending text: String) -> Int32? {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(socket); return nil }
        _ = text.withCString { send(socket, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        return socket
    }

    @Test("260 stalled console logins (Content-Length 16000, then silence): partner POSTs still get 202, /health 200")
    func stalledLogins() async throws {
        let gateway = try await TestGateway.start(console: true)
        let port = try #require(gateway.base.port)
        let head = "POST /console/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + "Content-Length: 16000\r\n\r\ngebruiker=anna&wachtwoord="
        let sockets = (0..<260).compactMap { _ in Self.stalledClient(port: port, sending: head) }
        #expect(sockets.count == 260)
        try await Task.sleep(for: .seconds(1))
        let referral = TestSupport.samples.appendingPathComponent("valid/verwijzing-1-hypertensie-regulier.xml")
        let posted = try await gateway.post(referral, as: "midwife")
        #expect(posted.status == 202, "\(posted.text.prefix(200))")
        let health = try await gateway.send("GET", "health", token: nil, contentType: nil)
        #expect(health.status == 200)
        // The console itself is busy for now (its own small budget), and says so.
        let login = try await gateway.send("GET", "console/login", token: nil, contentType: nil)
        #expect(login.status == 503)
        #expect(login.json["code"] as? String == "server.busy")
        for socket in sockets { close(socket) }
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
        let connections = try (0..<40).map { _ in try RawHTTPConnection(port: port) }
        for connection in connections {
            try connection.write("POST /console/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: \(form.utf8.count)\r\nConnection: close\r\n\r\n\(form)")
        }
        let posted = try await gateway.post(TestSupport.samples.appendingPathComponent("valid/verwijzing-1-hypertensie-regulier.xml"),
                                            as: "midwife")
        #expect(posted.status == 202)
        let answers = await withTaskGroup(of: String.self) { group in
            for connection in connections {
                group.addTask {
                    await withCheckedContinuation { done in
                        DispatchQueue.global().async { done.resume(returning: (try? connection.readResponse()) ?? "") }
                    }
                }
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
