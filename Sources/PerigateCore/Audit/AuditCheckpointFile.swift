import Crypto
import Foundation

/// Signed checkpoints of the audit chain, one JSON line each, in a file outside the database
/// (appended and fsynced; never rewritten).
public struct AuditCheckpointFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Every checkpoint in the file, oldest first; none when the file does not exist yet.
    public func read() throws -> [AuditCheckpoint] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else { throw AuditFileError(path: path, reason: "is not readable") }
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            do { return try JSONDecoder().decode(AuditCheckpoint.self, from: Data(line)) } catch {
                throw AuditFileError(path: path, reason: "holds a line that is not a checkpoint")
            }
        }
    }

    /// Appends one checkpoint durably.
    public func append(_ checkpoint: AuditCheckpoint) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(checkpoint)
        line.append(UInt8(ascii: "\n"))
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]) else {
                throw AuditFileError(path: path, reason: "cannot be created")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw AuditFileError(path: path, reason: "is not writable") }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
        try handle.synchronize()
    }
}

/// The Ed25519 key that signs checkpoints: a file holding the raw private key in base64, created
/// (mode 0600) when missing. Keep it outside the database's directory and back it up separately.
public enum AuditSigningKey {
    public static func loadOrCreate(path: String) throws -> Curve25519.Signing.PrivateKey {
        if FileManager.default.fileExists(atPath: path) {
            guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }),
                  let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
                  let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
                throw AuditFileError(path: path, reason: "is not an Ed25519 private key (base64 of 32 bytes)")
            }
            return key
        }
        let key = Curve25519.Signing.PrivateKey()
        guard FileManager.default.createFile(atPath: path, contents: Data((key.rawRepresentation.base64EncodedString() + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw AuditFileError(path: path, reason: "cannot be created")
        }
        return key
    }

    /// An existing key file (never creates one).
    public static func loadExisting(path: String) throws -> Curve25519.Signing.PrivateKey {
        guard FileManager.default.fileExists(atPath: path) else { throw AuditFileError(path: path, reason: "does not exist") }
        return try loadOrCreate(path: path)
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
}
