import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import PerigateCore
import PerigateTestSupport
import PerigateSQLite
import PerigateServer

/// The real server on 127.0.0.1 (any free port) over a real SQLite file, driven over HTTP.
@Suite("Gateway over HTTP")
struct GatewayHTTPTests {
    static let sample = TestSupport.samples.appendingPathComponent("valid/verwijzing-1-hypertensie-regulier.xml")
    static let messageId = "4f6c2a1e-8b3d-4c1a-9e2f-1a2b3c4d5e01"

    @Test("POST: 202 with a receipt, idempotent re-send, 409 on changed content; GET status and raw for the sender only")
    func ingestAndRead() async throws {
        let gateway = try await TestGateway.start()
        let bytes = try Data(contentsOf: Self.sample)
        let first = try await gateway.send("POST", "v1/messages", token: gateway.midwifeToken, body: bytes)
        #expect(first.status == 202)
        #expect(first.json["messageId"] as? String == Self.messageId)
        #expect(first.json["clientReference"] as? String == "bsn:******007")
        let again = try await gateway.send("POST", "v1/messages", token: gateway.midwifeToken, body: bytes)
        #expect(again.status == 202)
        #expect(again.body == first.body)
        let changed = Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "geen klachten", with: "lichte hoofdpijn").utf8)
        let conflict = try await gateway.send("POST", "v1/messages", token: gateway.midwifeToken, body: changed)
        #expect(conflict.status == 409)
        #expect(conflict.json["code"] as? String == "message.conflict")

        let status = try await gateway.send("GET", "v1/messages/\(Self.messageId)", token: gateway.midwifeToken)
        #expect(status.status == 200)
        #expect(status.json["status"] as? String == "accepted")
        let raw = try await gateway.send("GET", "v1/messages/\(Self.messageId)/raw", token: gateway.midwifeToken)
        #expect(raw.status == 200)
        #expect(raw.body == bytes)
        let otherPartner = try await gateway.send("GET", "v1/messages/\(Self.messageId)/raw", token: gateway.hospitalToken,
                                               headers: ["Perigate-User": "uzi:900067890", "Perigate-User-Name": "B. Bakker", "Perigate-User-Role": "gynaecoloog"])
        #expect(otherPartner.status == 404)
        let audit = try await gateway.store.auditEntries(after: TestGateway.organisations.count, limit: 20)
        #expect(audit.map(\.outcome) == ["success", "success", "refused", "success", "success", "refused"])
        #expect(audit.map(\.event) == ["message.import", "message.import", "message.import", "message.read", "message.read-raw", "message.read-raw"])
        try await gateway.stop()
    }

    @Test("every refusal has its status and a problem+json body", arguments: [
        ("no token", 401, "auth.token-missing"), ("bad token", 401, "auth.token-invalid"), ("no user", 401, "auth.user-missing"),
        ("no user name", 401, "auth.user-name-missing"), ("no user role", 401, "auth.user-role-missing"),
        ("bad on-behalf-of", 401, "auth.on-behalf-of-invalid"),
        ("wrong content type", 415, "request.content-type"), ("malformed", 400, "message.malformed"),
        ("too large", 413, "message.too-large"), ("invalid", 422, "message.invalid"), ("unknown kind", 422, "message.unsupported"),
        ("other sender", 403, "message.sender-mismatch"),
    ])
    func refusals(_ name: String, _ expectedStatus: Int, _ code: String) async throws {
        let gateway = try await TestGateway.start(limits: GatewayServer.Configuration(maximumBodyBytes: 20_000))
        let valid = try Data(contentsOf: Self.sample)
        var token: String? = gateway.midwifeToken
        var headers = TestGateway.user
        var contentType = "application/xml"
        var body = valid
        switch name {
        case "no token": token = nil
        case "bad token": token = "pgt_not-a-real-token"
        case "no user": headers["Perigate-User"] = nil
        case "no user name": headers["Perigate-User-Name"] = nil
        case "no user role": headers["Perigate-User-Role"] = nil
        case "bad on-behalf-of": headers["Perigate-On-Behalf-Of"] = "uzi:123"
        case "wrong content type": contentType = "application/json"
        case "malformed": body = Data("<verwijzing><open>".utf8)
        case "too large": body = Data(repeating: UInt8(ascii: " "), count: 50_000)
        case "invalid": body = try Data(contentsOf: TestSupport.samples.appendingPathComponent("invalid/verwijzing-bsn-elfproef.xml"))
        case "unknown kind": body = try Data(contentsOf: TestSupport.samples.appendingPathComponent("invalid/unknown-kind.xml"))
        case "other sender": token = gateway.hospitalToken
        default: break
        }
        let reply = try await gateway.send("POST", "v1/messages", token: token, headers: headers, contentType: contentType, body: body)
        #expect(reply.status == expectedStatus)
        #expect(reply.json["code"] as? String == code)
        #expect(reply.json["status"] as? Int == expectedStatus)
        #expect(try await gateway.store.message(id: Self.messageId) == nil)
        try await gateway.stop()
    }

    @Test("a revoked partner's token stops working within the partner-cache lifetime; health and ready answer")
    func revokeAndHealth() async throws {
        let gateway = try await TestGateway.start(limits: GatewayServer.Configuration(maximumBodyBytes: 100_000, partnerCacheLifetime: .milliseconds(300)))
        let hospitalUser = ["Perigate-User": "uzi:900067890", "Perigate-User-Name": "B. Bakker", "Perigate-User-Role": "gynaecoloog"]
        #expect(try await gateway.send("GET", "v1/messages/x", token: gateway.hospitalToken, headers: hospitalUser).status == 404)
        #expect(try await gateway.send("GET", "health", token: nil, headers: [:]).status == 200)
        #expect(try await gateway.readyStatus() == 200)
        let audit = AuditEntry(time: "2026-11-25T10:00:00Z", actor: "test", event: "partner.revoke", action: "U",
                               object: "partner:\(gateway.hospitalId)", outcome: "success")
        #expect(try await gateway.store.revokePartner(id: gateway.hospitalId, audit: audit))
        try await Task.sleep(for: .milliseconds(400))
        let reply = try await gateway.send("GET", "v1/messages/x", token: gateway.hospitalToken, headers: hospitalUser)
        #expect(reply.status == 401)
        #expect(reply.json["code"] as? String == "auth.token-invalid")
        try await gateway.stop()
    }
}

/// `Content-Encoding: gzip` bodies, including a gzip bomb.
@Suite("Gateway over HTTP: gzip")
struct GatewayGzipTests {
    /// gzip through the system's `gzip` tool (the test builds its inputs, the server inflates them).
    static func gzip(_ data: Data) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c", "-9"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let writer = Thread { input.fileHandleForWriting.write(data); try? input.fileHandleForWriting.close() }
        writer.start()
        let compressed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return compressed
    }

    static func post(_ gateway: TestGateway, _ body: Data, encoding: String) async throws -> TestGateway.Reply {
        var request = URLRequest(url: gateway.base.appendingPathComponent("v1/messages"))
        request.httpMethod = "POST"
        request.setValue("Bearer \(gateway.midwifeToken)", forHTTPHeaderField: "Authorization")
        for (name, value) in TestGateway.user { request.setValue(value, forHTTPHeaderField: name) }
        request.setValue("application/xml", forHTTPHeaderField: "Content-Type")
        request.setValue(encoding, forHTTPHeaderField: "Content-Encoding")
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        return TestGateway.Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }

    @Test("a gzip body is accepted; a gzip bomb is stopped at the limit; bad gzip and unknown encodings are refused")
    func gzipBodies() async throws {
        let gateway = try await TestGateway.start()
        let message = try Data(contentsOf: GatewayHTTPTests.sample)
        let accepted = try await Self.post(gateway, try Self.gzip(message), encoding: "gzip")
        #expect(accepted.status == 202)
        #expect(try await gateway.store.message(id: GatewayHTTPTests.messageId)?.raw == message)

        let bomb = try Self.gzip(Data(repeating: UInt8(ascii: " "), count: 80_000_000))
        #expect(bomb.count < 100_000)
        let refused = try await Self.post(gateway, bomb, encoding: "gzip")
        #expect(refused.status == 413)
        #expect(refused.json["detail"] as? String == "the decompressed body exceeds 100000 bytes")

        #expect(try await Self.post(gateway, Data("not gzip at all".utf8), encoding: "gzip").status == 400)
        #expect(try await Self.post(gateway, message, encoding: "br").status == 415)
        try await gateway.stop()
    }
}
