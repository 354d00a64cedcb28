import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PerigateCore
import PerigateSQLite
import Testing

/// `perigate serve` settings: flag > PERIGATE_* environment > --config file > default, wrong
/// values named by key, and a graceful stop on SIGTERM. Runs the real binary.
@Suite("perigate serve configuration")
struct ServeConfigurationTests {
    struct Outcome {
        /// The port from the "listening" line, when the server started.
        var port: Int?
        var status: Int32
        var error: String
    }

    /// Starts `perigate serve`; when it listens, stops it with SIGTERM. Returns what happened.
    static func serve(_ arguments: [String], environment: [String: String] = [:], config: String? = nil, directory working: URL? = nil) throws -> Outcome {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var arguments = ["serve", "--db", directory.appendingPathComponent("gateway.sqlite").path] + arguments
        let environment = environment.mapValues { $0.replacingOccurrences(of: "$DATA", with: directory.path) }
        if let config {
            let file = directory.appendingPathComponent("perigate.json")
            try Data(config.utf8).write(to: file)
            arguments += ["--config", file.path]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.binary)
        process.arguments = arguments
        process.currentDirectoryURL = working ?? CLITests.root
        var env = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("PERIGATE_") || ["PERIGATE_BIN", "PERIGATE_AUDIT_KEY_DIRECTORY"].contains($0.key)
        }
        env.merge(environment) { $1 }
        process.environment = env
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var printed = ""
        while !printed.contains("\n"), process.isRunning || !printed.isEmpty {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            printed += String(decoding: data, as: UTF8.self)
        }
        let port = printed.contains("listening on") ? printed.split(separator: ":").last.flatMap { Int($0.prefix { $0.isNumber }) } : nil
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let error = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Outcome(port: port, status: process.terminationStatus, error: error)
    }

    @Test("a flag beats the environment, the environment beats the file; SIGTERM stops it cleanly")
    func precedence() throws {
        let flagWins = try Self.serve(["--port", "0"], environment: ["PERIGATE_PORT": "not-a-port"], config: #"{"port": 99999}"#)
        #expect(flagWins.port != nil && flagWins.port != 0)
        #expect(flagWins.status == 0)
        #expect(flagWins.error.contains("stopped"))
        let environmentWins = try Self.serve([], environment: ["PERIGATE_PORT": "0"], config: #"{"port": 99999}"#)
        #expect(environmentWins.port != nil)
        let fileUsed = try Self.serve([], config: #"{"port": 0, "requestTimeoutSeconds": 5, "tls": {"cert": "/nonexistent.pem", "key": "/nonexistent.key"}}"#)
        #expect(fileUsed.port == nil)
        #expect(fileUsed.error.contains("/nonexistent.pem is not readable"))
    }

    @Test("wrong values stop the start with the key named", arguments: [
        ([String: String](), #"{"port": 99999}"#, "port: 99999 is outside 0…65535"),
        (["PERIGATE_PORT": "eighty"], nil, "port: 'eighty' is not a whole number"),
        (["PERIGATE_MAX_CONCURRENT_REQUESTS": "0"], nil, "maxConcurrentRequests: 0 is outside"),
        (["PERIGATE_XML_MAX_DEPTH": "abc"], nil, "xml.maxDepth: 'abc' is not a whole number"),
        ([String: String](), #"{"xml": {"maxAttributesPerElement": 0}}"#, "xml.maxAttributesPerElement: 0 is outside 1…100000"),
        (["PERIGATE_LOG_LEVEL": "loud"], nil, "logLevel: 'loud' is not one of"),
        (["PERIGATE_TLS_CLIENT_CA": "/ca.pem"], nil, "mutual TLS (tls.clientCA) needs tls.cert and tls.key"),
        (["PERIGATE_MAPPING_REFERENCE_DATE": "2020-02-30"], nil, "mapping.referenceDate: '2020-02-30' is not a calendar date"),
        ([String: String](), #"{"audit": {"retentionYears": 4}}"#, "audit.retentionYears: audit retention of 4 years is below the legal minimum of 5 years"),
        ([String: String](), #"{"port": "#, "is not valid JSON"),
        (["PERIGATE_DELIVERY_ALLOWED_NETWORKS": "10.0.0.0/33"], nil, "delivery.allowedNetworks: '10.0.0.0/33': the prefix length must be 0…32"),
        (["PERIGATE_AUDIT_WITNESSES": "ftp://witness.example"], nil, "audit.witnesses: ftp://witness.example is not a witness"),
        (["PERIGATE_AUDIT_CHECKPOINT_LINES": "0"], nil, "audit.checkpointLines: 0 is outside 1…1000000"),
        ([String: String](), #"{"delivery": {"allowedNetworks": ["127.0.0.0/8", "10.1.2.3/8"]}}"#,
         "delivery.allowedNetworks: '10.1.2.3/8' has bits set past the /8 prefix (did you mean 10.0.0.0/8?)"),
        ([String: String](), #"{"delivery": {"allowedNetworks": ["hooks intern"]}}"#,
         "delivery.allowedNetworks: 'hooks intern' is not a CIDR range, an address or a host name"),
    ])
    func invalid(_ environment: [String: String], _ config: String?, _ message: String) throws {
        let outcome = try Self.serve([], environment: environment, config: config)
        #expect(outcome.port == nil)
        #expect(outcome.status != 0)
        #expect(outcome.error.contains(message), "\(outcome.error)")
    }
}

@Suite("audit key placement and checkpoints")
struct AuditPlacementTests {
    @Test("serve warns loudly when the signing key lies in the data directory, and when no witness is outside it")
    func warnings() throws {
        let beside = try ServeConfigurationTests.serve([], environment: ["PERIGATE_AUDIT_KEY": "$DATA/audit.key"])
        #expect(beside.port != nil, "\(beside.error)")
        #expect(beside.error.contains("THE AUDIT SIGNING KEY LIES IN THE DATA DIRECTORY"), "\(beside.error)")
        #expect(beside.error.contains("no audit witness outside the data directory"))
        let elsewhere = try ServeConfigurationTests.serve([], environment: ["PERIGATE_AUDIT_WITNESSES": "file:/tmp/perigate-witness-\(UUID().uuidString)/w.jsonl"])
        #expect(elsewhere.port != nil, "\(elsewhere.error)")
        #expect(!elsewhere.error.contains("DATA DIRECTORY") && !elsewhere.error.contains("no audit witness"), "\(elsewhere.error)")
    }

    @Test("audit public-key prints the key's public half and never makes a key; audit checkpoint needs one too")
    func publicKey() throws {
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-keys-\(UUID().uuidString)")
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-pk-\(UUID().uuidString).sqlite").path
        let environment = ["PERIGATE_AUDIT_KEY_DIRECTORY": keys.path]
        let missing = try CLITests.run(["audit", "public-key", "--db", db], environment: environment)
        #expect(missing.status != 0 && missing.error.contains("audit-signing.key does not exist"), "\(missing.error)")
        #expect(!FileManager.default.fileExists(atPath: keys.path))
        // The first command that writes a line makes the key (mode 0600, its directory 0700) and signs the line.
        #expect(try CLITests.run(["partner", "add", "--db", db, "--name", "De Linde", "--type", "verloskundigenpraktijk", "--ura", "01234567"],
                                 environment: environment).status == 0)
        let keyFile = keys.appendingPathComponent("audit-signing.key").path
        #expect((try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int) == 0o600)
        #expect((try FileManager.default.attributesOfItem(atPath: keys.path)[.posixPermissions] as? Int) == 0o700)
        let printed = try CLITests.run(["audit", "public-key", "--db", db], environment: environment)
        let publicKey = printed.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(printed.status == 0 && Data(base64Encoded: publicKey)?.count == 32, "\(printed.output)")
        let verified = try CLITests.run(["audit", "verify", "--db", db, "--public-key", publicKey], environment: environment)
        #expect(verified.status == 0 && verified.output.contains("last witnessed checkpoint at line 1 matches"), "\(verified.output)\(verified.error)")
        let checkpoint = try CLITests.run(["audit", "checkpoint", "--db", db, "--key", keys.appendingPathComponent("none.key").path], environment: environment)
        #expect(checkpoint.status != 0 && checkpoint.error.contains("does not exist"))
    }

    @Test("serve makes a checkpoint as soon as audit.checkpointLines lines were written, long before the interval")
    func checkpointEveryNLines() async throws {
        let serve = try ServeProcess.start(extraArguments: [], environment: ["PERIGATE_AUDIT_CHECKPOINT_SECONDS": "3600", "PERIGATE_AUDIT_CHECKPOINT_LINES": "20"])
        defer { serve.killIfRunning() }
        let template = try String(contentsOf: CLITests.root.appendingPathComponent("Samples/valid/verwijzing-1-hypertensie-regulier.xml"), encoding: .utf8)
        for index in 0..<25 {
            let body = Data(template.replacingOccurrences(of: "4f6c2a1e-8b3d-4c1a-9e2f-1a2b3c4d5e01", with: String(format: "4f6c2a1e-8b3d-4c1a-9e2f-%012d", index)).utf8)
            _ = try await URLSession.shared.data(for: serve.request("POST", "v1/messages", body: body))
        }
        let file = AuditCheckpointFile(path: serve.database + ".audit-checkpoints")
        var sequences: [Int] = []
        for _ in 0..<100 where (sequences.last ?? 0) < 20 {
            sequences = (try? file.read().map(\.sequence)) ?? []
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect((sequences.last ?? 0) >= 20, "checkpoints at \(sequences)")
        #expect(sequences.count >= 2, "one at start, one after 20 lines: \(sequences)")
    }
}

@Suite("perigate audit purge")
struct AuditPurgeCommandTests {
    @Test("retention below five years is refused; a purge of a young log removes nothing and is logged")
    func purge() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-purge-\(UUID().uuidString).sqlite").path
        let refused = try CLITests.run(["audit", "purge", "--db", db, "--retention-years", "4"])
        #expect(refused.status != 0)
        #expect(refused.error.contains("below the legal minimum of 5 years"))
        #expect(try CLITests.run(["partner", "add", "--db", db, "--name", "De Linde", "--type", "verloskundigenpraktijk", "--ura", "01234567"]).status == 0)
        let purged = try CLITests.run(["audit", "purge", "--db", db, "--now", "2026-11-25T12:00:00Z"])
        #expect(purged.status == 0)
        #expect(purged.output == "audit purge: 0 lines written before 2021-11-25T12:00:00Z removed (retention 5 years)\n")
        let verified = try CLITests.run(["audit", "verify", "--db", db])
        #expect(verified.output.hasPrefix("audit log OK: 2 lines checked"), "\(verified.output)")
        // Exports: FHIR (one bundle) and NEN JSON lines; each export is itself logged.
        let fhir = try CLITests.run(["audit", "export", "--db", db, "--format", "fhir"])
        let bundle = try #require(try JSONSerialization.jsonObject(with: Data(fhir.output.utf8)) as? [String: Any])
        #expect(bundle["resourceType"] as? String == "Bundle")
        // partner.add, audit.purge, audit.verify (verifying is logged too)
        #expect((bundle["entry"] as? [Any])?.count == 3)
        let nen = try CLITests.run(["audit", "export", "--db", db])
        let lines = nen.output.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.last?.contains("\"event\":\"audit.export\"") == true)
    }
}

@Suite("perigate partner")
struct PartnerCommandTests {
    @Test("--lvr registers the partner's Perined LVR id: shown by partner list; malformed or already held by an active partner is refused")
    func lvr() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-partner-\(UUID().uuidString).sqlite").path
        let first = try CLITests.run(["partner", "add", "--db", db, "--name", "Verloskundigenpraktijk De Linde", "--type", "verloskundigenpraktijk",
                                      "--ura", "01234567", "--lvr", "1504"])
        #expect(first.status == 0, "\(first.error)")
        let list = try CLITests.run(["partner", "list", "--db", db])
        #expect(list.output.contains("LVR") && list.output.contains("1504"), "\(list.output)")
        let taken = try CLITests.run(["partner", "add", "--db", db, "--name", "Ziekenhuis", "--type", "ziekenhuis", "--ura", "27654321", "--lvr", "1504"])
        #expect(taken.status != 0)
        #expect(taken.error.contains("already holds LVR id 1504"), "\(taken.error)")
        let malformed = try CLITests.run(["partner", "add", "--db", db, "--name", "Ziekenhuis", "--type", "ziekenhuis", "--ura", "27654321", "--lvr", "15-04"])
        #expect(malformed.status != 0)
        #expect(malformed.error.contains("--lvr must be 1 to 20 letters and digits"), "\(malformed.error)")
    }

    @Test("a second active partner with the same URA is refused, naming the first; after a revoke the organisation can be added again")
    func oneActivePartnerPerURA() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-partner-\(UUID().uuidString).sqlite").path
        let add = ["partner", "add", "--db", db, "--name", "Verloskundigenpraktijk De Linde", "--type", "verloskundigenpraktijk", "--ura", "01234567"]
        let first = try CLITests.run(add)
        #expect(first.status == 0, "\(first.error)")
        let id = try #require(first.output.split(separator: " ").dropFirst().first.map(String.init))
        let again = try CLITests.run(add)
        #expect(again.status != 0)
        #expect(again.error.contains("partner \(id) (Verloskundigenpraktijk De Linde) is already registered with URA 01234567"), "\(again.error)")
        #expect(try CLITests.run(["partner", "list", "--db", db]).output.split(separator: "\n").count == 2, "header and one partner")
        #expect(try CLITests.run(["partner", "revoke", "--db", db, id]).status == 0)
        #expect(try CLITests.run(add).status == 0)
    }
}

@Suite("schemas found outside the repository root")
struct SchemaLocationTests {
    @Test("validate and serve started in another directory find the schemas beside the executable (no PERIGATE_SCHEMA_DIR)")
    func outsideTheRepository() throws {
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-cwd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let sample = CLITests.root.appendingPathComponent("Samples/valid/verwijzing-1-hypertensie-regulier.xml").path
        var environment = ProcessInfo.processInfo.environment
        environment["PERIGATE_SCHEMA_DIR"] = nil
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.binary)
        process.arguments = ["validate", sample]
        process.environment = environment
        process.currentDirectoryURL = elsewhere
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(printed)")
        #expect(printed.hasSuffix("verwijzing 1.0: VALID\n"), "\(printed)")
        let served = try ServeConfigurationTests.serve([], directory: elsewhere)
        #expect(served.port != nil, "\(served.error)")
    }
}

@Suite("perigate operator")
struct OperatorCommandTests {
    @Test("operator list shows role, console password and status; revoke closes the token at once and is refused twice")
    func listAndRevoke() async throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-operators-\(UUID().uuidString).sqlite").path
        let added = try CLITests.run(["operator", "add", "--db", db, "--id", "anna", "--name", "Anna de Vries"])
        #expect(added.status == 0, "\(added.error)")
        let token = try #require(added.output.split(separator: "\n").last?.split(separator: " ").last.map(String.init))
        #expect(try CLITests.run(["operator", "add", "--db", db, "--id", "lotte", "--name", "Lotte Jansen", "--role", "log-administrator"]).status == 0)
        #expect(try CLITests.run(["operator", "password", "--db", db, "anna"], stdin: Data("een-lang-wachtwoord-2026\n".utf8)).status == 0)
        let listed = try CLITests.run(["operator", "list", "--db", db]).output.split(separator: "\n").map(String.init)
        #expect(listed.count == 3, "\(listed)")
        #expect(listed[1].hasPrefix("anna") && listed[1].contains("operator") && listed[1].contains("password set") && listed[1].hasSuffix("active"))
        #expect(listed[2].hasPrefix("lotte") && listed[2].contains("log-administrator") && listed[2].contains("no password"))
        #expect(try CLITests.run(["operator", "revoke", "--db", db, "anna"]).output == "operator anna revoked\n")
        let again = try CLITests.run(["operator", "revoke", "--db", db, "anna"])
        #expect(again.status != 0 && again.error.contains("no active operator anna"))
        #expect(try CLITests.run(["operator", "list", "--db", db]).output.split(separator: "\n")[1].hasSuffix("revoked"))
        let store = try await SQLiteMessageStore.open(path: db)
        #expect(try await store.activeOperator(tokenHash: PartnerToken.hash(token)) == nil)
        #expect(try await store.auditEntries(after: 0, limit: 20).map(\.event).contains("operator.revoke"))
        try await store.close()
    }
}
