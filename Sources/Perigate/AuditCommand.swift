import ArgumentParser
import Crypto
import Foundation
import Logging
import PerigateCore
import PerigateServer
import PerigateSQLite

/// `perigate audit …`: the access log's integrity.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The NEN 7513 access log: verify it against its signed checkpoints and witnesses, export, purge, keys and witnesses.",
        subcommands: [Verify.self, Export.self, Purge.self, PublicKey.self, Checkpoint.self, Witness.self])

    /// Where the checkpoint file, signing key and witnesses are (``AuditPlacement``).
    struct Files: ParsableArguments {
        @Option(help: "The gateway's checkpoint file (default: $PERIGATE_AUDIT_CHECKPOINTS or <db>.audit-checkpoints).")
        var checkpoints: String?
        @Option(help: "Ed25519 signing key file (default: $PERIGATE_AUDIT_KEY, or audit-signing.key in $PERIGATE_AUDIT_KEY_DIRECTORY or ~/.config/perigate).")
        var key: String?

        func placement(database: String, witnesses: [String] = [], interval: Int? = nil) throws -> AuditPlacement {
            do {
                return try AuditPlacement.fromEnvironment(database: database, key: key, checkpoints: checkpoints, witnesses: witnesses, interval: interval)
            } catch let error as AuditFileError {
                throw ValidationError(error.description)
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain, signed purges and every checkpoint against the log and the witnesses; exit 0 when intact, 1 at the first problem.",
            discussion: """
                Fails on a changed, missing, inserted or reordered line; a log shorter than a witnessed checkpoint; a checkpoint \
                with another hash, a bad signature or another key; a non-empty log no witnessed checkpoint covers; lines after \
                the last witnessed checkpoint older than the checkpoint interval; a purge that is unsigned or not proven old enough.
                """)
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var files: Files
        @Option(name: .customLong("public-key"), help: "Trust checkpoints signed by this public key (base64; repeatable, one per node) instead of the key file's: what an auditor pins.")
        var publicKeys: [String] = []
        @Option(name: .customLong("witness"), help: "Also read checkpoints from this witness: a file (a witness file or a syslog file) or a witness server's URL. Repeatable; adds to $PERIGATE_AUDIT_WITNESSES.")
        var witnesses: [String] = []
        @Option(name: .customLong("checkpoint-seconds"), help: "The gateway's checkpoint interval: older unwitnessed lines fail (default: $PERIGATE_AUDIT_CHECKPOINT_SECONDS or 1).")
        var checkpointSeconds: Int?
        @Option(help: "Start at this line (trusting the line before it).")
        var from: Int?

        func validate() throws {
            for key in publicKeys where (try? AuditSigningKey.publicKey(base64: key)) == nil {
                throw ValidationError("--public-key \(key) is not base64 of a 32-byte Ed25519 public key (perigate audit public-key prints one)")
            }
            if let checkpointSeconds, !(1...86_400).contains(checkpointSeconds) { throw ValidationError("--checkpoint-seconds must be 1…86400") }
        }

        func run() async throws {
            let placement = try files.placement(database: database.resolved, witnesses: witnesses, interval: checkpointSeconds)
            let evidence: AuditEvidence
            do { evidence = try await placement.evidence(publicKeys: publicKeys) } catch let error as AuditPlacement.WitnessUnreadable {
                FileHandle.standardError.write(Data("audit verify: \(error); nothing was verified\n".utf8))
                throw ExitCode(2)
            }
            // An auditor (pinned keys) verifies without signing anything; the operator's verify
            // signs its own log line only when everything checked out, so a failure stays one.
            let result = try await database.withStore(checkpoint: nil) { store in
                let result = try await store.verifyAudit(from: from, evidence: evidence)
                // Verifying is an access to the log too: logged after the check, so it never changes what was checked.
                try await store.appendAudit([AuditEntry(
                    time: Date().formatted(.iso8601), actor: "operator:cli", event: "audit.verify", action: "E", eventType: "log-access",
                    object: "audit-log", outcome: result.problem == nil ? "success" : "error", checks: AuditChecks.authorized,
                    detail: result.problem.map(String.init(describing:)) ?? "\(result.lines) lines intact")])
                if result.problem == nil, publicKeys.isEmpty { await placement.checkpointAfterCommand(store: store) }
                return result
            }
            print(Self.report(result))
            if result.problem != nil { throw ExitCode(1) }
        }

        /// The one-line verdict.
        static func report(_ result: AuditVerification) -> String {
            if let problem = result.problem {
                return "audit log BROKEN at line \(problem.sequence): \(problem.reason) (\(problem.cause.rawValue); \(result.lines) lines before it check out)"
            }
            let witnessed = result.witnessedBy.isEmpty ? "no witness" : result.witnessedBy.joined(separator: ", ")
            let checkpoint = result.checkpoint.map { "last witnessed checkpoint at line \($0) matches (\(witnessed))" } ?? "empty log"
            let tail = result.unprotectedTail == 0 ? "no unwitnessed lines"
                : "\(result.unprotectedTail) lines after it not yet witnessed (since \(result.tailSince ?? "?"))"
            let unsealed = result.unsealed == 0 ? "" : "; \(result.unsealed) lines committed and waiting to be sealed into the chain"
            return "audit log OK: \(result.lines) lines checked, head line \(result.head.sequence) sha256 \(result.head.hash); \(checkpoint); \(tail)\(unsealed)"
        }
    }

    /// `audit public-key`: what auditors and witness servers pin.
    struct PublicKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key", abstract: "Print the public half of the audit signing key (base64): what auditors (--public-key) and witnesses pin.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var files: Files

        func run() async throws {
            let placement = try files.placement(database: database.resolved)
            let key: Curve25519.Signing.PrivateKey
            do { key = try AuditSigningKey.loadExisting(path: placement.key) } catch let error as AuditFileError {
                throw ValidationError("\(error) (perigate serve creates it at first start)")
            }
            let publicKey = AuditSigner(key).publicKey
            print(publicKey)
            FileHandle.standardError.write(Data("key \(placement.key), fingerprint \(AuditSigner.fingerprint(publicKey))\n".utf8))
        }
    }

    /// `audit checkpoint`: sign the head now and send it to the witnesses (what serve does every
    /// second; for after a crash, or to try a new witness).
    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign the audit head now into the checkpoint file and every witness ($PERIGATE_AUDIT_WITNESSES).")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var files: Files

        func run() async throws {
            let placement = try files.placement(database: database.resolved)
            let signer: AuditSigner
            do { signer = AuditSigner(try AuditSigningKey.loadExisting(path: placement.key)) } catch let error as AuditFileError {
                throw ValidationError(error.description)
            }
            let round = try await database.withStore(checkpoint: nil) { store in
                try await AuditCheckpointer(store: store, signer: signer, local: AuditCheckpointFile(path: placement.checkpoints),
                                            witnesses: placement.witnessList()).checkpoint(force: true)
            }
            if let tampered = round.tampered {
                print("audit checkpoint: NOT signed — the log no longer extends the last checkpoint (line \(tampered.sequence): \(tampered.reason)); run perigate audit verify")
                throw ExitCode(1)
            }
            for failure in round.failures { print("not taken by \(failure.witness): \(failure.error)") }
            guard let written = round.written else { print("audit checkpoint: the log is empty"); return }
            print("audit checkpoint: line \(written.sequence) sha256 \(written.hash) signed by \(AuditSigner.fingerprint(written.publicKey))")
            if !round.failures.isEmpty { throw ExitCode(1) }
        }
    }

    /// `audit witness`: the witness server.
    struct Witness: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a witness server: keeps the checkpoints of gateways whose keys it pins, append-only, in one file.",
            discussion: "Run it on another machine than the gateway (docs/audit.md \"Setting up a witness\"). Stops on SIGTERM/SIGINT.")
        @Option(help: "The file the checkpoints are appended to (created when missing).")
        var store: String
        @Option(name: .customLong("public-key"), help: "Take checkpoints signed by this key (base64, from perigate audit public-key). Repeatable: one per gateway node.")
        var publicKeys: [String] = []
        @Option(help: "Address to listen on (default 127.0.0.1).")
        var host = "127.0.0.1"
        @Option(help: "Port (default 8088; 0 picks a free port).")
        var port = 8088
        @Option(name: .customLong("tls-cert"), help: "Server certificate chain (PEM): serve HTTPS.")
        var tlsCertificate: String?
        @Option(name: .customLong("tls-key"), help: "Server private key (PEM).")
        var tlsKey: String?

        func validate() throws {
            guard !publicKeys.isEmpty else { throw ValidationError("give --public-key: the key of every gateway node this witness takes checkpoints from") }
            for key in publicKeys where (try? AuditSigningKey.publicKey(base64: key)) == nil {
                throw ValidationError("--public-key \(key) is not base64 of a 32-byte Ed25519 public key")
            }
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        }

        func run() async throws {
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            let logger = Logger(label: "perigate-witness")
            let ledger: AuditWitnessLedger
            do {
                ledger = try AuditWitnessLedger(path: store, pinned: Set(publicKeys.map { try! AuditSigningKey.publicKey(base64: $0).rawRepresentation.base64EncodedString() }))
            } catch let error as AuditFileError {
                throw ValidationError("cannot use the witness store: \(error)")
            }
            let tls: GatewayTLS?
            do { tls = try tlsCertificate.map { try GatewayTLS(certificatePath: $0, keyPath: tlsKey ?? "") } } catch let error as TLSFileError {
                throw ValidationError("cannot set up TLS: \(error)")
            }
            let scheme = tls == nil ? "http" : "https"
            let host = host
            let app = try AuditWitnessServer(ledger: ledger, tls: tls, logger: logger).application(host: host, port: port) { port in
                FileHandle.standardOutput.write(Data("perigate witness listening on \(scheme)://\(host):\(port)\n".utf8))
            }
            try await app.runService()
        }
    }

    /// `audit purge`: removes lines older than the retention period (at least five years).
    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove audit lines older than the retention period; the rest stays verifiable, the purge is logged.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var files: Files
        @Option(name: .customLong("retention-years"), help: "Keep lines this many years (default: $PERIGATE_AUDIT_RETENTION_YEARS or 5; at least 5).")
        var retentionYears: Int?
        @Option(help: "Purge as of this moment (ISO 8601; default now) — for tests and rehearsals.")
        var now: String?

        var years: Int { retentionYears ?? ProcessInfo.processInfo.environment["PERIGATE_AUDIT_RETENTION_YEARS"].flatMap { Int($0) } ?? 5 }

        func validate() throws {
            if let problem = AuditRetention.problem(years: years) { throw ValidationError(problem) }
            if let now, (try? Date(now, strategy: .iso8601)) == nil { throw ValidationError("--now \(now) is not an ISO 8601 time") }
        }

        func run() async throws {
            let moment = try now.map { try Date($0, strategy: .iso8601) } ?? Date()
            let cutoff = AuditRetention.cutoff(now: moment, years: years)
            var placement = try files.placement(database: database.resolved)
            // The purge record is signed with the checkpoint key: never a new one (it would not verify).
            let signer: AuditSigner
            do { signer = AuditSigner(try AuditSigningKey.loadExisting(path: placement.key)) } catch let error as AuditFileError {
                throw ValidationError("a purge is signed with the audit signing key: \(error)")
            }
            // A rehearsal (--now) on a copy must not reach the witnesses of the real log.
            if now != nil { placement.witnesses = [] }
            let purged = try await database.withStore(checkpoint: placement) { store in
                try await store.purgeAudit(before: cutoff, purgeLine: AuditEntry(
                    time: moment.formatted(.iso8601), actor: "operator:cli", event: "audit.purge", action: "D", eventType: "log-access",
                    object: "audit-log", outcome: "success", checks: AuditChecks.authorized), signer: signer)
            }
            print("audit purge: \(purged) lines written before \(cutoff) removed (retention \(years) years)")
        }
    }

    /// `audit export`: for auditors and log administrators (cross-client: operator access only).
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export audit lines as NEN 7513 JSON lines (with their hashes) or a FHIR R4 Bundle of AuditEvent; the export is logged.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only this client's lines (BSN).") var client: String?
        @Option(help: "From this UTC time or date (ISO 8601).") var from: String?
        @Option(help: "Up to this UTC time or date (ISO 8601; a date includes the whole day).") var to: String?
        @Option(help: "nen (JSON lines, default) or fhir (one Bundle).") var format = "nen"

        func validate() throws {
            guard ["nen", "fhir"].contains(format) else { throw ValidationError("--format must be nen or fhir") }
            if let client, BSN(client) == nil { throw ValidationError("--client is not a valid BSN") }
        }

        func run() async throws {
            let bsn = client.flatMap(BSN.init)?.value
            let upper = to.map { $0.count == 10 ? $0 + "T23:59:59Z" : $0 }
            let query = ["client=\(bsn.map { Receipt.maskedReference(bsn: $0) } ?? "all")", from.map { "from=\($0)" }, to.map { "to=\($0)" },
                         "format=\(format)"].compactMap { $0 }.joined(separator: "&")
            let rows = try await database.withStore { store in
                let rows = try await store.auditRows(client: bsn, from: from, to: upper)
                try await store.appendAudit([AuditEntry(
                    time: Date().formatted(.iso8601), actor: "operator:cli", event: "audit.export", action: "R", eventType: "log-access",
                    object: bsn.map { "bsn:\($0)/access-log" } ?? "audit-log", outcome: "success", checks: AuditChecks.authorized,
                    detail: "\(rows.count) lines",
                    objectDetail: AuditObject(idType: "urn:perigate:audit-log", id: bsn ?? "all", objectClass: "system-object",
                                              category: "toegangslog", query: query))])
                return rows
            }
            print(try AuditExport.render(rows, format: format), terminator: "")
        }
    }
}
