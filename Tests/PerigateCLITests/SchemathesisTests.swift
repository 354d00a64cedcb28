import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// schemathesis (PyPI; code no one here wrote) against a real `perigate serve` on 127.0.0.1, from
/// the document the server itself answers at `/openapi.json`. It generates requests from the
/// document — valid ones, and in its coverage phase every edge and negative case — and fails on
/// an answer with status 500, a status or content type the document does not list for that
/// operation, a body that does not match its schema, or a required header whose absence is not
/// refused. Three passes: as the midwife practice (partner token), as her client portal
/// (`pgc_…`) and as an operator (`pgo_…`); the gateway holds one woman's message, her consent and
/// her confirmed care team, so record, log and inbox reads reach their real answers.
///
/// Run by scripts/test.sh, which installs schemathesis into `.build/python-tools` and sets
/// `PERIGATE_SCHEMATHESIS`; skipped without it unless `PERIGATE_REQUIRE_SCHEMATHESIS=1` (CI).
@Suite("schemathesis against perigate serve")
struct SchemathesisTests {
    static let executable = ProcessInfo.processInfo.environment["PERIGATE_SCHEMATHESIS"]
        .flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
    static let required = ProcessInfo.processInfo.environment["PERIGATE_REQUIRE_SCHEMATHESIS"] == "1"
    static let bsn = "999990020"
    static let checks = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
        + "response_headers_conformance,missing_required_header,negative_data_rejection"

    @Test("as a partner, her client portal and an operator: no 500, no undocumented status, every answer as documented",
          .enabled(if: executable != nil || required, "schemathesis is not installed (scripts/test.sh installs it)"))
    func conformance() async throws {
        let schemathesis = try #require(Self.executable, "PERIGATE_REQUIRE_SCHEMATHESIS=1 but PERIGATE_SCHEMATHESIS is not an executable")
        var tokens: [String: String] = [:]
        let serve = try ServeProcess.start { db in
            let op = try CLITests.run(["operator", "add", "--db", db, "--id", "schemathesis", "--name", "Test Beheerder"])
            let client = try CLITests.run(["client-credential", "add", "--db", db, "--bsn", Self.bsn])
            #expect(op.status == 0 && client.status == 0, "\(op.error) \(client.error)")
            tokens["operator"] = op.output.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("pgo_") }.map(String.init)
            tokens["client"] = client.output.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("pgc_") }.map(String.init)
        }
        defer { serve.killIfRunning() }
        let operatorToken = try #require(tokens["operator"]), clientToken = try #require(tokens["client"])
        let messageId = try await Self.prepare(serve, clientToken: clientToken)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-schemathesis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // The known woman and message half of the time (real answers), generated values the other half.
        try """
            [dictionaries.bsn]
            values = ["\(Self.bsn)"]
            [dictionaries.message]
            values = ["\(messageId)"]
            [[operations]]
            include-path-regex = "^/v1/clients/"
            parameters = { "path.bsn" = { dictionary = "bsn", probability = 0.5 } }
            [[operations]]
            include-path-regex = "^/v1/messages/"
            parameters = { "path.id" = { dictionary = "message", probability = 0.5 } }
            """.write(to: folder.appendingPathComponent("schemathesis.toml"), atomically: true, encoding: .utf8)
        let user = ["Perigate-User: uzi:900012345", "Perigate-User-Name: A. de Vries", "Perigate-User-Role: verloskundige"]
        let passes: [(name: String, headers: [String], filter: [String])] = [
            // Subscriptions that create or change a URL are left out: the gateway resolves a webhook
            // host through DNS, and tests send nothing off this machine (WebhookTargetTests cover them).
            ("partner", ["Authorization: Bearer \(serve.token)"] + user,
             ["--exclude-tag", "operator", "--exclude-operation-id", "createSubscription", "--exclude-operation-id", "updateSubscription"]),
            // Her portal and the operator API have no links among their operations: no stateful phase.
            ("client portal", ["Authorization: Bearer \(clientToken)"], ["--include-tag", "clients", "--phases", "examples,coverage,fuzzing"]),
            ("operator", ["Authorization: Bearer \(operatorToken)", "Perigate-User: uzi:900077777", "Perigate-User-Name: J. Beheer",
                          "Perigate-User-Role: beheerder"], ["--include-tag", "operator", "--phases", "examples,coverage,fuzzing"]),
        ]
        for pass in passes {
            let run = try Self.run(schemathesis, in: folder, port: serve.port, headers: pass.headers, filter: pass.filter)
            #expect(run.status == 0, "schemathesis as \(pass.name) found failures:\n\(run.output.suffix(12_000))")
            // It really tested: generated cases were sent and answered (a summary line "N generated, N passed").
            let summary = run.output.firstMatch(of: /(\d+) generated, (\d+) passed/)
            #expect((summary.flatMap { Int($0.output.1) } ?? 0) > 50, "as \(pass.name): \(run.output.suffix(3000))")
        }
        try? FileManager.default.removeItem(at: folder)
    }

    /// One message from the midwife practice about her (the known message id), and — through her
    /// client portal — her confirmation of the practice in her care team and her consent.
    static func prepare(_ serve: ServeProcess, clientToken: String) async throws -> String {
        let sample = CLITests.root.appendingPathComponent("Samples/valid/kraamzorgoverdracht-1-prenataal.xml")
        let (data, response) = try await URLSession.shared.data(for: serve.request("POST", "v1/messages", body: try Data(contentsOf: sample)))
        #expect((response as? HTTPURLResponse)?.statusCode == 202, "\(String(decoding: data, as: UTF8.self))")
        let receipt = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for (path, body) in [("care-team", #"{"ura": "01234567"}"#), ("consents", #"{"status": "given", "date": "2026-11-01"}"#)] {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(serve.port)/v1/clients/\(bsn)/\(path)")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(clientToken)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.utf8)
            let (answer, status) = try await URLSession.shared.data(for: request)
            #expect((status as? HTTPURLResponse)?.statusCode == 201, "\(path): \(String(decoding: answer, as: UTF8.self))")
        }
        return try #require(receipt["messageId"] as? String)
    }

    static func run(_ schemathesis: String, in folder: URL, port: Int, headers: [String], filter: [String]) throws -> CLITests.Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: schemathesis)
        process.currentDirectoryURL = folder
        process.arguments = ["run", "http://127.0.0.1:\(port)/openapi.json", "--checks", checks, "--max-examples", "25",
                             "--workers", "1", "--seed", "20261201", "--no-color", "--suppress-health-check", "all",
                             "--request-timeout", "30"] + headers.flatMap { ["--header", $0] } + filter
        var environment = ProcessInfo.processInfo.environment
        environment["SCHEMATHESIS_TELEMETRY"] = "false"
        environment["NO_PROXY"] = "127.0.0.1"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLITests.Run(status: process.terminationStatus, output: String(decoding: text, as: UTF8.self), error: "")
    }
}
