import Foundation
import Testing
import PerigateCore
import PerigateTestSupport
import PerigateServer

/// HTTPS and mutual TLS with real certificates (test-only, Fixtures/tls/make-fixtures.sh) and
/// curl as the client: a client certificate maps to a partner, and a token or certificate for one
/// organisation can never act for another.
@Suite("Gateway over HTTPS: mutual TLS")
struct GatewayTLSTests {
    static let fixtures = TestSupport.root.appendingPathComponent("Tests/PerigateServerTests/Fixtures/tls").path

    struct CurlReply {
        var exitCode: Int32
        var status: Int
        var body: String
        var code: String? {
            ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any])?["code"] as? String
        }
    }

    /// POSTs the sample through curl with the given client certificate (a fixture name) and token.
    /// Waits for curl without blocking a thread of the concurrency pool (which serves the gateway too).
    static func curl(_ gateway: TestGateway, certificate: String?, token: String?, file: URL = GatewayHTTPTests.sample) async throws -> CurlReply {
        var arguments = ["-sS", "--max-time", "20", "-o", "-", "-w", "\n%{http_code}", "--cacert", "\(fixtures)/ca.pem",
                         "-H", "Content-Type: application/xml", "--data-binary", "@\(file.path)"]
        for (name, value) in TestGateway.user { arguments += ["-H", "\(name): \(value)"] }
        if let certificate { arguments += ["--cert", "\(fixtures)/\(certificate).pem", "--key", "\(fixtures)/\(certificate).key"] }
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        arguments.append(gateway.base.absoluteString + "/v1/messages")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        let output = try TestSupport.temporaryDirectory().appendingPathComponent("curl.out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            process.terminationHandler = { _ in done.resume() }
            do { try process.run() } catch { done.resume() }
        }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return CurlReply(exitCode: process.terminationStatus, status: Int(lines.last ?? "") ?? 0,
                         body: lines.dropLast().joined(separator: "\n"))
    }

    @Test("mutual TLS: the certificate names the partner; a mismatching token or another organisation's message is refused")
    func mutualTLS() async throws {
        let tls = try GatewayTLS(certificatePath: "\(Self.fixtures)/server.pem", keyPath: "\(Self.fixtures)/server.key",
                                 clientCAPath: "\(Self.fixtures)/ca.pem")
        // No partner cache: the certificate is bound while the gateway runs, right after a refusal.
        let gateway = try await TestGateway.start(limits: GatewayServer.Configuration(maximumBodyBytes: 100_000, partnerCacheLifetime: .zero), tls: tls)
        let audit = AuditEntry(time: "2026-11-25T10:00:00Z", actor: "test", event: "partner.bind-cert", action: "U", object: "partner", outcome: "success")

        // Signed by the CA but not bound to any partner yet.
        #expect(try await Self.curl(gateway, certificate: "midwife", token: nil).code == "auth.certificate-unknown")
        #expect(try await gateway.store.bindCertificate(partnerId: gateway.partners["midwife"]!.id,
                                                        fingerprint: GatewayTLS.fingerprint(certificatePEMFile: "\(Self.fixtures)/midwife.pem"), audit: audit))
        #expect(try await gateway.store.bindCertificate(partnerId: gateway.hospitalId,
                                                        fingerprint: GatewayTLS.fingerprint(certificatePEMFile: "\(Self.fixtures)/hospital.pem"), audit: audit))

        let accepted = try await Self.curl(gateway, certificate: "midwife", token: nil)
        #expect(accepted.status == 202, "\(accepted.body)")
        // The midwife's certificate with the hospital's token: refused, whatever the token says.
        #expect(try await Self.curl(gateway, certificate: "midwife", token: gateway.hospitalToken).code == "auth.partner-mismatch")
        // The hospital's certificate cannot send a message whose afzender is the midwife.
        #expect(try await Self.curl(gateway, certificate: "hospital", token: nil).code == "message.sender-mismatch")
        #expect(try await Self.curl(gateway, certificate: "hospital", token: gateway.hospitalToken).code == "message.sender-mismatch")
        // No certificate, or one from another CA: the TLS handshake itself fails (no HTTP status).
        #expect(try await Self.curl(gateway, certificate: nil, token: gateway.midwifeToken).status == 0)
        #expect(try await Self.curl(gateway, certificate: "stranger", token: gateway.midwifeToken).status == 0)
        try await gateway.stop()
    }

    @Test("HTTPS without a client CA: bearer tokens as over HTTP")
    func httpsWithTokens() async throws {
        let tls = try GatewayTLS(certificatePath: "\(Self.fixtures)/server.pem", keyPath: "\(Self.fixtures)/server.key")
        let gateway = try await TestGateway.start(tls: tls)
        #expect(try await Self.curl(gateway, certificate: nil, token: gateway.midwifeToken).status == 202)
        #expect(try await Self.curl(gateway, certificate: nil, token: nil).code == "auth.token-missing")
        try await gateway.stop()
    }

    @Test("unreadable or invalid TLS files are named")
    func badFiles() throws {
        #expect(throws: TLSFileError.self) { try GatewayTLS(certificatePath: "/nonexistent.pem", keyPath: "\(Self.fixtures)/server.key") }
        #expect(throws: TLSFileError.self) {
            try GatewayTLS(certificatePath: "\(Self.fixtures)/make-fixtures.sh", keyPath: "\(Self.fixtures)/server.key")
        }
    }
}
