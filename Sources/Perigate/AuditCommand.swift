import ArgumentParser
import Foundation
import PerigateCore
import PerigateSQLite

/// `perigate audit …`: the access log's integrity.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The NEN 7513 access log: verify its hash chain and signed checkpoints.",
        subcommands: [Verify.self, Export.self, Purge.self])

    /// Where the checkpoint file and signing key live (beside the database unless told otherwise).
    struct Files: ParsableArguments {
        @Option(help: "Signed checkpoints file (default: $PERIGATE_AUDIT_CHECKPOINTS or <db>.audit-checkpoints).")
        var checkpoints: String?
        @Option(help: "Ed25519 signing key file (default: $PERIGATE_AUDIT_KEY or <db>.audit-key); its public half verifies.")
        var key: String?
        @Option(name: .customLong("public-key"), help: "Verify with this public key (base64) instead of the key file: what an auditor is given.")
        var publicKey: String?

        static func checkpointPath(_ given: String?, database: String) -> String {
            given ?? ProcessInfo.processInfo.environment["PERIGATE_AUDIT_CHECKPOINTS"] ?? database + ".audit-checkpoints"
        }

        static func keyPath(_ given: String?, database: String) -> String {
            given ?? ProcessInfo.processInfo.environment["PERIGATE_AUDIT_KEY"] ?? database + ".audit-key"
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain and every checkpoint; exit 0 when intact, 1 at the first bad line.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var files: Files
        @Option(help: "Start at this line (trusting the line before it).")
        var from: Int?

        func run() async throws {
            let db = database.resolved
            let publicKey = try files.publicKey.map(AuditSigningKey.publicKey(base64:))
                ?? (try? AuditSigningKey.loadExisting(path: Files.keyPath(files.key, database: db)))?.publicKey
            let checkpoints = try AuditCheckpointFile(path: Files.checkpointPath(files.checkpoints, database: db)).read()
            let result = try await database.withStore { store in
                let result = try await store.verifyAudit(from: from, checkpoints: checkpoints, publicKey: publicKey)
                // Verifying is an access to the log too: logged after the check, so it never changes what was checked.
                try await store.appendAudit([AuditEntry(
                    time: Date().formatted(.iso8601), actor: "operator:cli", event: "audit.verify", action: "E", eventType: "log-access",
                    object: "audit-log", outcome: result.problem == nil ? "success" : "error", checks: AuditChecks.authorized,
                    detail: result.problem.map(String.init(describing:)) ?? "\(result.lines) lines intact")])
                return result
            }
            let checkpointText = publicKey == nil ? "no key: checkpoints not checked"
                : result.checkpoint.map { "last checkpoint at line \($0) matches" } ?? "no checkpoint yet"
            if let problem = result.problem {
                print("audit log BROKEN at line \(problem.sequence): \(problem.reason) (\(result.lines) lines before it check out)")
                throw ExitCode(1)
            }
            print("audit log OK: \(result.lines) lines checked, head line \(result.head.sequence) sha256 \(result.head.hash); \(checkpointText)")
        }
    }

    /// `audit purge`: removes lines older than the retention period (at least five years).
    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove audit lines older than the retention period; the rest stays verifiable, the purge is logged.")
        @OptionGroup var database: DatabaseOptions
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
            let purged = try await database.withStore { store in
                try await store.purgeAudit(before: cutoff, purgeLine: AuditEntry(
                    time: moment.formatted(.iso8601), actor: "operator:cli", event: "audit.purge", action: "D", eventType: "log-access",
                    object: "audit-log", outcome: "success", checks: AuditChecks.authorized))
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
