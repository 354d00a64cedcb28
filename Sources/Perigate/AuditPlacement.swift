import AsyncHTTPClient
import Foundation
import PerigateCore
import PerigateDelivery

/// Where the audit signing key, the gateway's own checkpoint file and the witnesses are, and how
/// often checkpoints are made: resolved once, the same way for `serve` (configuration keys
/// `audit.*`) and for every CLI command (`PERIGATE_AUDIT_*` and their flags).
struct AuditPlacement: Sendable {
    var key: String
    var checkpoints: String
    var witnesses: [AuditWitnessSpec]
    var checkpointInterval: Duration
    var checkpointLines: Int

    static let keyFileName = "audit-signing.key"
    static let defaultInterval = 1
    static let defaultLines = 1000

    /// The key directory: `audit.keyDirectory` / `PERIGATE_AUDIT_KEY_DIRECTORY`, else
    /// `$XDG_CONFIG_HOME/perigate` or `~/.config/perigate` — never the database's directory.
    static func keyDirectory(_ given: String?, environment: [String: String]) -> String {
        if let given { return given }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".config")
        return (config as NSString).appendingPathComponent("perigate")
    }

    static func resolve(database: String, key: String?, keyDirectory: String?, checkpoints: String?, witnesses: [String],
                        interval: Int?, lines: Int?, environment: [String: String]) throws -> AuditPlacement {
        let directory = Self.keyDirectory(keyDirectory, environment: environment)
        return AuditPlacement(key: key ?? (directory as NSString).appendingPathComponent(keyFileName),
                              checkpoints: checkpoints ?? database + ".audit-checkpoints",
                              // Each once: a witness both configured and given on the command line is one witness.
                              witnesses: try witnesses.filter { !$0.isEmpty }.map(AuditWitnessSpec.init(parsing:))
                                  .reduce(into: [AuditWitnessSpec]()) { if !$0.contains($1) { $0.append($1) } },
                              checkpointInterval: .seconds(interval ?? defaultInterval), checkpointLines: lines ?? defaultLines)
    }

    /// For CLI commands: the flags given, else the environment, else the defaults.
    static func fromEnvironment(database: String, key: String? = nil, checkpoints: String? = nil, witnesses: [String] = [],
                                interval: Int? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AuditPlacement {
        let configured = environment["PERIGATE_AUDIT_WITNESSES"]?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
        return try resolve(database: database, key: key ?? environment["PERIGATE_AUDIT_KEY"],
                           keyDirectory: environment["PERIGATE_AUDIT_KEY_DIRECTORY"],
                           checkpoints: checkpoints ?? environment["PERIGATE_AUDIT_CHECKPOINTS"], witnesses: configured + witnesses,
                           interval: interval ?? environment["PERIGATE_AUDIT_CHECKPOINT_SECONDS"].flatMap { Int($0) },
                           lines: environment["PERIGATE_AUDIT_CHECKPOINT_LINES"].flatMap { Int($0) }, environment: environment)
    }

    /// True when the key file lies in the database file's directory or below it: whoever has the
    /// data directory then has the key too.
    static func keyIsInDataDirectory(key: String, database: String) -> Bool {
        let data = URL(fileURLWithPath: database).deletingLastPathComponent().standardizedFileURL.resolvingSymlinksInPath().path
        let keyDirectory = URL(fileURLWithPath: key).deletingLastPathComponent().standardizedFileURL.resolvingSymlinksInPath().path
        return keyDirectory == data || keyDirectory.hasPrefix(data.hasSuffix("/") ? data : data + "/")
    }

    /// The witnesses the gateway sends checkpoints to.
    func witnessList() -> [any AuditWitness] {
        witnesses.map { $0.witness() }
    }

    /// Signs the head (when it moved) into the checkpoint file and the witnesses, for a CLI
    /// command that wrote audit lines; problems go to standard error, never fail the command.
    func checkpointAfterCommand(store: any AuditChainStore, witnesses sendToWitnesses: Bool = true) async {
        do {
            // The first command on a new database makes the key; on one with checkpoints only the
            // existing key signs (another user's or directory's new key would sign a fork).
            let fresh = !FileManager.default.fileExists(atPath: checkpoints)
            let signer = AuditSigner(fresh ? try AuditSigningKey.loadOrCreate(path: key) : try AuditSigningKey.loadExisting(path: key))
            let round = try await AuditCheckpointer(store: store, signer: signer, local: AuditCheckpointFile(path: checkpoints),
                                                    witnesses: sendToWitnesses ? witnessList() : []).checkpoint()
            if let tampered = round.tampered {
                FileHandle.standardError.write(Data("""
                    CRITICAL: the audit log no longer extends its last checkpoint (line \(tampered.sequence): \(tampered.reason)); \
                    nothing was signed. Run perigate audit verify and report a security incident.

                    """.utf8))
            }
            for failure in round.failures {
                FileHandle.standardError.write(Data("warning: audit checkpoint not taken by \(failure.witness): \(failure.error)\n".utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("warning: no audit checkpoint made (serve signs these lines at its next checkpoint): \(error)\n".utf8))
        }
    }

    /// What verification trusts: `publicKeys` when given (pinned by the auditor), else the key
    /// file's public half; the checkpoint file; the configured witnesses that can be read back and
    /// `extra` ones. A witness that cannot be read is an error (verification would be incomplete).
    func evidence(publicKeys: [String], now: Date = Date()) async throws -> AuditEvidence {
        var trusted = Set<String>()
        for key in publicKeys { trusted.insert(try AuditSigningKey.publicKey(base64: key).rawRepresentation.base64EncodedString()) }
        if publicKeys.isEmpty, let own = try? AuditSigningKey.loadExisting(path: key) {
            trusted.insert(AuditSigner(own).publicKey)
        }
        let local = AuditCheckpointFile(path: checkpoints)
        var witnessed: [AuditEvidence.Source] = []
        var skippedByWitness: [(String, Int)] = []
        for spec in witnesses {
            guard let source = spec.source() else { continue }
            do {
                if case .file(let path) = spec {
                    let read = try AuditCheckpointFile(path: path).readAll()
                    skippedByWitness.append((source.name, read.skipped))
                    witnessed.append(.init(name: source.name, checkpoints: read.checkpoints))
                } else {
                    witnessed.append(.init(name: source.name, checkpoints: try await source.checkpoints()))
                }
            } catch {
                throw WitnessUnreadable(witness: source.name, reason: String(describing: error))
            }
        }
        let own = try local.readAll()
        for (source, skipped) in [(local.name, own.skipped)] + skippedByWitness where skipped > 0 {
            FileHandle.standardError.write(Data("note: \(skipped) lines in \(source) are not checkpoints and were skipped\n".utf8))
        }
        // Configured witnesses, read back or not (syslog), make the checkpoint file beside the data count for nothing.
        return AuditEvidence(trustedKeys: trusted, local: .init(name: "checkpoint file \(checkpoints)", checkpoints: own.checkpoints),
                             witnesses: witnessed, checkpointInterval: checkpointInterval, now: now, localIsWitness: witnesses.isEmpty)
    }

    struct WitnessUnreadable: Error, CustomStringConvertible {
        var witness: String
        var reason: String
        var description: String { "cannot read \(witness): \(reason)" }
    }
}
