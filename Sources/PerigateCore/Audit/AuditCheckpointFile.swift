import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Signed checkpoints of the audit chain, one JSON line each, in a file (appended with
/// `O_APPEND` and fsynced; never rewritten): the gateway's own copy, or a witness file on another
/// volume. Reading also accepts a syslog server's file, where each line's message is a checkpoint.
public struct AuditCheckpointFile: AuditWitness, AuditWitnessSource {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var name: String { "file \(path)" }

    /// Every checkpoint in the file, oldest first; none when the file does not exist yet. Lines
    /// that are not checkpoints (other messages in a syslog file, a line torn by a crash or a full
    /// disk) are skipped — they cannot hide anything — and counted.
    public func readAll() throws -> (checkpoints: [AuditCheckpoint], skipped: Int) {
        guard FileManager.default.fileExists(atPath: path) else { return ([], 0) }
        guard let data = FileManager.default.contents(atPath: path) else { throw AuditFileError(path: path, reason: "is not readable") }
        var checkpoints: [AuditCheckpoint] = []
        var skipped = 0
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) {
            if let checkpoint = AuditCheckpoint.parse(line: line) { checkpoints.append(checkpoint) } else { skipped += 1 }
        }
        return (checkpoints, skipped)
    }

    public func read() throws -> [AuditCheckpoint] {
        try readAll().checkpoints
    }

    /// The last checkpoint in the file, if any.
    public func last() throws -> AuditCheckpoint? {
        try read().last
    }

    public func checkpoints() async throws -> [AuditCheckpoint] {
        try read()
    }

    public func record(_ checkpoint: AuditCheckpoint) async throws {
        try append(checkpoint)
    }

    /// Appends one checkpoint durably; one `write` with `O_APPEND`, so a line from `serve` and
    /// one from a CLI command never interleave.
    public func append(_ checkpoint: AuditCheckpoint) throws {
        var line = try checkpoint.encodedLine()
        line.append(UInt8(ascii: "\n"))
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw AuditFileError(path: path, reason: "cannot be opened for appending (errno \(errno))") }
        defer { close(descriptor) }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count else { throw AuditFileError(path: path, reason: "could not be written (errno \(errno))") }
        guard fsync(descriptor) == 0 else { throw AuditFileError(path: path, reason: "could not be synced (errno \(errno))") }
    }
}

/// The Ed25519 key that signs checkpoints and purges: a file holding the raw private key in
/// base64, created (mode 0600, its directory 0700) when missing. It belongs in a key directory of
/// its own, never beside the database (docs/audit.md).
public enum AuditSigningKey {
    public static func loadOrCreate(path: String) throws -> Curve25519.Signing.PrivateKey {
        if let key = try load(path: path) { return key }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw AuditFileError(path: directory, reason: "cannot be created")
            }
        }
        // Written under a temporary name and linked into place: two processes creating the key at
        // once end up with the same one (the loser of link(2) reads the winner's).
        let key = Curve25519.Signing.PrivateKey()
        let temporary = path + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).new"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((key.rawRepresentation.base64EncodedString() + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw AuditFileError(path: path, reason: "cannot be created")
        }
        defer { unlink(temporary) }
        if link(temporary, path) != 0 {
            guard errno == EEXIST, let existing = try load(path: path) else { throw AuditFileError(path: path, reason: "cannot be created") }
            return existing
        }
        return key
    }

    /// An existing key file (never creates one).
    public static func loadExisting(path: String) throws -> Curve25519.Signing.PrivateKey {
        guard let key = try load(path: path) else { throw AuditFileError(path: path, reason: "does not exist") }
        return key
    }

    private static func load(path: String) throws -> Curve25519.Signing.PrivateKey? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }),
              let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw AuditFileError(path: path, reason: "is not an Ed25519 private key (base64 of 32 bytes)")
        }
        return key
    }

    /// A public key given as base64 of its 32 raw bytes (what an auditor is handed).
    public static func publicKey(base64: String) throws -> Curve25519.Signing.PublicKey {
        guard let raw = Data(base64Encoded: base64), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw AuditFileError(path: "public key", reason: "is not base64 of a 32-byte Ed25519 public key")
        }
        return key
    }
}

/// An audit key or checkpoint file that cannot be used.
public struct AuditFileError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path) \(reason)" }

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}
